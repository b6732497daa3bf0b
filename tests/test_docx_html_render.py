"""DOCX and HTML rendering, the DOCX reader's round trip, and hostile DOCX files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from lxml import etree, html

from evidencia.ingest.limits import Limits
from evidencia.ingest.readers.docx import DocxReader
from evidencia.ingest.sniff import sniff
from evidencia.model import Block, BlockKind, FootnoteDraft, ReadDocument, ReadError
from evidencia.render.docx import render_docx
from evidencia.render.html import render_html

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
WPS_NS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
V_NS = "urn:schemas-microsoft-com:vml"


def report() -> ReadDocument:
    return ReadDocument(
        title="Pushbacks at the Evros border",
        metadata={"author": "Monitoring Network", "date": "2024-03-01", "language": "en"},
        blocks=[
            Block("Summary", BlockKind.HEADING, level=1),
            Block("Pushbacks continued throughout 2023.", footnote_refs=["1"]),
            Block(
                "Οι επαναπροωθήσεις συνεχίστηκαν <script>alert(1)</script> & more.",
                footnote_refs=["2", "3"],
            ),
            Block("Methodology", BlockKind.HEADING, level=2),
            Block("Les témoignages ont été recueillis à Calais."),
            Block("Interviews with 40 people", BlockKind.LIST_ITEM),
            Block("Medical records", BlockKind.LIST_ITEM, footnote_refs=["4"]),
            Block("They took our phones and sent us back.", BlockKind.QUOTE),
            Block("Country | Cases", BlockKind.TABLE),
            Block("Greece | 12", BlockKind.TABLE, footnote_refs=["5"]),
            Block("Conclusions", BlockKind.HEADING, level=1),
            Block("Die Zurückweisungen verstoßen gegen das Völkerrecht."),
        ],
        footnotes=[
            FootnoteDraft("1", "UNHCR, Annual report 2023, p. 4."),
            FootnoteDraft("2", "Σημείωση: μαρτυρία αρ. 12."),
            FootnoteDraft("3", "Interview <b>7</b> & notes."),
            FootnoteDraft("4", "Records held by the clinic."),
            FootnoteDraft("5", "Border Violence Monitoring Network data."),
        ],
    )


def read(path: Path, limits: Limits | None = None) -> ReadDocument:
    return DocxReader().read(path, limits or Limits())


# -- round trips -------------------------------------------------------------------------------


def test_docx_round_trip(tmp_path: Path) -> None:
    source = report()
    path = tmp_path / "report.docx"
    render_docx(source, path)
    assert DocxReader.score(sniff(path)) > 0

    got = read(path)
    assert got.title == source.title
    assert got.metadata == {"author": "Monitoring Network", "date": "2024-03-01", "language": "en"}
    assert got.page_count is None
    assert [(b.kind, b.level, b.text, b.footnote_refs) for b in got.blocks] == [
        (b.kind, b.level, b.text, b.footnote_refs) for b in source.blocks
    ]
    assert all(b.page is None for b in got.blocks)
    assert [(f.label, f.text) for f in got.footnotes] == [
        (f.label, f.text) for f in source.footnotes
    ]


def test_docx_writes_real_footnotes(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    render_docx(report(), path)
    with zipfile.ZipFile(path) as zf:
        types = zf.read("[Content_Types].xml").decode()
        rels = zf.read("word/_rels/document.xml.rels").decode()
        notes = etree.fromstring(zf.read("word/footnotes.xml"))
        body = etree.fromstring(zf.read("word/document.xml"))
    assert "wordprocessingml.footnotes+xml" in types
    assert "relationships/footnotes" in rels
    ids = [n.get(f"{{{W_NS}}}id") for n in notes]
    assert ids == ["-1", "0", "1", "2", "3", "4", "5"]
    assert len(body.findall(f".//{{{W_NS}}}footnoteReference")) == 5
    assert "Summary" not in etree.tostring(notes, encoding="unicode")


def test_docx_keeps_labels_word_would_not_number(tmp_path: Path) -> None:
    """Labels like "*" or a note cited twice survive as custom marks, one note per reference."""
    source = ReadDocument(
        blocks=[
            Block("First claim.", footnote_refs=["11"]),
            Block("Second claim.", footnote_refs=["*", "11"]),
        ],
        footnotes=[FootnoteDraft("11", "Eleventh note."), FootnoteDraft("*", "Starred note.")],
        title="Excerpt",
    )
    path = tmp_path / "excerpt.docx"
    render_docx(source, path)
    with zipfile.ZipFile(path) as zf:
        notes = etree.fromstring(zf.read("word/footnotes.xml"))
    assert len(notes) == 2 + 3
    got = read(path)
    assert [b.footnote_refs for b in got.blocks] == [["11"], ["*", "11"]]
    assert [(f.label, f.text) for f in got.footnotes] == [
        ("11", "Eleventh note."),
        ("*", "Starred note."),
    ]


def test_docx_excerpt_numbering_starts_where_the_source_did(tmp_path: Path) -> None:
    source = ReadDocument(
        blocks=[Block("A.", footnote_refs=["11"]), Block("B.", footnote_refs=["12"])],
        footnotes=[FootnoteDraft("11", "Eleven."), FootnoteDraft("12", "Twelve.")],
    )
    path = tmp_path / "excerpt.docx"
    render_docx(source, path)
    with zipfile.ZipFile(path) as zf:
        body = zf.read("word/document.xml").decode()
    assert '<w:numStart w:val="11"/>' in body
    assert "customMarkFollows" not in body
    got = read(path)
    assert [b.footnote_refs for b in got.blocks] == [["11"], ["12"]]
    assert [(f.label, f.text) for f in got.footnotes] == [("11", "Eleven."), ("12", "Twelve.")]


def test_docx_from_word_conventions(tmp_path: Path) -> None:
    """Localised style ids, outline levels, numbering, page breaks, hidden text, endnotes."""
    document = docx.Document()
    styles = document.styles
    kop = styles.add_style("Kop 1", WD_STYLE_TYPE.PARAGRAPH)
    kop.style_id = "Kop1"
    chapter = styles.add_style("Chapter", WD_STYLE_TYPE.PARAGRAPH)
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), "1")
    chapter.element.get_or_add_pPr().append(outline)

    document.add_paragraph("Inleiding", style="Kop 1")
    document.add_paragraph("Custom chapter", style="Chapter")
    item = document.add_paragraph("Numbered by numPr")
    num_pr = OxmlElement("w:numPr")
    for tag, value in (("w:ilvl", "1"), ("w:numId", "1")):
        child = OxmlElement(tag)
        child.set(qn("w:val"), value)
        num_pr.append(child)
    item._p.get_or_add_pPr().append(num_pr)
    body = document.add_paragraph("Visible")
    hidden = body.add_run(" secret")
    hidden.font.hidden = True
    body.add_run().add_break(WD_BREAK.PAGE)
    cited = document.add_paragraph("On page two.")
    ref = OxmlElement("w:endnoteReference")
    ref.set(qn("w:id"), "1")
    cited.add_run()._r.append(ref)
    _add_endnotes(document, {"1": "An endnote."})
    path = tmp_path / "word.docx"
    document.save(str(path))

    got = read(path)
    assert [(b.kind, b.level, b.text, b.page) for b in got.blocks] == [
        (BlockKind.HEADING, 1, "Inleiding", 1),
        (BlockKind.HEADING, 2, "Custom chapter", 1),
        (BlockKind.LIST_ITEM, 1, "Numbered by numPr", 1),
        (BlockKind.PARAGRAPH, 0, "Visible", 1),
        (BlockKind.PARAGRAPH, 0, "On page two.", 2),
    ]
    assert got.page_count == 2
    assert got.blocks[-1].footnote_refs == ["i"]  # Word numbers endnotes i, ii, iii
    assert [(f.label, f.text, f.page) for f in got.footnotes] == [("i", "An endnote.", 2)]


def test_docx_reads_revisions_fields_and_text_boxes(tmp_path: Path) -> None:
    """Deleted text is dropped; a text box (stored twice, DrawingML and VML) is read once."""
    document = docx.Document()
    document.element.body.insert(
        0,
        parse_xml(
            f'<w:sdt xmlns:w="{W_NS}" xmlns:mc="{MC_NS}" xmlns:wps="{WPS_NS}" xmlns:v="{V_NS}">'
            "<w:sdtContent><w:p><w:hyperlink><w:r><w:t>Linked</w:t></w:r></w:hyperlink>"
            '<w:r><w:t xml:space="preserve"> and </w:t></w:r>'
            '<w:del w:id="1" w:author="x"><w:r><w:delText>deleted</w:delText></w:r></w:del>'
            '<w:ins w:id="2" w:author="x"><w:r><w:t>inserted</w:t></w:r></w:ins>'
            '<w:fldSimple w:instr="PAGE"><w:r><w:t> 7</w:t></w:r></w:fldSimple>'
            '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx>'
            "<w:txbxContent><w:p><w:r><w:t>Boxed</w:t></w:r></w:p></w:txbxContent>"
            "</wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:textbox>"
            "<w:txbxContent><w:p><w:r><w:t>Boxed</w:t></w:r></w:p></w:txbxContent>"
            "</v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
            "</w:sdtContent></w:sdt>"
        ),
    )
    path = tmp_path / "revisions.docx"
    document.save(str(path))
    assert [b.text for b in read(path).blocks] == ["Linked and inserted 7", "Boxed"]


def _add_endnotes(document: docx.document.Document, notes: dict[str, str]) -> None:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    items = "".join(
        f'<w:endnote w:id="{i}"><w:p><w:r><w:endnoteRef/></w:r><w:r><w:t>{t}</w:t></w:r>'
        "</w:p></w:endnote>"
        for i, t in notes.items()
    )
    xml = (
        f'<w:endnotes xmlns:w="{W_NS}"><w:endnote w:type="separator" w:id="-1"><w:p><w:r>'
        f"<w:separator/></w:r></w:p></w:endnote>{items}</w:endnotes>"
    )
    content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"
    part = Part(PackURI("/word/endnotes.xml"), content_type, xml.encode(), document.part.package)
    document.part.relate_to(part, RT.ENDNOTES)


# -- HTML --------------------------------------------------------------------------------------


def test_html_page(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    render_html(report(), path)
    markup = path.read_text(encoding="utf-8")
    root = html.document_fromstring(markup)

    assert root.get("lang") == "en"
    assert root.findtext(".//title") == "Pushbacks at the Evros border"
    assert root.xpath("//nav") and root.xpath("//footer")
    assert not root.xpath("//main//nav | //main//footer")
    article = root.xpath("//main/article")[0]
    assert article.findtext("h1") == "Pushbacks at the Evros border"
    assert [h.text for h in article.xpath("h2")] == ["Summary", "Conclusions"]
    assert [h.text for h in article.xpath("h3")] == ["Methodology"]
    assert len(article.xpath("ul/li")) == 2
    assert article.xpath("blockquote")[0].text_content() == "They took our phones and sent us back."
    assert [td.text for td in article.xpath("table/tr[2]/td")] == ["Greece", "12"]

    assert not root.xpath("//script")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more." in markup
    paragraph = article.xpath("p[sup/a[@id='fnref-2']]")[0]
    assert paragraph.text == "Οι επαναπροωθήσεις συνεχίστηκαν <script>alert(1)</script> & more."
    assert [a.get("href") for a in paragraph.xpath("sup/a")] == ["#fn-2", "#fn-3"]

    notes = article.xpath("section[@class='footnotes'][@role='doc-endnotes']/ol/li")
    assert [li.get("id") for li in notes] == ["fn-1", "fn-2", "fn-3", "fn-4", "fn-5"]
    assert [li.get("value") for li in notes] == ["1", "2", "3", "4", "5"]
    assert notes[2].text == "Interview <b>7</b> & notes. "
    assert not root.xpath("//b")


def test_html_odd_labels_and_repeated_markers(tmp_path: Path) -> None:
    doc = ReadDocument(
        blocks=[Block("One", footnote_refs=["*"]), Block("Two", footnote_refs=["*"])],
        footnotes=[FootnoteDraft("*", "Star.")],
    )
    path = tmp_path / "odd.html"
    render_html(doc, path)
    root = html.document_fromstring(path.read_text(encoding="utf-8"))
    assert root.get("lang") is None
    assert [a.get("id") for a in root.xpath("//sup/a")] == ["fnref-u2a", "fnref-u2a-2"]
    note = root.xpath("//li[@id='fn-u2a']")[0]
    assert note.findtext("span[@class='footnote-label']") == "*"


# -- hostile files -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def valid_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("docx") / "valid.docx"
    render_docx(report(), path)
    return path


def rewrite(source: Path, target: Path, replace: dict[str, bytes]) -> Path:
    """Copy a DOCX, swapping the named parts' bytes."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info)))
    return target


def document_xml(prolog: str, text: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<w:document xmlns:w="{W_NS}"><w:body>'
        f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
    ).encode()


BILLION_LAUGHS = (
    '<!DOCTYPE w:document [<!ENTITY a "ha">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    + "]>"
)


def test_refuses_billion_laughs(valid_docx: Path, tmp_path: Path) -> None:
    path = rewrite(
        valid_docx,
        tmp_path / "laughs.docx",
        {"word/document.xml": document_xml(BILLION_LAUGHS, "&j;")},
    )
    with pytest.raises(ReadError, match="DTD or entities"):
        read(path)


def test_refuses_external_entity(valid_docx: Path, tmp_path: Path) -> None:
    prolog = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    path = rewrite(
        valid_docx, tmp_path / "xxe.docx", {"word/document.xml": document_xml(prolog, "&xxe;")}
    )
    with pytest.raises(ReadError, match="DTD or entities") as caught:
        read(path)
    secret = Path("/etc/passwd").read_text().splitlines()[0]
    assert secret not in str(caught.value)


def test_refuses_dtd_hidden_by_encoding(valid_docx: Path, tmp_path: Path) -> None:
    prolog = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    utf16 = document_xml(prolog, "&xxe;").decode().replace("UTF-8", "UTF-16")
    path = rewrite(
        valid_docx, tmp_path / "utf16.docx", {"word/document.xml": utf16.encode("utf-16")}
    )
    with pytest.raises(ReadError, match="DTD or entities"):
        read(path)
    utf7 = document_xml("", "x").replace(b"UTF-8", b"UTF-7")
    path = rewrite(valid_docx, tmp_path / "utf7.docx", {"word/document.xml": utf7})
    with pytest.raises(ReadError, match="encoding 'UTF-7'"):
        read(path)
    ebcdic = document_xml(prolog, "&xxe;").decode().replace("UTF-8", "IBM037").encode("cp037")
    path = rewrite(valid_docx, tmp_path / "ebcdic.docx", {"word/document.xml": ebcdic})
    with pytest.raises(ReadError, match="encoding OOXML does not allow"):
        read(path)


@pytest.fixture(scope="module")
def zip_bomb(valid_docx: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid DOCX plus 200 MB of zeros, written in chunks (about 200 KB on disk)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.docx"
    path.write_bytes(valid_docx.read_bytes())
    chunk = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf,
        zf.open("word/media/padding.bin", "w", force_zip64=True) as fh,
    ):
        for _ in range(200):
            fh.write(chunk)
    assert path.stat().st_size < 2 * 1024 * 1024
    return path


def test_refuses_zip_bomb_by_ratio(zip_bomb: Path) -> None:
    with pytest.raises(ReadError, match="zip bomb"):
        read(zip_bomb, Limits(max_unpacked_bytes=10**12))


def test_refuses_zip_bomb_by_total_size(zip_bomb: Path) -> None:
    with pytest.raises(ReadError, match="unpacks to more than 1,048,576 bytes"):
        read(zip_bomb, Limits(max_unpacked_bytes=1024 * 1024))


def test_refuses_zip_that_is_not_docx(tmp_path: Path) -> None:
    path = tmp_path / "archive.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("notes.txt", "hello")
    with pytest.raises(ReadError, match=r"not a valid DOCX: word/document\.xml is missing"):
        read(path)


def test_refuses_truncated_docx(valid_docx: Path, tmp_path: Path) -> None:
    path = tmp_path / "truncated.docx"
    data = valid_docx.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReadError, match="not a valid DOCX"):
        read(path)


def test_refuses_encrypted_members(valid_docx: Path, tmp_path: Path) -> None:
    data = bytearray(valid_docx.read_bytes())
    entry = data.find(b"PK\x01\x02")  # first central-directory entry
    data[entry + 8] |= 0x1  # general-purpose flag bit 0: encrypted
    path = tmp_path / "encrypted.docx"
    path.write_bytes(bytes(data))
    with pytest.raises(ReadError, match="encrypted"):
        read(path)


def test_refuses_legacy_doc(tmp_path: Path) -> None:
    path = tmp_path / "old.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    with pytest.raises(ReadError, match=r"legacy \.doc or a password-protected"):
        read(path)


@pytest.mark.parametrize(
    "xml", [b"<w:document", f'<w:document xmlns:w="{W_NS}"/>'.encode(), b"<other/>"]
)
def test_refuses_malformed_document(valid_docx: Path, tmp_path: Path, xml: bytes) -> None:
    path = rewrite(valid_docx, tmp_path / "bad.docx", {"word/document.xml": xml})
    with pytest.raises(ReadError, match="not a valid DOCX"):
        read(path)

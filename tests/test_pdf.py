"""PDF round trip: render a known document, read it back, compare structure and footnotes.

The renderer gives the reader a PDF whose truth is known, so headings, paragraphs, pages,
footnotes and markers can be checked exactly; small hand-made PDFs cover the conventions the
renderer does not produce (Unicode superscripts, hyphenation, running headers) and the
failure cases users must see explained.
"""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from evidencia.ingest.limits import Limits
from evidencia.ingest.readers.pdf import PdfReader
from evidencia.model import Block, BlockKind, FootnoteDraft, ReadDocument, ReadError
from evidencia.render.pdf import render_pdf

TEXTS = [
    "The network documented {n} pushbacks at the land border, where people seeking asylum were "
    "returned without an individual assessment of their claims or any access to legal aid.",
    "Η Ελλάδα υποδέχεται χιλιάδες πρόσφυγες κάθε χρόνο ({n}), και οι οργανώσεις της κοινωνίας "
    "των πολιτών καταγράφουν παραβιάσεις των δικαιωμάτων τους στα σύνορα και στα κέντρα κράτησης.",
    "Straż Graniczna zatrzymała {n} osób na granicy z Białorusią; organizacje pozarządowe "
    "zgłaszają, że odmówiono im możliwości złożenia wniosku o ochronę międzynarodową.",
    "Les associations ont recensé {n} placements en rétention d'enfants, malgré les "
    "condamnations répétées de la France par la Cour européenne des droits de l'homme.",
]


def _document() -> ReadDocument:
    blocks: list[Block] = []
    notes: list[FootnoteDraft] = []
    for section in range(1, 4):
        blocks.append(Block(f"Part {section}: border monitoring", BlockKind.HEADING, level=1))
        for sub in range(1, 3):
            blocks.append(Block(f"Findings {section}.{sub}", BlockKind.HEADING, level=2))
            for i, template in enumerate(TEXTS):
                n = section * 100 + sub * 10 + i
                text = " ".join([template.format(n=n)] * (1 + (i + sub) % 3))
                refs: list[str] = []
                if i in (1, 3):
                    label = str(len(notes) + 1)
                    refs = [label]
                    notes.append(
                        FootnoteDraft(
                            label,
                            f"Source {label}: interview notes, case file {n}, "
                            "kept by the member organisation; Σημείωση, przypis.",
                        )
                    )
                blocks.append(Block(text, footnote_refs=refs))
            blocks.append(Block(f"Access to a lawyer within {section} days", BlockKind.LIST_ITEM))
            blocks.append(
                Block("Interpretation into a language the person understands", BlockKind.LIST_ITEM)
            )
    notes.append(FootnoteDraft(str(len(notes) + 1), "A note no block cites, kept as an endnote."))
    return ReadDocument(blocks, notes, title="Border monitoring report 2024")


@pytest.fixture(scope="module")
def original() -> ReadDocument:
    return _document()


@pytest.fixture(scope="module")
def rendered(original: ReadDocument, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    render_pdf(original, path)
    return path


@pytest.fixture(scope="module")
def read(rendered: Path) -> ReadDocument:
    return PdfReader().read(rendered, Limits())


def _norm(text: str) -> str:
    return " ".join(text.split())


def _page_of(path: Path, snippet: str) -> int:
    """The 1-based page whose plain text contains ``snippet``: an oracle independent of the
    reader, so page numbers are checked against where the text really is."""
    with pymupdf.open(path) as pdf:
        pages = [n for n, page in enumerate(pdf, 1) if snippet in _norm(page.get_text())]
    assert len(pages) == 1, (snippet, pages)
    return pages[0]


def _match_paragraphs(original: ReadDocument, read: ReadDocument) -> list[tuple[Block, Block]]:
    """Pair each original paragraph with the read block holding its end (and its markers);
    a paragraph the renderer split over a page break comes back as two blocks."""
    got = [b for b in read.blocks if b.kind is BlockKind.PARAGRAPH]
    pairs: list[tuple[Block, Block]] = []
    i = 0
    for want in (b for b in original.blocks if b.kind is BlockKind.PARAGRAPH):
        if got[i].text == _norm(want.text):
            pairs.append((want, got[i]))
            i += 1
            continue
        first, second = got[i], got[i + 1]
        assert f"{first.text} {second.text}" == _norm(want.text), want.text[:40]
        assert first.page is not None and second.page == first.page + 1
        assert first.footnote_refs == []
        pairs.append((want, second))
        i += 2
    assert i == len(got)
    return pairs


def test_renders_several_pages_with_metadata(rendered: Path, read: ReadDocument) -> None:
    assert read.page_count is not None and read.page_count >= 3
    assert read.title == "Border monitoring report 2024"
    with pymupdf.open(rendered) as pdf:
        assert pdf.metadata["title"] == "Border monitoring report 2024"


def test_rendering_is_deterministic(original: ReadDocument, rendered: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.pdf"
    render_pdf(original, again)
    assert again.read_bytes() == rendered.read_bytes()


def test_headings_keep_levels_and_pages(
    original: ReadDocument, read: ReadDocument, rendered: Path
) -> None:
    want = [(b.text, b.level) for b in original.blocks if b.kind is BlockKind.HEADING]
    got = [b for b in read.blocks if b.kind is BlockKind.HEADING and b.text != "Notes"]
    assert [(b.text, b.level) for b in got] == want
    for block in got:
        assert block.page == _page_of(rendered, block.text)


def test_paragraphs_come_back_whole(original: ReadDocument, read: ReadDocument) -> None:
    pairs = _match_paragraphs(original, read)
    assert len(pairs) == sum(1 for b in original.blocks if b.kind is BlockKind.PARAGRAPH)


def test_list_items(original: ReadDocument, read: ReadDocument) -> None:
    want = [b.text for b in original.blocks if b.kind is BlockKind.LIST_ITEM]
    assert [b.text for b in read.blocks if b.kind is BlockKind.LIST_ITEM] == want


def test_page_numbers_are_not_text(read: ReadDocument) -> None:
    assert read.page_count is not None
    assert all(not b.text.isdigit() for b in read.blocks)
    assert all(b.page is not None and 1 <= b.page <= read.page_count for b in read.blocks)
    assert all(not n.text.rstrip().endswith(f" {n.page}") for n in read.footnotes if n.page)


def test_footnotes_come_back_on_their_page(
    original: ReadDocument, read: ReadDocument, rendered: Path
) -> None:
    endnote = original.footnotes[-1].label
    footnotes = [n for n in read.footnotes if n.label != endnote]
    assert [(n.label, n.text) for n in footnotes] == [
        (n.label, n.text) for n in original.footnotes[:-1]
    ]
    cited_on: dict[str, int | None] = {}
    for _, block in _match_paragraphs(original, read):
        for label in block.footnote_refs:
            cited_on[label] = block.page
    for note in footnotes:
        assert note.page == _page_of(rendered, note.text[:40])
        assert note.page == cited_on[note.label], note.label
    assert len({n.page for n in read.footnotes}) >= 3


def test_markers_land_in_their_blocks(original: ReadDocument, read: ReadDocument) -> None:
    pairs = _match_paragraphs(original, read)
    assert sum(1 for want, _ in pairs if want.footnote_refs) >= 6
    for want, got in pairs:
        assert got.footnote_refs == want.footnote_refs
        assert not any(c.isdigit() for c in got.text[-3:])


def test_uncited_footnote_becomes_endnote(original: ReadDocument, read: ReadDocument) -> None:
    endnote = original.footnotes[-1]
    got = {n.label: n for n in read.footnotes}[endnote.label]
    assert got.text == endnote.text
    assert got.page == read.page_count


# -- hand-made PDFs -------------------------------------------------------------------


def _write(path: Path, pages: list[list[tuple[float, float, str, float]]]) -> Path:
    """A PDF with text at given (x, baseline, text, size) positions, in the Base-14 font."""
    pdf = pymupdf.open()
    for items in pages:
        page = pdf.new_page(width=595, height=842)
        for x, y, text, size in items:
            page.insert_text((x, y), text, fontsize=size, fontname="helv")
    pdf.save(path)
    pdf.close()
    return path


def test_unicode_superscripts_and_hyphenation(tmp_path: Path) -> None:
    body = [
        (72, 100, "Detention of children continues despite the immi-", 11),
        (72, 114, "gration reform adopted last year in parliament.¹ The", 11),
        (72, 128, "measure was criticised by well-known monitors m² wide.", 11),
        (72, 780, "1 Parliamentary record, session of 4 May.", 8),
    ]
    doc = PdfReader().read(_write(tmp_path / "sup.pdf", [body]), Limits())
    assert [(n.label, n.text, n.page) for n in doc.footnotes] == [
        ("1", "Parliamentary record, session of 4 May.", 1)
    ]
    (block,) = doc.blocks
    assert block.footnote_refs == ["1"]
    assert "immigration reform" in block.text
    assert "parliament. The" in block.text
    assert "m² wide" in block.text


def test_running_headers_are_dropped(tmp_path: Path) -> None:
    pages = [
        [
            (72, 40, "Monitoring Report · Annual Review", 9),
            (72, 100, f"Paragraph on page {n} about reception conditions.", 11),
            (290, 810, f"Page {n} of 4", 9),
        ]
        for n in range(1, 5)
    ]
    doc = PdfReader().read(_write(tmp_path / "running.pdf", pages), Limits())
    assert [b.text for b in doc.blocks] == [
        f"Paragraph on page {n} about reception conditions." for n in range(1, 5)
    ]
    assert [b.page for b in doc.blocks] == [1, 2, 3, 4]


# -- failures -------------------------------------------------------------------------


def test_encrypted_pdf(tmp_path: Path) -> None:
    path = tmp_path / "secret.pdf"
    pdf = pymupdf.open()
    pdf.new_page().insert_text((72, 72), "confidential")
    pdf.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="u", owner_pw="o")
    with pytest.raises(ReadError, match="encrypted PDF: a password is needed"):
        PdfReader().read(path, Limits())


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    with pytest.raises(ReadError, match="not a valid PDF"):
        PdfReader().read(path, Limits())


def test_truncated_pdf(rendered: Path, tmp_path: Path) -> None:
    path = tmp_path / "truncated.pdf"
    path.write_bytes(rendered.read_bytes()[: rendered.stat().st_size // 3])
    with pytest.raises(ReadError, match="not a valid PDF"):
        PdfReader().read(path, Limits())


def test_too_many_pages(rendered: Path) -> None:
    with pytest.raises(ReadError, match="too many pages"):
        PdfReader().read(rendered, Limits(max_pages=2))


def test_pdf_without_text(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    pdf = pymupdf.open()
    pdf.new_page().draw_rect(pymupdf.Rect(72, 72, 300, 300), fill=(0.5, 0.5, 0.5))
    pdf.save(path)
    pdf.close()
    with pytest.raises(ReadError, match="no text layer"):
        PdfReader().read(path, Limits())

"""Render a :class:`~evidencia.model.ReadDocument` to DOCX with real Word footnotes.

python-docx has no footnote API, so the footnotes part is written here as raw WordprocessingML
and related from the document part. Real footnotes (not superscript digits in the text) are
what Word users produce, so they are what the DOCX reader must be tested against.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.ns import qn
from docx.shared import Pt
from lxml import etree

from evidencia.model import Block, BlockKind, FootnoteDraft, ReadDocument

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
FOOTNOTE_TEXT_STYLE = "FootnoteText"
FOOTNOTE_REF_STYLE = "FootnoteReference"
#: Word's built-in heading styles stop at 9.
MAX_HEADING_LEVEL = 9

_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_STYLE_BY_KIND = {
    BlockKind.LIST_ITEM: "List Bullet",
    BlockKind.QUOTE: "Quote",
}


def render_docx(doc: ReadDocument, path: Path) -> None:
    """Write ``doc`` to ``path`` as a DOCX that Word and LibreOffice open."""
    document = docx.Document()
    _add_footnote_styles(document)
    notes: dict[str, FootnoteDraft] = {}
    for fn in doc.footnotes:
        notes.setdefault(fn.label, fn)
    # Word wants one note per reference, so a note cited twice is written twice.
    refs = [notes[label] for b in doc.blocks for label in b.footnote_refs if label in notes]
    start = _numbering_start([fn.label for fn in refs])
    marker = _Marker(custom=start is None)

    if doc.title:
        document.add_paragraph(_xml_safe(doc.title), style="Title")
    for is_table, group in groupby(doc.blocks, key=lambda b: b.kind is BlockKind.TABLE):
        if is_table:
            _add_table(document, list(group), notes, marker)
            continue
        for block in group:
            paragraph = document.add_paragraph(_xml_safe(block.text), style=_style_for(block))
            marker.add(paragraph, block, notes)

    if refs:
        _add_footnotes_part(document, refs, custom_marks=start is None)
        if start is not None and start != 1:
            _set_numbering_start(document, start)
    _set_core_properties(document, doc)
    document.save(str(path))


def _numbering_start(labels: list[str]) -> int | None:
    """N when the labels read N, N+1, N+2... (Word numbers them itself), else None.

    Anything else ("a", "*", a note cited twice) is written as custom marks, so what Word
    shows is what the source printed. LibreOffice 7 shows custom marks twice, which is one
    more reason to use Word's numbering whenever it fits.
    """
    if not labels or not all(label.isascii() and label.isdigit() for label in labels):
        return None
    first = int(labels[0])
    return first if labels == [str(n) for n in range(first, first + len(labels))] else None


class _Marker:
    """Appends footnote references, numbering notes in order of reference."""

    def __init__(self, custom: bool) -> None:
        self.custom = custom
        self.count = 0

    def add(self, paragraph: Any, block: Block, notes: dict[str, FootnoteDraft]) -> None:
        for label in block.footnote_refs:
            if label in notes:
                self.count += 1
                _append_reference(paragraph, self.count, label if self.custom else None)


def _xml_safe(text: str) -> str:
    """Drop characters XML 1.0 forbids (control codes survive in text pulled from PDFs)."""
    return _XML_INVALID.sub("", text)


def _style_for(block: Block) -> str:
    if block.kind is BlockKind.HEADING:
        return f"Heading {min(max(block.level, 1), MAX_HEADING_LEVEL)}"
    return _STYLE_BY_KIND.get(block.kind, "Normal")


def _add_table(
    document: Any, rows: list[Block], notes: dict[str, FootnoteDraft], marker: _Marker
) -> None:
    """Consecutive TABLE blocks (one row each, cells joined with " | ") become one Word table."""
    cells = [row.text.split(" | ") for row in rows]
    table = document.add_table(rows=len(rows), cols=max(len(c) for c in cells))
    table.style = "Table Grid"
    for row, block, texts in zip(table.rows, rows, cells, strict=True):
        for cell, text in zip(row.cells, texts, strict=False):
            cell.text = _xml_safe(text)
        marker.add(row.cells[len(texts) - 1].paragraphs[-1], block, notes)


def _add_footnote_styles(document: Any) -> None:
    """The default template lacks Word's footnote styles; add them so the file looks native."""
    text = document.styles.add_style("footnote text", WD_STYLE_TYPE.PARAGRAPH)
    text.style_id = FOOTNOTE_TEXT_STYLE
    text.base_style = document.styles["Normal"]
    text.font.size = Pt(10)
    ref = document.styles.add_style("footnote reference", WD_STYLE_TYPE.CHARACTER)
    ref.style_id = FOOTNOTE_REF_STYLE
    ref.font.superscript = True


def _w(tag: str, **attrs: str) -> etree._Element:
    element = etree.Element(f"{{{W_NS}}}{tag}", nsmap={"w": W_NS})
    for name, value in attrs.items():
        element.set(f"{{{W_NS}}}{name}", value)
    return element


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    child = etree.SubElement(parent, f"{{{W_NS}}}{tag}")
    for name, value in attrs.items():
        child.set(f"{{{W_NS}}}{name}", value)
    return child


def _mark_run(mark: str | None) -> etree._Element:
    """A superscript run in the footnote-reference style, with ``mark`` as its text if any."""
    run = _w("r")
    rpr = _sub(run, "rPr")
    _sub(rpr, "rStyle", val=FOOTNOTE_REF_STYLE)
    _sub(rpr, "vertAlign", val="superscript")
    if mark is not None:
        _sub(run, "t").text = _xml_safe(mark)
    return run


def _append_reference(paragraph: Any, note_id: int, mark: str | None) -> None:
    """Add ``w:footnoteReference``; a custom ``mark`` follows it in the same run, as Word does."""
    run = _mark_run(None)
    ref = _sub(run, "footnoteReference")
    if mark is not None:
        ref.set(qn("w:customMarkFollows"), "1")
        _sub(run, "t").text = _xml_safe(mark)
    ref.set(qn("w:id"), str(note_id))
    paragraph._p.append(run)


def _add_footnotes_part(document: Any, refs: list[FootnoteDraft], custom_marks: bool) -> None:
    """Create /word/footnotes.xml: Word's two separator notes, then note n for reference n."""
    root = _w("footnotes")
    for separator_id, kind in (("-1", "separator"), ("0", "continuationSeparator")):
        note = _sub(root, "footnote", type=kind, id=separator_id)
        para = _sub(note, "p")
        ppr = _sub(para, "pPr")
        _sub(ppr, "spacing", after="0", line="240", lineRule="auto")
        _sub(_sub(para, "r"), kind)

    for number, fn in enumerate(refs, start=1):
        note = _sub(root, "footnote", id=str(number))
        para = _sub(note, "p")
        _sub(_sub(para, "pPr"), "pStyle", val=FOOTNOTE_TEXT_STYLE)
        # A custom-mark note prints its mark itself instead of Word's automatic number.
        mark = _mark_run(fn.label if custom_marks else None)
        if not custom_marks:
            _sub(mark, "footnoteRef")
        para.append(mark)
        text = _sub(_sub(para, "r"), "t")
        text.text = " " + _xml_safe(fn.text)
        text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")

    blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    package = document.part.package
    part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES_CT, blob, package)
    document.part.relate_to(part, RT.FOOTNOTES)


def _set_numbering_start(document: Any, start: int) -> None:
    """Number footnotes from ``start`` (an excerpt whose notes begin at 11, say)."""
    sect_pr = document.element.body.sectPr
    props = _w("footnotePr")
    _sub(props, "numStart", val=str(start))
    # The schema orders sectPr children: header/footer references come before footnotePr.
    refs = sect_pr.findall(qn("w:headerReference")) + sect_pr.findall(qn("w:footerReference"))
    sect_pr.insert(len(refs), props)


def _set_core_properties(document: Any, doc: ReadDocument) -> None:
    """Replace the template's "python-docx"/2013 properties with the document's own."""
    props = document.core_properties
    props.title = _xml_safe(doc.title or "")
    props.author = _xml_safe(doc.metadata.get("author", ""))
    props.comments = ""
    props.created = _parse_date(doc.metadata.get("date")) or datetime.now(UTC)
    props.modified = props.created
    language = doc.metadata.get("language")
    if language:
        props.language = language


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

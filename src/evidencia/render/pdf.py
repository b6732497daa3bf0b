"""Lay out a :class:`~evidencia.model.ReadDocument` as an A4 PDF with real footnotes.

The layout is deliberately plain and regular (one column, fixed sizes, footnotes at the foot
of the page that cites them) so that ``ingest.readers.pdf`` can be tested against it by
round trip, while still looking like the reports NGOs publish. Noto Sans is used because it
covers the Latin, Greek and Cyrillic scripts the network writes in.

PyMuPDF's annotations are partial, so its untyped calls are confined to ``_put``, ``_Fonts``
and ``render_pdf`` and marked there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

from evidencia.model import Block, BlockKind, FootnoteDraft, ReadDocument

PAGE_WIDTH, PAGE_HEIGHT = 595.0, 842.0
MARGIN_X = 72.0
TOP = 72.0
#: Lowest point body text or footnotes may reach; the page number sits below it.
BOTTOM = PAGE_HEIGHT - 64.0
FOOTER_BASELINE = PAGE_HEIGHT - 36.0
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

BODY_SIZE = 10.5
HEADING_SIZES = (16.0, 13.5, 12.0)
TITLE_SIZE = 20.0
FOOTNOTE_SIZE = 8.0
FOOTNOTE_LEADING = 10.0
FOOTNOTE_INDENT = 16.0
#: Space between the body and the footnote rule, and between the rule and the first note.
RULE_GAP_ABOVE, RULE_GAP_BELOW = 6.0, 4.0
RULE_LENGTH = 90.0
MARKER_SCALE, MARKER_RISE = 0.62, 0.36
PAGE_NUMBER_SIZE = 9.0
BULLET = "•"
LIST_INDENT, LIST_TEXT_INDENT = 10.0, 24.0
QUOTE_INDENT = 24.0
#: Footnote lines one page may take; the rest continue on the next page's footnote area.
MAX_FOOTNOTE_LINES = int((BOTTOM - TOP) * 0.45 / FOOTNOTE_LEADING)


@dataclass(frozen=True)
class _Style:
    font: pymupdf.Font
    size: float
    leading: float
    before: float
    after: float
    left: float = 0.0
    right: float = 0.0


@dataclass
class _Line:
    """One laid-out line: text at an x offset, plus an optional superscript marker."""

    text: str
    x: float
    bullet: bool = False
    marker: str = ""


@dataclass
class _NoteLine:
    text: str
    label: str = ""


@dataclass
class _Page:
    page: pymupdf.Page
    writer: pymupdf.TextWriter
    number: int
    y: float = TOP
    notes: list[_NoteLine] = field(default_factory=list)

    def notes_height(self, extra_lines: int = 0) -> float:
        count = len(self.notes) + extra_lines
        if count == 0:
            return 0.0
        return RULE_GAP_ABOVE + RULE_GAP_BELOW + count * FOOTNOTE_LEADING

    def body_bottom(self, extra_note_lines: int = 0) -> float:
        return BOTTOM - self.notes_height(extra_note_lines)


class _Fonts:
    """The three Noto Sans faces, with word widths cached because documents repeat words."""

    def __init__(self) -> None:
        self.regular, self.bold, self.italic = (
            pymupdf.Font(name)  # type: ignore[no-untyped-call]
            for name in ("notos", "notosbo", "notosit")
        )
        self._widths: dict[tuple[int, str], float] = {}

    def width(self, font: pymupdf.Font, text: str, size: float) -> float:
        key = (id(font), text)  # the three fonts live as long as this cache
        unit = self._widths.get(key)
        if unit is None:
            unit = float(font.text_length(text, fontsize=1.0))  # type: ignore[no-untyped-call]
            self._widths[key] = unit
        return unit * size


class _Layout:
    """Flows blocks onto pages, placing each footnote on the page of its marker."""

    def __init__(self, doc: pymupdf.Document, notes: dict[str, FootnoteDraft]) -> None:
        self.doc = doc
        self.fonts = _Fonts()
        self.notes = notes
        self.printed: set[str] = set()
        self.carry: list[_NoteLine] = []
        self.pages: list[_Page] = []
        f = self.fonts
        self.body = _Style(f.regular, BODY_SIZE, BODY_SIZE * 1.38, 0.0, 7.5)
        self.headings = [_Style(f.bold, size, size * 1.3, 14.0, 5.0) for size in HEADING_SIZES]
        self.title = _Style(f.bold, TITLE_SIZE, TITLE_SIZE * 1.25, 0.0, 14.0)
        self.item = _Style(f.regular, BODY_SIZE, BODY_SIZE * 1.38, 0.0, 4.0, LIST_TEXT_INDENT)
        self.quote = _Style(f.italic, BODY_SIZE, BODY_SIZE * 1.38, 0.0, 7.5, QUOTE_INDENT, 24.0)
        self._new_page()

    @property
    def current(self) -> _Page:
        return self.pages[-1]

    def _new_page(self) -> None:
        if self.pages:
            self._finish(self.current)
        page = self.doc.new_page(width=PAGE_WIDTH, height=PAGE_HEIGHT)
        writer = pymupdf.TextWriter(page.rect)  # type: ignore[no-untyped-call]
        self.pages.append(_Page(page, writer, len(self.pages) + 1))
        if self.carry:
            take = self.carry[:MAX_FOOTNOTE_LINES]
            self.carry = self.carry[MAX_FOOTNOTE_LINES:]
            self.current.notes.extend(take)

    def close(self) -> None:
        while self.carry:
            self._new_page()
        self._finish(self.current)

    # -- text measurement -------------------------------------------------------------

    def wrap(self, text: str, style: _Style, marker: str = "") -> list[_Line]:
        """Greedy line breaking on spaces; the marker travels with the last word."""
        width = TEXT_WIDTH - style.left - style.right
        space = self.fonts.width(style.font, " ", style.size)
        words = [piece for word in text.split() for piece in self._split_long(word, style, width)]
        if not words:
            return []
        marker_width = self.fonts.width(self.fonts.regular, marker, style.size * MARKER_SCALE)
        lines: list[_Line] = []
        current: list[str] = []
        used = 0.0
        for i, word in enumerate(words):
            w = self.fonts.width(style.font, word, style.size)
            if i == len(words) - 1:
                w += marker_width
            if current and used + space + w > width:
                lines.append(_Line(" ".join(current), MARGIN_X + style.left))
                current, used = [], 0.0
            used += (space if current else 0.0) + w
            current.append(word)
        lines.append(_Line(" ".join(current), MARGIN_X + style.left, marker=marker))
        return lines

    def _split_long(self, word: str, style: _Style, width: float) -> list[str]:
        """Cut words wider than the line (long URLs) so they never run off the page."""
        if self.fonts.width(style.font, word, style.size) <= width:
            return [word]
        pieces: list[str] = []
        start = 0
        for end in range(1, len(word) + 1):
            if (
                self.fonts.width(style.font, word[start:end], style.size) > width
                and end - 1 > start
            ):
                pieces.append(word[start : end - 1])
                start = end - 1
        pieces.append(word[start:])
        return pieces

    def wrap_note(self, note: FootnoteDraft) -> list[_NoteLine]:
        style = _Style(self.fonts.regular, FOOTNOTE_SIZE, FOOTNOTE_LEADING, 0, 0, FOOTNOTE_INDENT)
        lines = self.wrap(note.text, style) or [_Line("", 0.0)]
        return [_NoteLine(line.text, note.label if i == 0 else "") for i, line in enumerate(lines)]

    # -- placing ----------------------------------------------------------------------

    def space_before(self, amount: float) -> None:
        if self.current.y > TOP:
            self.current.y += amount

    def ensure(self, height: float) -> None:
        """Start a new page unless ``height`` more body fits on this one."""
        if self.current.y + height > self.current.body_bottom():
            self._new_page()

    def place(self, line: _Line, style: _Style, refs: list[str]) -> None:
        """Put one line on the page, with the footnotes its marker cites."""
        notes = [n for label in refs if label not in self.printed for n in self._note_lines(label)]
        page = self.current
        if page.y + style.leading > page.body_bottom(min(len(notes), 1)):
            self._new_page()
            page = self.current
        fits = len(notes)
        while fits > 1 and page.y + style.leading > page.body_bottom(fits):
            fits -= 1
        fits = min(fits, max(0, MAX_FOOTNOTE_LINES - len(page.notes)))
        page.notes.extend(notes[:fits])
        self.carry.extend(notes[fits:])
        self.printed.update(refs)
        baseline = page.y + style.size * 1.05
        if line.bullet:
            _put(page, MARGIN_X + LIST_INDENT, baseline, BULLET, style.font, style.size)
        end = _put(page, line.x, baseline, line.text, style.font, style.size)
        if line.marker:
            rise = style.size * MARKER_RISE
            marker_font = self.fonts.regular
            _put(page, end, baseline - rise, line.marker, marker_font, style.size * MARKER_SCALE)
        page.y += style.leading

    def _note_lines(self, label: str) -> list[_NoteLine]:
        note = self.notes.get(label)
        return self.wrap_note(note) if note is not None else []

    def block(self, lines: list[_Line], style: _Style, refs: list[str], keep: float) -> None:
        """Place a block's lines; ``keep`` is extra height that must follow on the same page."""
        if not lines:
            return
        self.space_before(style.before)
        self.ensure((style.leading * len(lines) + keep) if keep else style.leading)
        for i, line in enumerate(lines):
            self.place(line, style, refs if i == len(lines) - 1 else [])
        self.current.y += style.after

    def write_note(self, page: _Page, line: _NoteLine, y: float) -> None:
        """Notes hang their label in front of the text, as most printed reports do."""
        baseline = y + FOOTNOTE_SIZE * 1.05
        font = self.fonts.regular
        x = MARGIN_X + FOOTNOTE_INDENT
        if line.label:
            label_end = _put(page, MARGIN_X, baseline, line.label, font, FOOTNOTE_SIZE)
            x = max(x, label_end + FOOTNOTE_SIZE / 2)  # long labels push the first line right
        if line.text:
            _put(page, x, baseline, line.text, font, FOOTNOTE_SIZE)

    def _finish(self, page: _Page) -> None:
        """Write the page's text, footnote area and page number."""
        if page.notes:
            top = BOTTOM - page.notes_height() + RULE_GAP_ABOVE
            page.page.draw_line((MARGIN_X, top), (MARGIN_X + RULE_LENGTH, top), width=0.5)
            y = top + RULE_GAP_BELOW
            for note in page.notes:
                self.write_note(page, note, y)
                y += FOOTNOTE_LEADING
        number = str(page.number)
        width = self.fonts.width(self.fonts.regular, number, PAGE_NUMBER_SIZE)
        _put(
            page,
            (PAGE_WIDTH - width) / 2,
            FOOTER_BASELINE,
            number,
            self.fonts.regular,
            PAGE_NUMBER_SIZE,
        )
        page.writer.write_text(page.page)  # type: ignore[no-untyped-call]


def render_pdf(doc: ReadDocument, path: Path) -> None:
    """Write ``doc`` to ``path`` as an A4 PDF; the same input always gives the same bytes."""
    pdf = pymupdf.open()  # type: ignore[no-untyped-call]
    notes = {note.label: note for note in doc.footnotes}
    layout = _Layout(pdf, notes)
    if doc.title:
        layout.block(layout.wrap(doc.title, layout.title), layout.title, [], 0.0)
    for i, block in enumerate(doc.blocks):
        _place_block(layout, block, doc.blocks[i + 1] if i + 1 < len(doc.blocks) else None)
    cited = {label for block in doc.blocks for label in block.footnote_refs}
    endnotes = [note for note in doc.footnotes if note.label not in cited]
    if endnotes:
        heading = layout.headings[0]
        layout.block(layout.wrap("Notes", heading), heading, [], 3 * FOOTNOTE_LEADING)
        for note in endnotes:
            _place_endnote(layout, layout.wrap_note(note))
    layout.close()
    pdf.set_metadata({"title": doc.title or "", "producer": "evidencia", "creator": "evidencia"})
    pdf.subset_fonts()
    # A fixed document ID keeps the bytes reproducible.
    pdf.save(path, garbage=3, deflate=True, no_new_id=True)  # type: ignore[no-untyped-call]
    pdf.close()  # type: ignore[no-untyped-call]


def _put(
    page: _Page, x: float, baseline: float, text: str, font: pymupdf.Font, size: float
) -> float:
    """Queue ``text`` on the page's writer and return the x where it ends."""
    _, end = page.writer.append((x, baseline), text, font, size)  # type: ignore[no-untyped-call]
    return float(end.x)


def _place_block(layout: _Layout, block: Block, following: Block | None) -> None:
    marker = ",".join(block.footnote_refs)
    if block.kind is BlockKind.HEADING:
        style = layout.headings[min(max(block.level, 1), len(HEADING_SIZES)) - 1]
        # Keep a heading with the first lines of what follows it.
        keep = 2 * layout.body.leading if following is not None else 0.0
        layout.block(layout.wrap(block.text, style, marker), style, block.footnote_refs, keep)
    elif block.kind is BlockKind.LIST_ITEM:
        lines = layout.wrap(block.text, layout.item, marker)
        if lines:
            lines[0].bullet = True
        layout.block(lines, layout.item, block.footnote_refs, 0.0)
    elif block.kind is BlockKind.QUOTE:
        layout.block(
            layout.wrap(block.text, layout.quote, marker), layout.quote, block.footnote_refs, 0.0
        )
    elif block.kind is BlockKind.TABLE:
        rows = [row.replace("\t", "  |  ") for row in block.text.splitlines() if row.strip()]
        lines = [line for row in rows for line in layout.wrap(row, layout.body)]
        if lines:
            lines[-1].marker = marker
        layout.block(lines, layout.body, block.footnote_refs, 0.0)
    else:
        layout.block(
            layout.wrap(block.text, layout.body, marker), layout.body, block.footnote_refs, 0.0
        )


def _place_endnote(layout: _Layout, lines: list[_NoteLine]) -> None:
    """Endnotes use the footnote face, label hanging in the margin as at the page foot."""
    for line in lines:
        layout.ensure(FOOTNOTE_LEADING)
        layout.write_note(layout.current, line, layout.current.y)
        layout.current.y += FOOTNOTE_LEADING
    layout.current.y += 3.0

"""Read PDFs into page-aware blocks with headings and real footnotes, using PyMuPDF.

PDFs carry no structure, only positioned text, so everything here is inferred from
typography: the body size is the size most characters have, headings are larger (or bold
lines standing alone), footnotes are smaller lines below the body that start with a label,
and markers are raised smaller spans. Running headers and footers are dropped so they do not
pollute passages. Only span-level data (``get_text("dict")``) is used, never per-character
data, to keep extraction close to the speed of plain text extraction.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pymupdf

from evidencia.ingest import sniff
from evidencia.ingest.limits import Limits
from evidencia.ingest.readers.base import Reader
from evidencia.model import Block, BlockKind, FootnoteDraft, ReadDocument, ReadError

#: Expand ligatures, normalise whitespace, skip images and text outside the page.
_FLAGS = pymupdf.TEXT_MEDIABOX_CLIP
_SUPERSCRIPT, _BOLD = 1, 16
#: Markers travel inside line text between these until a block is finished.
_OPEN, _CLOSE = "\x02", "\x03"
_CONTROL = {c: None for c in range(32)} | {9: " ", 10: " ", 13: " ", 0xAD: "\x01"}
_SOFT_HYPHEN = "\x01"
_NEEDS_CLEANING = re.compile("[\x00-\x1f\xad]")
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")

_MARKER_TEXT = re.compile(r"[\d*†‡§]{1,4}(?:\s*[,–-]\s*[\d*†‡§]{1,4})*")
_NOTE_START = re.compile(
    rf"\s*(?:{_OPEN}([^{_CLOSE}]*){_CLOSE}|([⁰¹²³⁴⁵⁶⁷⁸⁹]+)|(\d{{1,4}}|[*†‡§]{{1,3}})(?=[\s.)]|$))"
    r"[.)]?\s*"
)
_MARKERS = re.compile(rf"{_OPEN}([^{_CLOSE}]*){_CLOSE}|([⁰¹²³⁴⁵⁶⁷⁸⁹]+)")
#: What a Unicode superscript marker must follow: a letter or closing punctuation.
_MARKER_AFTER = re.compile(r"[^\W\d_]|[.,;:!?)\]’”\"']")
_MAY_HAVE_MARKERS = re.compile(f"[{_OPEN}⁰¹²³⁴⁵⁶⁷⁸⁹]")
_PAGE_NUMBER = re.compile(
    r"[-–—\s]*(?:page\s+|p\.\s*)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:/|of)\s*\d{1,4})?[-–—\s]*",
    re.I,
)
_BULLET = re.compile(r"([•◦▪▫‣●○■□►▸➢✓✔·])\s*|([-–*])\s+")
_HYPHENATED = re.compile(r"[^\W\d_]-$")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_JUNK_TITLE = re.compile(
    r"\.(?:docx?|pdf|indd|rtf|odt|pages)\s*$|^(?:untitled|microsoft word)", re.I
)

#: Outer share of the page height where running headers and footers live.
_RUNNING_BAND = 0.08
_HEADING_RATIO = 1.08
_SMALL_RATIO = 0.92


@dataclass(slots=True)
class _Line:
    """One visual line: text (markers as sentinels), box, dominant size and boldness."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    baseline: float
    size: float
    bold: bool
    block: int


class PdfReader(Reader):
    """PDFs with a text layer; scanned PDFs are refused (OCR is out of scope)."""

    name: ClassVar[str] = "pdf"
    mime_types: ClassVar[tuple[str, ...]] = (sniff.PDF,)
    extensions: ClassVar[tuple[str, ...]] = ("pdf",)

    def read(self, path: Path, limits: Limits) -> ReadDocument:
        try:
            pdf = pymupdf.open(path, filetype="pdf")  # type: ignore[no-untyped-call]
        except (RuntimeError, ValueError):
            # MuPDF's own message names the temp path and the parser, which helps no one.
            raise ReadError("not a valid PDF: the file is corrupt or is not a PDF") from None
        with pdf:
            if pdf.needs_pass:
                raise ReadError("encrypted PDF: a password is needed")
            if pdf.page_count == 0:
                raise ReadError("the PDF has no pages")
            if pdf.page_count > limits.max_pages:
                raise ReadError(
                    f"too many pages: {pdf.page_count} (the limit is {limits.max_pages})"
                )
            pages: list[list[_Line]] = []
            heights: list[float] = []
            try:
                for i in range(pdf.page_count):
                    page = pdf[i]
                    pages.append(_page_lines(page))
                    heights.append(page.rect.height)
            except RuntimeError as exc:
                raise ReadError(f"damaged PDF: {exc}") from None
            chars = sum(len(line.text) for lines in pages for line in lines)
            if not any(line.text.strip() for lines in pages for line in lines):
                if pdf.is_repaired:
                    raise ReadError("not a valid PDF: the file is damaged or truncated")
                raise ReadError("no text layer (scanned PDF?)")
            if chars > limits.max_text_chars:
                raise ReadError(
                    f"too much text: {chars} characters (the limit is {limits.max_text_chars})"
                )
            meta = {k: v for k, v in (pdf.metadata or {}).items() if isinstance(v, str) and v}
        return _Analysis(pages, heights).document(meta)


def _page_lines(page: pymupdf.Page) -> list[_Line]:
    """The page's visual lines in content order, with fragments on one baseline merged."""
    out: list[_Line] = []
    data: dict[str, Any] = page.get_text("dict", flags=_FLAGS)  # type: ignore[no-untyped-call]
    for number, block in enumerate(data["blocks"]):
        if block["type"] != 0:
            continue
        for raw in block["lines"]:
            line = _make_line(raw["spans"], number)
            if line is None:
                continue
            prev = out[-1] if out else None
            if prev is not None and prev.block == number and _same_row(prev, line):
                _merge(prev, line)
            else:
                out.append(line)
    return out


def _make_line(spans: list[dict[str, Any]], block: int) -> _Line | None:
    if len(spans) == 1:  # most lines: skip the span bookkeeping
        span = spans[0]
        text = _clean(span["text"])
        if not text.strip():
            return None
        if span["flags"] & _SUPERSCRIPT and _MARKER_TEXT.fullmatch(text.strip()):
            text = f"{_OPEN}{text.strip()}{_CLOSE}"
        x0, y0, x1, y1 = span["bbox"]
        bold = bool(span["flags"] & _BOLD) or "Bold" in span["font"]
        return _Line(text, x0, y0, x1, y1, span["origin"][1], span["size"], bold, block)
    main = max(spans, key=lambda s: (not s["flags"] & _SUPERSCRIPT, len(s["text"].strip())))
    size: float = main["size"]
    baseline: float = main["origin"][1]
    parts: list[str] = []
    bold_chars = total = 0
    for span in spans:
        text = _clean(span["text"])
        if not text:
            continue
        stripped = text.strip()
        raised = span["flags"] & _SUPERSCRIPT or (
            span["size"] < size * 0.85 and span["origin"][1] < baseline - size * 0.15
        )
        if raised and _MARKER_TEXT.fullmatch(stripped):
            parts.append(f"{_OPEN}{stripped}{_CLOSE}")
            continue
        parts.append(text)
        total += len(stripped)
        if span["flags"] & _BOLD or "Bold" in span["font"]:
            bold_chars += len(stripped)
    text = "".join(parts)
    if not text.strip():
        return None
    x0, y0, x1, y1 = (float(v) for v in main["bbox"])
    for span in spans:
        bx0, by0, bx1, by1 = span["bbox"]
        x0, y0, x1, y1 = min(x0, bx0), min(y0, by0), max(x1, bx1), max(y1, by1)
    return _Line(
        text, x0, y0, x1, y1, baseline, size, total > 0 and bold_chars >= 0.8 * total, block
    )


def _clean(text: str) -> str:
    """Control characters become nothing (tabs and newlines a space); soft hyphens a marker."""
    return text.translate(_CONTROL) if _NEEDS_CLEANING.search(text) else text


def _same_row(prev: _Line, line: _Line) -> bool:
    """A bullet or label and its text, or a marker set as its own line, share one row."""
    overlap = min(prev.y1, line.y1) - max(prev.y0, line.y0)
    gap = line.x0 - prev.x1
    return overlap > 0.5 * min(prev.y1 - prev.y0, line.y1 - line.y0) and -2 < gap < 4 * prev.size


def _merge(prev: _Line, line: _Line) -> None:
    markers_only = not _MARKERS.sub("", line.text).strip()
    sep = "" if markers_only or line.x0 - prev.x1 < 0.15 * prev.size else " "
    if len(_MARKERS.sub("", line.text).strip()) > len(_MARKERS.sub("", prev.text).strip()):
        prev.size, prev.baseline, prev.bold = line.size, line.baseline, line.bold
    prev.text = prev.text.rstrip() + sep + line.text if sep else prev.text + line.text
    prev.x1, prev.y0, prev.y1 = line.x1, min(prev.y0, line.y0), max(prev.y1, line.y1)


class _Analysis:
    """Document-wide typography (body size, heading sizes, line pitch) and the passes using it."""

    def __init__(self, pages: list[list[_Line]], heights: list[float]) -> None:
        self.pages = pages
        self.heights = heights
        exact: Counter[float] = Counter()
        for lines in pages:
            for line in lines:
                exact[line.size] += len(line.text)
        sizes: Counter[float] = Counter()
        for size, count in exact.items():
            sizes[round(size * 2) / 2] += count
        self.body = sizes.most_common(1)[0][0]
        self.heading_min = max(self.body * _HEADING_RATIO, self.body + 0.8)
        self.small_max = self.body * _SMALL_RATIO
        self.pitch = self._pitch()
        self.vocabulary: set[str] | None = None

    def _pitch(self) -> float:
        """The usual baseline-to-baseline distance of body lines within one paragraph."""
        steps: Counter[float] = Counter()
        for lines in self.pages:
            for prev, line in itertools.pairwise(lines):
                step = line.baseline - prev.baseline
                if (
                    0.9 * self.body < step < 2.5 * self.body
                    and self.small_max <= line.size < self.heading_min
                    and self.small_max <= prev.size < self.heading_min
                ):
                    steps[round(step * 2) / 2] += 1
        return steps.most_common(1)[0][0] if steps else 1.2 * self.body

    def document(self, meta: dict[str, str]) -> ReadDocument:
        self._drop_running()
        notes = self._footnotes()
        title_lines, visual_title = self._title()
        title = meta.get("title", "").strip()
        if not title or _JUNK_TITLE.search(title):
            title = visual_title
        levels = self._heading_levels(exclude=title_lines)
        blocks: list[Block] = []
        for number, lines in enumerate(self.pages, start=1):
            body = [line for line in lines if id(line) not in title_lines]
            blocks.extend(self._blocks(body, number, levels))
        _resolve_markers(blocks, notes)
        metadata: dict[str, str] = {
            k: meta[k]
            for k in ("author", "subject", "keywords", "creator", "producer")
            if k in meta
        }
        return ReadDocument(
            blocks=[b for b in blocks if b.text or b.footnote_refs],
            footnotes=notes,
            title=title or None,
            page_count=len(self.pages),
            metadata=metadata,
        )

    # -- running headers and footers --------------------------------------------------

    def _drop_running(self) -> None:
        """Drop page numbers at the page edge and lines repeated at the same place."""
        seen: Counter[tuple[str, int]] = Counter()
        keyed: list[list[tuple[_Line, tuple[str, int] | None]]] = []
        for lines, height in zip(self.pages, self.heights, strict=True):
            top, bottom = height * _RUNNING_BAND, height * (1 - _RUNNING_BAND)
            page_keys: list[tuple[_Line, tuple[str, int] | None]] = []
            for line in lines:
                key = None
                if line.y1 < top or line.y0 > bottom:
                    key = (
                        re.sub(r"\d+", "#", " ".join(line.text.lower().split())),
                        round(line.y0 / 6),
                    )
                page_keys.append((line, key))
            seen.update({key for _, key in page_keys if key is not None})
            keyed.append(page_keys)
        repeated = max(3.0, 0.5 * len(self.pages))
        for index, page_keys in enumerate(keyed):
            lines = self.pages[index]
            highest = min((line.y1 for line in lines), default=0.0)
            lowest = max((line.y0 for line in lines), default=0.0)
            self.pages[index] = [
                line
                for line, key in page_keys
                if key is None
                or not (
                    seen[key] >= repeated
                    or (
                        _PAGE_NUMBER.fullmatch(line.text)
                        and (line.y1 <= highest + 2 or line.y0 >= lowest - 2)
                    )
                )
            ]

    # -- footnotes --------------------------------------------------------------------

    def _footnotes(self) -> list[FootnoteDraft]:
        """Take footnote lines off each page: small lines below the body, from a label on."""
        notes: list[FootnoteDraft] = []
        parts: list[list[str]] = []
        carry: FootnoteDraft | None = None  # the last note, which may go on over the page
        last: int | None = None  # the last numeric label
        for number, lines in enumerate(self.pages, start=1):
            main = [line.y1 for line in lines if line.size >= self.small_max]
            if not main and carry is None:
                continue
            floor = max(main, default=-1.0) - 1
            zone = sorted(
                (line for line in lines if line.size < self.small_max and line.y0 >= floor),
                key=lambda line: line.y0,
            )
            page_markers = {
                label for line in lines for label in _marker_labels(line.text) if line not in zone
            }
            taken: set[int] = set()
            current = carry
            for line in zone:
                match = _NOTE_START.match(line.text)
                label = _note_label(match)
                if match and label and _starts_note(label, last, page_markers):
                    last = int(label) if label.isdigit() else last
                    current = FootnoteDraft(label, "", number)
                    notes.append(current)
                    parts.append([line.text[match.end() :]])
                elif current is not None:
                    parts[-1].append(line.text)
                else:
                    continue  # small print above the first note, such as a caption
                taken.add(id(line))
            carry = current if taken else None
            if taken:
                self.pages[number - 1] = [line for line in lines if id(line) not in taken]
        for note, texts in zip(notes, parts, strict=True):
            note.text = _strip_markers(self._join(texts))
        return notes

    # -- title and headings -----------------------------------------------------------

    def _title(self) -> tuple[set[int], str]:
        """The largest text on page 1 is the title when no other page uses that size."""
        first = self.pages[0]
        if not first:
            return set(), ""
        largest = max(line.size for line in first)
        if largest < self.heading_min:
            return set(), ""
        positions = [i for i, line in enumerate(first) if abs(line.size - largest) < 0.3]
        lines = [first[i] for i in positions]
        text = _strip_markers(self._join([line.text for line in lines]))
        elsewhere = any(abs(line.size - largest) < 0.3 for page in self.pages[1:] for line in page)
        contiguous = positions[-1] - positions[0] == len(positions) - 1
        if elsewhere or not contiguous or len(lines) > 4:
            return set(), text
        return {id(line) for line in lines}, text

    def _heading_levels(self, exclude: set[int]) -> dict[float, int]:
        """Heading sizes ranked largest first; level 1 is the largest."""
        sizes = {
            round(line.size * 2) / 2
            for lines in self.pages
            for line in lines
            if id(line) not in exclude and line.size >= self.heading_min
        }
        return {size: min(rank, 6) for rank, size in enumerate(sorted(sizes, reverse=True), 1)}

    # -- paragraphs -------------------------------------------------------------------

    def _blocks(self, lines: list[_Line], page: int, levels: dict[float, int]) -> list[Block]:
        groups: list[list[_Line]] = []
        for line in lines:
            group = groups[-1] if groups else None
            if group is None or self._breaks(group, line):
                groups.append([line])
            else:
                group.append(line)
        return [self._block(group, page, levels) for group in groups]

    def _breaks(self, group: list[_Line], line: _Line) -> bool:
        """Whether ``line`` starts a new block rather than continuing ``group``."""
        prev, first = group[-1], group[0]
        bullet = _BULLET.match(line.text)
        if bullet and (bullet.group(1) or _BULLET.match(first.text)):
            return True
        if abs(line.size - prev.size) > 0.6 or (
            line.size >= self.heading_min and line.bold != prev.bold
        ):
            return True
        step = line.baseline - prev.baseline
        pitch = self.pitch * line.size / self.body
        if step > pitch * 1.3 + 0.5 or step < -0.3 * line.size:
            return True
        # A first-line indent starts a paragraph; list items indent their continuation lines.
        return line.x0 - prev.x0 > 0.8 * line.size and not _BULLET.match(first.text)

    def _block(self, group: list[_Line], page: int, levels: dict[float, int]) -> Block:
        texts = [line.text for line in group]
        kind, level = BlockKind.PARAGRAPH, 0
        bullet = _BULLET.match(texts[0])
        size = round(group[0].size * 2) / 2
        if bullet:
            kind = BlockKind.LIST_ITEM
            texts[0] = texts[0][bullet.end() :]
        elif size in levels and len(group) <= 3:
            kind, level = BlockKind.HEADING, levels[size]
        text = self._join(texts)
        if kind is BlockKind.PARAGRAPH and _bold_heading(group, text):
            kind, level = BlockKind.HEADING, min(len(levels) + 1, 6)
        return Block(text=text, kind=kind, page=page, level=level)

    def _join(self, texts: list[str]) -> str:
        """Join lines with spaces, undoing end-of-line hyphenation where the word exists."""
        out: list[str] = []
        for text in texts:
            text = text.strip()
            if not text:
                continue
            prev = out[-1] if out else ""
            if prev.endswith(_SOFT_HYPHEN) or (
                _HYPHENATED.search(prev[-2:])
                and text[:1].islower()
                and self._dehyphenate(prev, text)
            ):
                out[-1] = prev[:-1]
            elif out:
                out.append(" ")
            out.append(text)
        return " ".join("".join(out).replace(_SOFT_HYPHEN, "").split())

    def _dehyphenate(self, left: str, right: str) -> bool:
        """Join "immi-" + "gration" unless only the hyphenated form occurs in the document."""
        if self.vocabulary is None:
            self.vocabulary = {
                word.lower()
                for lines in self.pages
                for line in lines
                for word in _WORD.findall(line.text)
            }
        head = left.split()[-1][:-1].lower()
        tail = _WORD.match(right)
        if tail is None:
            return True
        joined, hyphened = head + tail.group(0).lower(), f"{head}-{tail.group(0).lower()}"
        return joined in self.vocabulary or hyphened not in self.vocabulary


def _bold_heading(group: list[_Line], text: str) -> bool:
    """A short bold body-size line standing alone reads as a heading (common in reports)."""
    return (
        len(group) <= 2
        and all(line.bold for line in group)
        and len(text.split()) <= 15
        and not text.rstrip(_CLOSE).endswith((".", ",", ";", ":"))
    )


def _note_label(match: re.Match[str] | None) -> str:
    if match is None:
        return ""
    if match.group(1) is not None:
        return match.group(1).strip()
    if match.group(2) is not None:
        return match.group(2).translate(_SUPERSCRIPT_DIGITS)
    return match.group(3)


def _starts_note(label: str, last: int | None, markers: set[str]) -> bool:
    """Numbers also begin ordinary lines ("2015 saw…"), so unmarked ones must follow on
    closely from the last label (endnotes may skip a few) or restart at 1."""
    if label in markers or not label.isdigit():
        return True
    number = int(label)
    if last is None:
        return number <= 10
    return number == 1 or last < number <= last + 5


def _marker_labels(text: str) -> list[str]:
    if _OPEN not in text:
        return []
    return [
        label
        for group in re.findall(rf"{_OPEN}([^{_CLOSE}]*){_CLOSE}", text)
        for label in re.split(r"\s*,\s*", group)
        if label
    ]


def _strip_markers(text: str) -> str:
    """Footnote and title text keeps marker characters as plain text, minus the sentinels."""
    return text.replace(_OPEN, "").replace(_CLOSE, "")


def _resolve_markers(blocks: list[Block], notes: list[FootnoteDraft]) -> None:
    """Move markers out of block text into ``footnote_refs``, in order of appearance.

    Superscript spans are always markers; Unicode superscript digits glued to a word are only
    markers when a footnote with that label exists (otherwise "m²" would become a marker).
    """
    known = {note.label for note in notes}
    for block in blocks:
        if not _MAY_HAVE_MARKERS.search(block.text):
            continue
        pieces: list[str] = []
        refs: list[str] = []
        end = 0
        for match in _MARKERS.finditer(block.text):
            if match.group(1) is not None:
                labels = [label for label in re.split(r"\s*,\s*", match.group(1)) if label]
            else:
                labels = [match.group(2).translate(_SUPERSCRIPT_DIGITS)]
                start = match.start()
                glued = start > 0 and _MARKER_AFTER.match(block.text, start - 1)
                if not glued or labels[0] not in known:
                    continue
            pieces.append(block.text[end : match.start()])
            refs.extend(labels)
            end = match.end()
        if end:
            pieces.append(block.text[end:])
            block.text = " ".join("".join(pieces).split())
        block.footnote_refs = refs

"""DOCX: paragraphs, headings, lists, quotes and tables in body order, with real footnotes.

A DOCX is a zip of XML parts, so a hostile one can be a zip bomb or carry a DTD (external
entities reading local files, billion-laughs expansion). The package is therefore vetted with
:mod:`zipfile` and a streaming scan before python-docx parses anything; OOXML never needs a
DTD, so any ``<!DOCTYPE``/``<!ENTITY`` is refused outright.
"""

from __future__ import annotations

import codecs
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docx
from docx.exceptions import PythonDocxError
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import OpcError
from lxml import etree

from evidencia.ingest.limits import Limits
from evidencia.ingest.readers.base import Reader
from evidencia.ingest.sniff import DOCX
from evidencia.model import Block, BlockKind, FootnoteDraft, ReadDocument, ReadError

#: More parts than any real document has; a guard against central-directory floods.
MAX_MEMBERS = 10_000
#: Deflate gives XML about 10:1; a part far beyond this is padding built to explode.
MAX_RATIO = 200
RATIO_MIN_BYTES = 10 * 1024 * 1024
SCAN_CHUNK = 1024 * 1024
_TYPES_PART = "[Content_Types].xml"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DTD = re.compile(r"<!(doctype|entity)", re.I)
_XML_DECL_ENCODING = re.compile(r"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']+)", re.I)
#: What libxml2 would decode as UCS-4 (any byte order, BOM or not) or EBCDIC.
_REFUSED_HEADS = {
    b"\xff\xfe\x00\x00",
    b"\x00\x00\xfe\xff",
    b"\x00\x00\x00<",
    b"<\x00\x00\x00",
    b"\x00\x00<\x00",
    b"\x00<\x00\x00",
    b"\x4c\x6f\xa7\x94",
}
_UTF8_NAMES = {"utf-8", "utf8"}
_UTF16_NAMES = {"utf-16", "utf16", "utf-16le", "utf-16be"}

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_P, _TBL, _TR, _TC, _R = f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc", f"{_W}r"
_SDT, _TXBX = f"{_W}sdt", f"{_W}txbxContent"
_NOTE_REFS = {f"{_W}footnoteReference": "footnote", f"{_W}endnoteReference": "endnote"}
#: Never text: properties, deleted or moved-away revisions, and the VML copy of shapes.
_SKIP = {f"{_W}{t}" for t in ("pPr", "rPr", "del", "moveFrom", "tblPr", "trPr", "tcPr")} | {
    f"{_MC}Fallback"
}
_SPACES = {f"{_W}{t}" for t in ("tab", "ptab", "cr")}
_SHAPES = {f"{_W}drawing", f"{_W}pict", f"{_W}object", f"{_MC}AlternateContent"}

_HEADING_NAME = re.compile(r"^heading\s*([1-9])$", re.I)
_HEADING_ID = re.compile(
    r"^(heading|berschrift|titre|kop|titolo|ttulo|encabezado|rubrik|overskrift|otsikko)\s*([1-9])$",
    re.I,
)
_TITLE_IDS = {"title", "titel", "titre", "titolo", "ttulo", "titulo"}
_QUOTE = re.compile(r"quote|zitat|cita", re.I)
_LIST = re.compile(
    r"^(list ?(paragraph|bullet|number)|listenabsatz|paragraphedeliste|prrafodelista|lijstalinea)",
    re.I,
)
_NOTE_PARTS = {"footnote": RT.FOOTNOTES, "endnote": RT.ENDNOTES}
#: Word's defaults: footnotes 1, 2, 3; endnotes i, ii, iii (so the two never collide).
_DEFAULT_FORMAT = {"footnote": "decimal", "endnote": "lowerRoman"}


class DocxReader(Reader):
    name = "docx"
    mime_types = (DOCX,)
    extensions = ("docx",)

    def read(self, path: Path, limits: Limits) -> ReadDocument:
        check_package(path, limits)
        try:
            document = docx.Document(str(path))
        except (OpcError, PythonDocxError, KeyError, ValueError, etree.LxmlError) as exc:
            raise ReadError(f"not a valid DOCX: {exc}") from exc
        if getattr(document.element, "body", None) is None:
            raise ReadError("not a valid DOCX: word/document.xml has no document body")
        return _Extractor(document, limits).run()


# -- vetting the package -------------------------------------------------------------------


def check_package(path: Path, limits: Limits) -> None:
    """Refuse zip bombs, encrypted or damaged archives and XML carrying a DTD."""
    with path.open("rb") as fh:
        if fh.read(len(_OLE_MAGIC)) == _OLE_MAGIC:
            raise ReadError("this is a legacy .doc or a password-protected Word file, not a DOCX")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _check_sizes(infos, limits)
            names = {info.filename for info in infos}
            if "word/document.xml" not in names:
                raise ReadError("not a valid DOCX: word/document.xml is missing")
            types: dict[str, str] = {}
            if _TYPES_PART in names:
                _scan_part(zf, zf.getinfo(_TYPES_PART))
                types = _content_types(zf.read(_TYPES_PART))
            for info in infos:
                if not (info.is_dir() or info.filename == _TYPES_PART or _is_svg(info, types)):
                    _scan_part(zf, info)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
        raise ReadError(f"not a valid DOCX: the archive is damaged ({exc})") from exc


def _check_sizes(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Sizes come from the central directory; zipfile never yields more than they declare."""
    if len(infos) > MAX_MEMBERS:
        raise ReadError(f"the DOCX has too many parts ({len(infos):,})")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ReadError("the DOCX is encrypted")
        total += info.file_size
        if total > limits.max_unpacked_bytes:
            raise ReadError(
                f"the DOCX unpacks to more than {limits.max_unpacked_bytes:,} bytes "
                "(possible zip bomb)"
            )
        if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise ReadError(
                f"the DOCX part {info.filename!r} is compressed {info.file_size:,} bytes into "
                f"{info.compress_size:,} (zip bomb)"
            )


def _content_types(xml: bytes) -> dict[str, str]:
    """Part name or ``.ext`` -> declared content type (the part has been scanned already)."""
    try:
        root = _parse(xml)
    except etree.XMLSyntaxError as exc:
        raise ReadError(f"not a valid DOCX: [Content_Types].xml is malformed ({exc})") from exc
    types = {
        "." + el.get("Extension", "").lower(): el.get("ContentType", "")
        for el in root.iter(f"{_CT}Default")
    }
    for el in root.iter(f"{_CT}Override"):
        types[el.get("PartName", "").lstrip("/")] = el.get("ContentType", "")
    return types


def _parse(xml: bytes) -> etree._Element:
    """Parse a scanned part; no DTDs, entities or network even so (defence in depth)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(xml, parser)


def _is_svg(info: zipfile.ZipInfo, types: dict[str, str]) -> bool:
    """SVG images may legitimately carry a DOCTYPE and are never parsed, so they are exempt.

    A part merely *named* .svg but declared as anything else is still scanned.
    """
    name = info.filename
    if not name.lower().endswith(".svg"):
        return False
    declared = types.get(name) or types.get(".svg")
    return declared in (None, "image/svg+xml")


def _scan_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Stream one part and refuse it if it is XML with a DTD or an encoding OOXML forbids."""
    with zf.open(info) as fh:
        chunk = fh.read(SCAN_CHUNK)
        encoding = _xml_encoding(chunk, info.filename)
        if encoding is None:
            return
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        tail = ""
        while chunk:
            text = tail + decoder.decode(chunk)
            if _DTD.search(text):
                raise ReadError(
                    f"the DOCX part {info.filename!r} declares a DTD or entities, which Word "
                    "never writes (refused as a possible XML attack)"
                )
            tail = text[-16:]
            chunk = fh.read(SCAN_CHUNK)


def _xml_encoding(head: bytes, name: str) -> str | None:
    """The codec to scan a part with, or None when it is not XML at all (images, binaries).

    OOXML allows only UTF-8 and UTF-16. Anything else (UTF-32, EBCDIC, a declared UTF-7) could
    hide ``<!DOCTYPE`` from a byte scan while the XML parser still decodes it, so it is refused.
    """
    if head[:4] in _REFUSED_HEADS:
        raise ReadError(f"the DOCX part {name!r} uses an encoding OOXML does not allow")
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        family, codec = _UTF16_NAMES, "utf-16"
    elif head[:2] == b"<\x00":
        family, codec = _UTF16_NAMES, "utf-16-le"
    elif head[:2] == b"\x00<":
        family, codec = _UTF16_NAMES, "utf-16-be"
    else:
        family, codec = _UTF8_NAMES, "utf-8-sig"
    text = head[:4096].decode(codec, errors="replace")
    if not text.lstrip().startswith("<"):
        return None
    declared = _XML_DECL_ENCODING.match(text)
    if declared and declared.group(1).lower() not in family:
        raise ReadError(
            f"the DOCX part {name!r} declares encoding {declared.group(1)!r}, "
            "which OOXML does not allow"
        )
    return codec


# -- extracting the text ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Text:
    text: str


@dataclass(frozen=True)
class _NoteRef:
    kind: str
    note_id: str
    mark: str | None


@dataclass(frozen=True)
class _PageBreak:
    rendered: bool


@dataclass(frozen=True)
class _TextBox:
    content: etree._Element


_Event = _Text | _NoteRef | _PageBreak | _TextBox


def _on(value: str | None) -> bool:
    """OOXML booleans: a bare element or "1"/"true"/"on" means yes."""
    return value is None or value.lower() in ("1", "true", "on")


def _inline(el: etree._Element) -> Iterator[_Event]:
    """What a paragraph says, in order; runs are handled one by one for custom note marks."""
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag == _R:
            yield from _run(child)
        elif tag == f"{_M}t":
            yield _Text(child.text or "")
        elif tag in _SHAPES:
            yield from _text_boxes(child)
        else:  # hyperlinks, fields, insertions, content controls, smart tags, math
            yield from _inline(child)


def _run(run: etree._Element) -> Iterator[_Event]:
    rpr = run.find(f"{_W}rPr")
    vanish = rpr.find(f"{_W}vanish") if rpr is not None else None
    if vanish is not None and _on(vanish.get(f"{_W}val")):
        return  # hidden text: Word does not show it, so neither do we
    pending: _NoteRef | None = None  # a custom-mark reference waiting for its mark text
    for child in run:
        tag = child.tag
        if pending is not None and tag == f"{_W}t":
            yield _NoteRef(pending.kind, pending.note_id, (child.text or "").strip() or None)
            pending = None
            continue
        if pending is not None:
            yield pending
            pending = None
        if tag == f"{_W}t":
            yield _Text(child.text or "")
        elif tag in _NOTE_REFS:
            ref = _NoteRef(_NOTE_REFS[tag], child.get(f"{_W}id", ""), None)
            if _on(child.get(f"{_W}customMarkFollows", "0")):
                pending = ref
            else:
                yield ref
        elif tag in _SPACES:
            yield _Text(" ")
        elif tag == f"{_W}br":
            is_page = child.get(f"{_W}type") == "page"
            yield _PageBreak(rendered=False) if is_page else _Text(" ")
        elif tag == f"{_W}lastRenderedPageBreak":
            yield _PageBreak(rendered=True)
        elif tag == f"{_W}noBreakHyphen":
            yield _Text("-")
        elif tag in _SHAPES:
            yield from _text_boxes(child)
    if pending is not None:
        yield pending


def _text_boxes(el: etree._Element) -> Iterator[_TextBox]:
    """Text boxes inside a drawing, skipping the VML fallback copy of the same box."""
    for child in el:
        if not isinstance(child.tag, str) or child.tag == f"{_MC}Fallback":
            continue
        if child.tag == _TXBX:
            yield _TextBox(child)
        else:
            yield from _text_boxes(child)


_WRAPPERS = (_SDT, f"{_W}sdtContent", f"{_W}customXml")


def _children(el: etree._Element, tags: tuple[str, ...]) -> Iterator[etree._Element]:
    """Children with one of ``tags``, looking inside content controls and custom XML."""
    for child in el:
        if child.tag in tags:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, tags)


def _block_children(el: etree._Element) -> Iterator[etree._Element]:
    """Paragraphs and tables of a body, cell, note or text box."""
    return _children(el, (_P, _TBL))


def _rows(tbl: etree._Element) -> Iterator[etree._Element]:
    return _children(tbl, (_TR,))


def _cells(tr: etree._Element) -> Iterator[etree._Element]:
    return _children(tr, (_TC,))


def _clean(text: str) -> str:
    return " ".join(text.split())


@dataclass
class _Builder:
    """Text, note references and start page gathered for one block."""

    page: int | None
    parts: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    boxes: list[etree._Element] = field(default_factory=list)

    def text(self) -> str:
        return _clean("".join(self.parts))


@dataclass(frozen=True)
class _Style:
    name: str
    style_id: str
    based_on: str | None
    outline_level: int | None
    numbered: bool


class _Styles:
    """Paragraph styles with their ``basedOn`` chains, to classify paragraphs.

    Built-in styles keep their English ``w:name`` ("heading 1") in every Word language while
    the id is localised ("berschrift1", "Titre1", "Kop1"), so both are checked, and the outline
    level catches custom heading styles.
    """

    def __init__(self, root: etree._Element) -> None:
        self._styles: dict[str, _Style] = {}
        for el in root.iter(f"{_W}style"):
            if el.get(f"{_W}type", "paragraph") != "paragraph":
                continue
            style_id = el.get(f"{_W}styleId", "")
            self._styles[style_id] = _Style(
                name=_val(el.find(f"{_W}name")) or "",
                style_id=style_id,
                based_on=_val(el.find(f"{_W}basedOn")),
                outline_level=_outline_level(el.find(f"{_W}pPr")),
                numbered=_numbered(el.find(f"{_W}pPr")),
            )

    def chain(self, style_id: str | None) -> list[_Style]:
        found: list[_Style] = []
        while style_id in self._styles and len(found) < 20:  # 20: cycles in basedOn
            style = self._styles[style_id]
            found.append(style)
            style_id = style.based_on
        return found

    def classify(self, p: etree._Element) -> tuple[BlockKind | None, int]:
        """(kind, level) of a paragraph; kind None means it is a Title paragraph."""
        ppr = p.find(f"{_W}pPr")
        style_id = _val(ppr.find(f"{_W}pStyle")) if ppr is not None else None
        chain = self.chain(style_id)
        own = chain[0] if chain else None
        if own is not None:
            if own.name.lower() == "title" or own.style_id.lower() in _TITLE_IDS:
                return None, 0
            level = _heading_level(own)
            if level is not None:
                return BlockKind.HEADING, level
        outline = _outline_level(ppr)
        if outline is None:
            outline = next((s.outline_level for s in chain if s.outline_level is not None), None)
        if outline is not None:
            return BlockKind.HEADING, outline + 1
        names = " ".join(f"{s.name} {s.style_id}" for s in chain)
        if _QUOTE.search(names):
            return BlockKind.QUOTE, 0
        if (
            _numbered(ppr)
            or any(s.numbered for s in chain)
            or any(_LIST.match(s.name) or _LIST.match(s.style_id) for s in chain)
        ):
            return BlockKind.LIST_ITEM, _list_level(ppr)
        return BlockKind.PARAGRAPH, 0


def _heading_level(style: _Style) -> int | None:
    by_name = _HEADING_NAME.match(style.name)
    if by_name:
        return int(by_name.group(1))
    by_id = _HEADING_ID.match(style.style_id)
    return int(by_id.group(2)) if by_id else None


def _val(el: etree._Element | None) -> str | None:
    return el.get(f"{_W}val") if el is not None else None


def _outline_level(ppr: etree._Element | None) -> int | None:
    """0-8 for headings; 9 (and junk) means body text."""
    value = _val(ppr.find(f"{_W}outlineLvl")) if ppr is not None else None
    if value is None or not value.isdigit() or int(value) > 8:
        return None
    return int(value)


def _numbered(ppr: etree._Element | None) -> bool:
    """A ``numPr`` makes a list item, except numId 0, which Word uses to switch numbering off."""
    num = ppr.find(f"{_W}numPr") if ppr is not None else None
    return num is not None and _val(num.find(f"{_W}numId")) != "0"


def _list_level(ppr: etree._Element | None) -> int:
    num = ppr.find(f"{_W}numPr") if ppr is not None else None
    value = _val(num.find(f"{_W}ilvl")) if num is not None else None
    return int(value) if value is not None and value.isdigit() else 0


def _note_format(document: Any, kind: str) -> tuple[str, int]:
    """(numFmt, numStart) for footnotes or endnotes: the section's setting, else the document's."""
    holders = (document.element.body.find(f"{_W}sectPr"), document.settings.element)
    fmt, start = None, None
    for holder in holders:
        props = holder.find(f"{_W}{kind}Pr") if holder is not None else None
        if props is not None:
            fmt = fmt or _val(props.find(f"{_W}numFmt"))
            start = start or _val(props.find(f"{_W}numStart"))
    first = int(start) if start is not None and start.isdigit() else 1
    return fmt or _DEFAULT_FORMAT[kind], first


def _format_number(n: int, fmt: str) -> str:
    """Print a note number the way Word does for the common formats."""
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(n)
        return roman.lower() if fmt == "lowerRoman" else roman
    if fmt in ("lowerLetter", "upperLetter"):
        letters = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letters if fmt == "lowerLetter" else letters.upper()
    if fmt == "chicago":
        return "*†‡§"[(n - 1) % 4] * ((n - 1) // 4 + 1)
    return str(n)


def _roman(n: int) -> str:
    out = []
    for value, numeral in (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ):  # fmt: skip
        count, n = divmod(n, value)
        out.append(numeral * count)
    return "".join(out)


class _Extractor:
    """Walks the body once, numbering notes in reference order as Word displays them."""

    def __init__(self, document: Any, limits: Limits) -> None:
        self.document = document
        self.limits = limits
        self.body: etree._Element = document.element.body
        self.styles = _Styles(document.styles.element)
        self.notes = {kind: self._note_texts(kind) for kind in _NOTE_PARTS}
        self.formats = {kind: _note_format(document, kind) for kind in _NOTE_PARTS}
        self.counters = dict.fromkeys(_NOTE_PARTS, 0)
        self.labels: dict[tuple[str, str], str] = {}
        self.custom_marks: set[tuple[str, str]] = set()
        self.note_pages: dict[tuple[str, str], int | None] = {}
        self.pages_from = self._page_source()
        self.page: int | None = 1 if self.pages_from else None
        self.blocks: list[Block] = []
        self.title: str | None = None
        self.chars = 0

    def run(self) -> ReadDocument:
        self._walk(self.body)
        props = self.document.core_properties
        title = self.title or _clean(props.title or "") or None
        if not self.blocks and not title:
            raise ReadError("the document has no readable text")
        metadata: dict[str, str] = {}
        if props.author and _clean(props.author):
            metadata["author"] = _clean(props.author)
        if props.created:
            metadata["date"] = props.created.date().isoformat()
        if props.language:
            metadata["language"] = props.language.split("-")[0].lower()
        return ReadDocument(
            blocks=self.blocks,
            footnotes=self._footnotes(),
            title=title,
            page_count=self.page,
            metadata=metadata,
        )

    def _page_source(self) -> str | None:
        """Which breaks give pages: Word's record of its own layout when present (it already
        includes hard breaks), else explicit page breaks, else none (no pages at all)."""
        if next(self.body.iter(f"{_W}lastRenderedPageBreak"), None) is not None:
            return "rendered"
        for br in self.body.iter(f"{_W}br"):
            if br.get(f"{_W}type") == "page":
                return "hard"
        return "hard" if next(self.body.iter(f"{_W}pageBreakBefore"), None) is not None else None

    def _note_texts(self, kind: str) -> dict[str, str]:
        """Note id -> text, separators left out."""
        try:
            part = self.document.part.part_related_by(_NOTE_PARTS[kind])
        except KeyError:
            return {}
        try:
            root = _parse(part.blob)
        except etree.XMLSyntaxError as exc:
            raise ReadError(f"not a valid DOCX: the {kind}s are malformed ({exc})") from exc
        texts: dict[str, str] = {}
        for note in root.iter(f"{_W}{kind}"):
            if note.get(f"{_W}type", "normal") != "normal":
                continue
            builder = _Builder(page=None)
            self._feed(note, builder, in_body=False)
            texts[note.get(f"{_W}id", "")] = builder.text()
        return texts

    def _footnotes(self) -> list[FootnoteDraft]:
        """Notes in order of first reference; a custom mark reused for the same text is one note
        (Word needs a separate note per reference, so a note cited twice is stored twice)."""
        drafts: dict[tuple[str, str], FootnoteDraft] = {}
        for (kind, note_id), label in self.labels.items():
            text = self.notes[kind][note_id]
            if (kind, note_id) in self.custom_marks and text.startswith(label):
                text = text[len(label) :].strip()  # the note repeats its custom mark
            if text and (label, text) not in drafts:
                drafts[label, text] = FootnoteDraft(label, text, self.note_pages[kind, note_id])
        return list(drafts.values())

    def _walk(self, container: etree._Element) -> None:
        for el in _block_children(container):
            if el.tag == _P:
                self._body_paragraph(el)
            else:
                self._table(el)

    def _body_paragraph(self, p: etree._Element) -> None:
        kind, level = self.styles.classify(p)
        ppr = p.find(f"{_W}pPr")
        before = ppr.find(f"{_W}pageBreakBefore") if ppr is not None else None
        if (
            self.page is not None
            and self.pages_from == "hard"
            and before is not None
            and _on(before.get(f"{_W}val"))
        ):
            self.page += 1
        builder = _Builder(page=self.page)
        self._paragraph_into(p, builder, in_body=True)
        if kind is None:
            if self.title is None and builder.text():
                self.title = builder.text()
                builder.parts.clear()
            kind, level = BlockKind.HEADING, 1
        self._emit(builder, kind, level)

    def _table(self, tbl: etree._Element) -> None:
        """One TABLE block per row, cells joined with " | "; nested tables fold into cells."""
        for tr in _rows(tbl):
            builder = _Builder(page=self.page)
            cells = []
            for tc in _cells(tr):
                start = len(builder.parts)
                self._feed(tc, builder, in_body=True)
                cells.append(_clean("".join(builder.parts[start:])))
            builder.parts = [" | ".join(cells)] if any(cells) else []
            self._emit(builder, BlockKind.TABLE, 0)

    def _feed(self, container: etree._Element, builder: _Builder, in_body: bool) -> None:
        """All text under ``container`` into one builder (table cells, notes)."""
        for el in _block_children(container):
            if el.tag == _P:
                self._paragraph_into(el, builder, in_body)
            else:
                for tr in _rows(el):
                    for tc in _cells(tr):
                        self._feed(tc, builder, in_body)
            builder.parts.append(" ")

    def _paragraph_into(self, p: etree._Element, builder: _Builder, in_body: bool) -> None:
        for event in _inline(p):
            if isinstance(event, _Text):
                builder.parts.append(event.text)
            elif isinstance(event, _TextBox):
                builder.boxes.append(event.content)
            elif not in_body:
                continue  # a note's own page breaks and references say nothing about the body
            elif isinstance(event, _NoteRef):
                label = self._label(event)
                if label is not None:
                    builder.refs.append(label)
            elif self.page is not None and self.pages_from == (
                "rendered" if event.rendered else "hard"
            ):
                self.page += 1
                if not builder.text():
                    builder.page = self.page

    def _emit(self, builder: _Builder, kind: BlockKind, level: int) -> None:
        text = builder.text()
        if text:
            self.chars += len(text)
            if self.chars > self.limits.max_text_chars:
                raise ReadError(
                    f"the document is too long (over {self.limits.max_text_chars:,} characters)"
                )
            self.blocks.append(Block(text, kind, builder.page, level, builder.refs))
        elif builder.refs and self.blocks:
            self.blocks[-1].footnote_refs.extend(builder.refs)  # a marker alone on its line
        for box in builder.boxes:
            self._walk(box)

    def _label(self, ref: _NoteRef) -> str | None:
        """The printed label of a referenced note: its custom mark, else Word's next number."""
        key = (ref.kind, ref.note_id)
        if ref.note_id not in self.notes[ref.kind]:
            return None  # a reference to a note that does not exist
        if key not in self.labels:
            if ref.mark is not None:
                self.labels[key] = ref.mark
                self.custom_marks.add(key)
            else:
                self.counters[ref.kind] += 1
                fmt, start = self.formats[ref.kind]
                self.labels[key] = _format_number(self.counters[ref.kind] + start - 1, fmt)
            self.note_pages[key] = self.page
        return self.labels[key] if self.notes[ref.kind][ref.note_id] else None

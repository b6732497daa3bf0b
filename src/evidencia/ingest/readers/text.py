"""Plain text: encoding detection, paragraphs on blank lines, footnotes written as text.

Much of what networks hold is text converted from PDFs or e-mails, where footnote markers
survive as superscript digits glued to words ("enforcement¹¹") and the notes as lines that
start with their number ("11 PICUM, 2022, …"). The reader recovers both, so a converted
document still cites its sources.
"""

from __future__ import annotations

import re
from pathlib import Path

import charset_normalizer

from evidencia.ingest.limits import Limits
from evidencia.ingest.readers.base import Reader
from evidencia.ingest.sniff import TEXT
from evidencia.model import Block, BlockKind, FootnoteDraft, ReadDocument, ReadError

_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_MARKER = re.compile(r"(?<=[^\s⁰¹²³⁴⁵⁶⁷⁸⁹])([⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3})(?![⁰¹²³⁴⁵⁶⁷⁸⁹])")
_NOTE = re.compile(r"^([\d⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3})\s+(\S.*)$", re.S)
_EMPHASIS = re.compile(r"(\*\*|__|\*)(\S(?:.*?\S)?)\1")
_ESCAPE = re.compile(r"\\([()\[\]*_#])")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]*)\)")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_SENTENCE_END = re.compile(r"[.!?:;,)\]\"”»]$")


def decode(data: bytes, source: Path) -> str:
    """UTF-8 when it is UTF-8 (the usual case, and unambiguous), else ask charset-normalizer."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        best = charset_normalizer.from_bytes(data).best()
        if best is None:
            raise ReadError(f"cannot detect the text encoding of {source.name}") from None
        return str(best)


def clean_inline(text: str) -> str:
    """Markdown-style links left by converters become their text (plus a real URL if any)."""

    def link(m: re.Match[str]) -> str:
        url = m.group(2)
        return m.group(1) if url in ("", "#") else f"{m.group(1)} <{url}>"

    text = _ESCAPE.sub(r"\1", _EMPHASIS.sub(r"\2", _LINK.sub(link, text)))
    return re.sub(r"\s+", " ", text).strip()


def split_markers(text: str) -> tuple[str, list[str]]:
    """Remove superscript markers from ``text``; return the text and the labels in order."""
    labels = [m.group(1).translate(_SUPERSCRIPT) for m in _MARKER.finditer(text)]
    return _MARKER.sub("", text), labels


class TextReader(Reader):
    name = "text"
    mime_types = (TEXT,)
    extensions = ("txt", "text")

    def read(self, path: Path, limits: Limits) -> ReadDocument:
        return parse_text(read_text(path, limits))


def read_text(path: Path, limits: Limits) -> str:
    """A textual file's content, decoded and within the length limit, or a ReadError."""
    text = decode(path.read_bytes(), path)
    if len(text) > limits.max_text_chars:
        raise ReadError(f"text too long ({len(text):,} characters)")
    if not text.strip():
        raise ReadError("the file contains no text")
    return text


def parse_text(text: str) -> ReadDocument:
    chunks = [c.strip("\n") for c in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    chunks = [c for c in chunks if c.strip()]
    blocks: list[Block] = []
    notes: list[FootnoteDraft] = []
    cited: set[str] = set()  # a note counts only once its marker has appeared above it
    for i, chunk in enumerate(chunks):
        note = _NOTE.match(chunk.strip())
        label = note.group(1).translate(_SUPERSCRIPT) if note else ""
        if note and label in cited and not _BULLET.match(chunk):
            notes.append(FootnoteDraft(label=label, text=clean_inline(note.group(2))))
            continue
        nxt = chunks[i + 1] if i + 1 < len(chunks) else ""
        new = _blocks_of(chunk, nxt, first=not blocks)
        blocks.extend(new)
        cited.update(ref for b in new for ref in b.footnote_refs)
    title = blocks[0].text if blocks and blocks[0].kind is BlockKind.HEADING else None
    return ReadDocument(blocks=blocks, footnotes=notes, title=title)


def _blocks_of(chunk: str, following: str, *, first: bool) -> list[Block]:
    lines = [ln for ln in chunk.split("\n") if ln.strip()]
    if len(lines) > 1 and all(_BULLET.match(ln) for ln in lines):
        return [_block(_BULLET.sub("", ln), BlockKind.LIST_ITEM) for ln in lines]
    if _BULLET.match(lines[0]) and lines[0].lstrip()[0] in "-*•":
        return [_block(_BULLET.sub("", " ".join(lines)), BlockKind.LIST_ITEM)]
    joined = " ".join(ln.strip() for ln in lines)
    if _is_heading(lines, joined, following, first=first):
        return [Block(text=clean_inline(joined), kind=BlockKind.HEADING, level=1)]
    return [_block(joined, BlockKind.PARAGRAPH)]


def _block(text: str, kind: BlockKind) -> Block:
    body, labels = split_markers(text)
    return Block(text=clean_inline(body), kind=kind, footnote_refs=labels)


def _is_heading(lines: list[str], joined: str, following: str, *, first: bool) -> bool:
    """A short, unpunctuated single line followed by a longer or punctuated paragraph reads
    as a heading; the document's first such line is its title whatever follows."""
    return (
        len(lines) == 1
        and len(joined) <= (150 if first else 90)
        and not _SENTENCE_END.search(joined)
        and joined[:1].isupper()
        and (first or len(following) > len(joined) or bool(_SENTENCE_END.search(following)))
    )

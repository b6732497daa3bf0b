"""Recognise a file's format from its bytes, not its name.

Names lie (a "report.pdf" that is really an HTML error page is common in scraped corpora),
so readers are chosen from what the content is; the extension only breaks ties between
textual formats that look alike (Markdown and plain text).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

HEAD_BYTES = 8192

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP = "application/zip"
OLE = "application/x-ole-storage"
HTML = "text/html"
MARKDOWN = "text/markdown"
TEXT = "text/plain"
BINARY = "application/octet-stream"
EMPTY = "inode/x-empty"

_HTML_START = re.compile(
    rb"^\s*(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title)\b",
    re.I | re.S,
)
_HTML_TAGS = re.compile(rb"<(p|div|h[1-6]|article|section|table)\b[^>]*>", re.I)
_MD_SIGNALS = re.compile(
    r"^(#{1,6} \S|\[\^[^\]]+\]:|```|[-*] \S.*\n[-*] \S|\d+\. \S.*\n\d+\. \S)", re.M
)


@dataclass(frozen=True)
class Sniffed:
    """What the bytes say: a MIME type, and the extension for tie-breaking."""

    mime: str
    extension: str
    head: bytes


def sniff(path: Path, suffix: str | None = None) -> Sniffed:
    """Read the head of ``path`` (a regular file) and name its format; ``suffix`` stands in
    for the path's own when the file is a stored copy named by its hash."""
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    ext = (path.suffix if suffix is None else suffix).lower().lstrip(".")
    return Sniffed(mime=_mime_of(path, head, ext), extension=ext, head=head)


def _mime_of(path: Path, head: bytes, ext: str) -> str:
    if not head:
        return EMPTY
    if head.lstrip()[:5] == b"%PDF-" or b"%PDF-" in head[:1024]:
        return PDF
    if head[:4] == b"PK\x03\x04":
        return _zip_kind(path, ext)
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return OLE
    if head[:3] == b"\xef\xbb\xbf":
        head = head[3:]
    if _looks_binary(head):
        return BINARY
    if _HTML_START.search(head) or (
        len(_HTML_TAGS.findall(head)) >= 3 and ext in {"html", "htm", "xhtml", ""}
    ):
        return HTML
    if ext in {"md", "markdown"}:
        return MARKDOWN
    text = head.decode("utf-8", errors="ignore")
    if len(_MD_SIGNALS.findall(text)) >= 2 and ext not in {"txt", "text"}:
        return MARKDOWN
    return TEXT


def _zip_kind(path: Path, ext: str) -> str:
    """A damaged archive named .docx goes to the DOCX reader, which can say what is wrong."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return DOCX if ext == "docx" else ZIP
    return DOCX if "word/document.xml" in names else ZIP


def _looks_binary(head: bytes) -> bool:
    """Text in UTF-16/32 carries NULs, so check for their byte-order marks first."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return False
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control > len(head) * 0.05

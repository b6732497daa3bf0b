"""Which reader handles which file: built-in readers plus any installed as plug-ins.

A plug-in package adds a reader by declaring an entry point in the ``evidencia.readers``
group that points at a :class:`~evidencia.ingest.readers.base.Reader` subclass.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from evidencia.ingest.readers.base import Reader
from evidencia.ingest.readers.docx import DocxReader
from evidencia.ingest.readers.html import HtmlReader
from evidencia.ingest.readers.markdown import MarkdownReader
from evidencia.ingest.readers.pdf import PdfReader
from evidencia.ingest.readers.text import TextReader
from evidencia.ingest.sniff import BINARY, EMPTY, OLE, ZIP, Sniffed
from evidencia.model import ReadError

BUILTIN_READERS: tuple[type[Reader], ...] = (
    PdfReader,
    DocxReader,
    HtmlReader,
    MarkdownReader,
    TextReader,
)

_UNSUPPORTED = {
    EMPTY: "the file is empty",
    BINARY: "unrecognised binary content (not PDF, DOCX, HTML, Markdown or text)",
    ZIP: "a ZIP archive that is not a DOCX document (archives are not unpacked)",
    OLE: "a legacy .doc or a password-protected Word file: save it as DOCX or PDF",
}


@cache
def readers() -> tuple[type[Reader], ...]:
    plugins = tuple(ep.load() for ep in entry_points(group="evidencia.readers"))
    return BUILTIN_READERS + plugins


def choose(sniffed: Sniffed) -> type[Reader]:
    """The best-scoring reader for the sniffed file, or a ReadError saying why there is none."""
    if sniffed.mime in _UNSUPPORTED:
        raise ReadError(_UNSUPPORTED[sniffed.mime])
    scored = [(cls.score(sniffed), cls) for cls in readers()]
    score, best = max(scored, key=lambda pair: pair[0])
    if score <= 0:
        raise ReadError(f"no reader for content of type {sniffed.mime}")
    return best

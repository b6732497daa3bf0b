"""Render a :class:`~evidencia.model.ReadDocument` to a file: PDF, DOCX or HTML.

Used to draft documents, to build the demo corpus, and by the tests to turn real text into
every format the readers must handle (so each reader is exercised on the same content).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from evidencia.model import ReadDocument

Renderer = Callable[[ReadDocument, Path], None]

#: format name -> "module:function"; resolved lazily so a missing optional backend only
#: fails when that format is asked for.
RENDERERS: dict[str, str] = {
    "pdf": "evidencia.render.pdf:render_pdf",
    "docx": "evidencia.render.docx:render_docx",
    "html": "evidencia.render.html:render_html",
}


def renderer(fmt: str) -> Renderer:
    """The render function for ``fmt`` ("pdf", "docx", "html")."""
    try:
        target = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(RENDERERS)}") from None
    module, _, func = target.partition(":")
    fn: Renderer = getattr(importlib.import_module(module), func)
    return fn


def render(doc: ReadDocument, fmt: str, path: Path) -> Path:
    """Write ``doc`` to ``path`` in ``fmt`` and return the path."""
    renderer(fmt)(doc, path)
    return path

"""Render a :class:`~evidencia.model.ReadDocument` as a standalone HTML5 page.

The page deliberately carries site boilerplate (navigation, footer) around a
``<main><article>``, like the NGO and news pages the HTML reader meets in the wild, so tests
check that the reader finds the main content rather than reading the whole page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape
from itertools import groupby
from pathlib import Path

from evidencia.model import Block, BlockKind, FootnoteDraft, ReadDocument

_STYLE = (
    "body{font-family:sans-serif;max-width:46rem;margin:auto;padding:1rem;line-height:1.5}"
    "blockquote{border-left:3px solid #999;margin-left:0;padding-left:1rem}"
    ".footnotes{font-size:.9em;border-top:1px solid #ccc}"
    ".footnotes li.custom-label{list-style:none}"
)

_NAV = (
    '<header><nav aria-label="Site">'
    '<ul><li><a href="/">Home</a></li><li><a href="/publications/">Publications</a></li>'
    '<li><a href="/about/">About us</a></li><li><a href="/contact/">Contact</a></li></ul>'
    "</nav></header>"
)

_FOOTER = (
    "<footer><p>Published by the network. Reproduction permitted with attribution.</p>"
    '<p><a href="/privacy/">Privacy</a> · <a href="/newsletter/">Newsletter</a></p></footer>'
)

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def render_html(doc: ReadDocument, path: Path) -> None:
    """Write ``doc`` to ``path`` as UTF-8 HTML."""
    path.write_text(_page(doc), encoding="utf-8")


def _page(doc: ReadDocument) -> str:
    language = doc.metadata.get("language")
    lang_attr = f' lang="{escape(language)}"' if language else ""
    head = ['<meta charset="utf-8">', f"<title>{escape(doc.title or '')}</title>"]
    head.append('<meta name="viewport" content="width=device-width, initial-scale=1">')
    # The names news and NGO sites use, so the HTML reader finds them as it would in the wild.
    for key, attribute in (
        ("author", 'name="author"'),
        ("date", 'property="article:published_time"'),
    ):
        if doc.metadata.get(key):
            head.append(f'<meta {attribute} content="{escape(doc.metadata[key])}">')
    head.append(f"<style>{_STYLE}</style>")

    article = [f"<h1>{escape(doc.title)}</h1>"] if doc.title else []
    article.extend(_body(doc.blocks))
    if doc.footnotes:
        article.append(_footnotes(doc.footnotes))
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f"<html{lang_attr}>",
            "<head>",
            *head,
            "</head>",
            "<body>",
            _NAV,
            "<main><article>",
            *article,
            "</article></main>",
            _FOOTER,
            "</body>",
            "</html>",
            "",
        ]
    )


def _slug(label: str) -> str:
    """Labels go into ids and fragments; anything but [A-Za-z0-9_-] becomes its code point."""
    return _ID_UNSAFE.sub(lambda m: f"u{ord(m.group()):x}", label)


def _body(blocks: list[Block]) -> Iterator[str]:
    """Block elements in order; runs of list items and of table rows are grouped."""
    seen: dict[str, int] = {}
    for kind, group in groupby(blocks, key=lambda b: b.kind):
        run = list(group)
        if kind is BlockKind.LIST_ITEM:
            items = "".join(f"<li>{_inline(b, seen)}</li>" for b in run)
            yield f"<ul>{items}</ul>"
        elif kind is BlockKind.TABLE:
            yield f"<table>{''.join(_row(b, seen) for b in run)}</table>"
        else:
            for block in run:
                yield _element(block, seen)


def _element(block: Block, seen: dict[str, int]) -> str:
    content = _inline(block, seen)
    if block.kind is BlockKind.HEADING:
        tag = f"h{min(max(block.level, 1) + 1, 6)}"
        return f"<{tag}>{content}</{tag}>"
    if block.kind is BlockKind.QUOTE:
        return f"<blockquote><p>{content}</p></blockquote>"
    return f"<p>{content}</p>"


def _row(block: Block, seen: dict[str, int]) -> str:
    """A TABLE block is one row whose cells readers joined with " | "."""
    cells = [escape(cell) for cell in block.text.split(" | ")]
    cells[-1] += _markers(block.footnote_refs, seen)
    return f"<tr>{''.join(f'<td>{cell}</td>' for cell in cells)}</tr>"


def _inline(block: Block, seen: dict[str, int]) -> str:
    return escape(block.text) + _markers(block.footnote_refs, seen)


def _markers(labels: list[str], seen: dict[str, int]) -> str:
    """Superscript links to the notes; a note cited again gets ``fnref-<label>-<n>``."""
    out = []
    for label in labels:
        slug = _slug(label)
        seen[slug] = seen.get(slug, 0) + 1
        ref_id = f"fnref-{slug}" if seen[slug] == 1 else f"fnref-{slug}-{seen[slug]}"
        out.append(
            f'<sup><a href="#fn-{slug}" id="{ref_id}" role="doc-noteref">{escape(label)}</a></sup>'
        )
    return "".join(out)


def _footnotes(footnotes: list[FootnoteDraft]) -> str:
    """Numeric labels go in ``value`` (the list shows them); others are printed in the item."""
    items = []
    for fn in footnotes:
        slug = _slug(fn.label)
        backlink = f' <a href="#fnref-{slug}" role="doc-backlink" aria-label="Back">↩</a>'
        if fn.label.isascii() and fn.label.isdigit():
            opening = f'<li id="fn-{slug}" value="{int(fn.label)}">'
        else:
            opening = (
                f'<li id="fn-{slug}" class="custom-label">'
                f'<span class="footnote-label">{escape(fn.label)}</span> '
            )
        items.append(f"{opening}{escape(fn.text)}{backlink}</li>")
    return f'<section class="footnotes" role="doc-endnotes"><ol>{"".join(items)}</ol></section>'

"""HTML: the main text of a page, its headings and its footnotes; never its scripts.

lxml's HTML parser neither fetches anything nor expands entity declarations, so a hostile
page cannot make the reader read other files. Boilerplate (navigation, cookie banners,
"related articles") is dropped so passages hold the article, not the site around it.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree, html

from evidencia.ingest.limits import Limits
from evidencia.ingest.readers.base import Reader
from evidencia.ingest.readers.text import decode
from evidencia.ingest.sniff import HTML
from evidencia.model import Block, BlockKind, FootnoteDraft, ReadDocument, ReadError

_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "canvas",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "select",
    "menu",
    "dialog",
)
_BOILERPLATE = re.compile(
    r"\b(cookie|consent|banner|menu|navbar|breadcrumb|share|social|related|comment|advert|"
    r"newsletter|subscribe|sidebar|popup|promo)",
    re.I,
)
_NOTE_ID = re.compile(r"^(?:fn|footnote|note|endnote)[-_:]?(\w+)$", re.I)
_REF_HREF = re.compile(r"^#(?:fn|footnote|note|endnote)[-_:]?(\w+)$", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_BLOCK_TAGS = {"p", "li", "blockquote", "pre", "dd", "dt", "figcaption", "tr"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


class HtmlReader(Reader):
    name = "html"
    mime_types = (HTML,)
    extensions = ("html", "htm", "xhtml")

    def read(self, path: Path, limits: Limits) -> ReadDocument:
        text = decode(path.read_bytes(), path)
        if len(text) > limits.max_text_chars:
            raise ReadError(f"page too long ({len(text):,} characters)")
        return parse_html(text)


def parse_html(markup: str) -> ReadDocument:
    parser = html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    markup = _XML_DECLARATION.sub("", markup, count=1)  # already decoded: lxml refuses it
    try:
        root = html.document_fromstring(markup, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ReadError(f"not readable as HTML: {exc}") from exc
    if any("Excessive depth" in entry.message for entry in parser.error_log):
        # libxml2 stops at 256 levels and keeps only what came before: refuse, don't truncate
        raise ReadError("the page is nested too deeply to read safely (over 256 levels)")
    meta = _metadata(root)
    notes = _footnotes(root)
    main = _main_element(root)
    blocks = _blocks(main)
    if not blocks:
        raise ReadError("the page has no readable text")
    title = meta.pop("title", None) or next(
        (b.text for b in blocks if b.kind is BlockKind.HEADING), None
    )
    return ReadDocument(blocks=blocks, footnotes=notes, title=title, metadata=meta)


def _metadata(root: html.HtmlElement) -> dict[str, str]:
    meta: dict[str, str] = {}
    lang = root.get("lang") or root.get("xml:lang")
    if lang:
        meta["language"] = lang.split("-")[0].lower()
    for key, xpath in (
        ("title", "//meta[@property='og:title']/@content"),
        ("title", "//title/text()"),
        ("date", "//meta[@property='article:published_time']/@content"),
        ("date", "//time/@datetime"),
        ("author", "//meta[@name='author']/@content"),
    ):
        found = root.xpath(xpath)
        if found and key not in meta and str(found[0]).strip():
            meta[key] = str(found[0]).strip()
    return meta


def _footnotes(root: html.HtmlElement) -> list[FootnoteDraft]:
    """Notes are list items or blocks whose id names them (fn-3, footnote3, note_3)."""
    notes: list[FootnoteDraft] = []
    for el in root.xpath("//*[@id]"):
        m = _NOTE_ID.match(el.get("id", ""))
        if not m or el.tag not in ("li", "p", "div", "aside", "section"):
            continue
        for backref in el.xpath(".//a[starts-with(@href, '#fnref') or @role='doc-backlink']"):
            backref.drop_tree()
        text = _clean(el.text_content())
        if text:
            notes.append(FootnoteDraft(label=m.group(1), text=text))
        el.drop_tree()
    for section in root.xpath("//section[contains(@class, 'footnotes')]|//*[@role='doc-endnotes']"):
        section.drop_tree()
    return notes


def _main_element(root: html.HtmlElement) -> html.HtmlElement:
    for el in list(root.iter(*_DROP_TAGS)):
        el.drop_tree()
    for el in root.xpath("//*[@class or @id]"):
        if el.tag not in ("html", "body", "main", "article") and _BOILERPLATE.search(
            f"{el.get('class', '')} {el.get('id', '')}"
        ):
            el.drop_tree()
    for xpath in ("//main", "//*[@role='main']", "//article"):
        found = root.xpath(xpath)
        if found:
            return max(found, key=lambda e: len(e.text_content()))
    body = root.find("body")
    return body if body is not None else root


def _blocks(main: html.HtmlElement) -> list[Block]:
    blocks: list[Block] = []
    for el in list(main.iter()):
        if not isinstance(el.tag, str):
            continue
        if el.tag in _HEADINGS:
            kind, level = BlockKind.HEADING, _HEADINGS[el.tag]
        elif el.tag in _BLOCK_TAGS and not _has_block_child(el):
            kind, level = _kind_of(el), 0
        elif el.tag == "div" and not _has_block_child(el) and (el.text or "").strip():
            kind, level = BlockKind.PARAGRAPH, 0
        else:
            continue
        refs = _take_refs(el)
        text = _clean(
            el.text_content()
            if el.tag != "tr"
            else " | ".join(_clean(c.text_content()) for c in el if isinstance(c.tag, str))
        )
        if text:
            blocks.append(Block(text=text, kind=kind, level=level, footnote_refs=refs))
    return blocks


def _kind_of(el: html.HtmlElement) -> BlockKind:
    if el.tag == "li":
        return BlockKind.LIST_ITEM
    if el.tag == "tr":
        return BlockKind.TABLE
    if el.tag == "blockquote" or any(a.tag == "blockquote" for a in el.iterancestors()):
        return BlockKind.QUOTE
    return BlockKind.PARAGRAPH


def _has_block_child(el: html.HtmlElement) -> bool:
    return any(
        isinstance(d.tag, str) and (d.tag in _BLOCK_TAGS or d.tag in _HEADINGS)
        for d in el.iterdescendants()
    )


def _take_refs(el: html.HtmlElement) -> list[str]:
    """Footnote markers (links to #fn…) leave the text and become labels."""
    refs: list[str] = []
    for a in el.xpath(".//a[@href]"):
        m = _REF_HREF.match(a.get("href", ""))
        if m:
            refs.append(m.group(1))
            holder = (
                a.getparent() if a.getparent() is not None and a.getparent().tag == "sup" else a
            )
            holder.drop_tree()
    return refs


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()

"""Markdown via markdown-it (CommonMark, tables, footnotes): the briefings' native format."""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from evidencia.ingest.limits import Limits
from evidencia.ingest.readers.base import Reader
from evidencia.ingest.readers.text import read_text
from evidencia.ingest.sniff import MARKDOWN
from evidencia.model import Block, BlockKind, FootnoteDraft, ReadDocument, ReadError

MAX_NESTING = 40
_PARSER = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING}).enable("table")
_PARSER.use(footnote_plugin).use(front_matter_plugin)
_tokenize = _PARSER.block.tokenize


def _refuse_deep_nesting(state: StateBlock, start: int, end: int) -> None:
    """markdown-it silently drops everything below its nesting limit; refuse instead."""
    if state.level >= MAX_NESTING and state.skipEmptyLines(start) < end:
        raise ReadError(f"the text is nested too deeply to read safely (over {MAX_NESTING} levels)")
    _tokenize(state, start, end)


_PARSER.block.tokenize = _refuse_deep_nesting  # type: ignore[method-assign,assignment]


class MarkdownReader(Reader):
    name = "markdown"
    mime_types = (MARKDOWN,)
    extensions = ("md", "markdown")

    def read(self, path: Path, limits: Limits) -> ReadDocument:
        return parse_markdown(read_text(path, limits))


def parse_markdown(text: str) -> ReadDocument:
    tokens = _PARSER.parse(text)
    blocks: list[Block] = []
    notes: list[FootnoteDraft] = []
    containers: list[str] = []  # open list/quote/footnote containers, innermost last
    note_label: str | None = None
    note_parts: list[str] = []
    row: list[str] = []
    title: str | None = None
    for i, tok in enumerate(tokens):
        kind = tok.type
        if kind in ("bullet_list_open", "ordered_list_open", "blockquote_open"):
            containers.append(kind)
        elif kind in ("bullet_list_close", "ordered_list_close", "blockquote_close"):
            containers.pop()
        elif kind == "footnote_open":
            note_label, note_parts = str(tok.meta["id"] + 1), []
        elif kind == "footnote_close" and note_label is not None:
            notes.append(FootnoteDraft(label=note_label, text=" ".join(note_parts)))
            note_label = None
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row:
            blocks.append(Block(text=" | ".join(row), kind=BlockKind.TABLE))
        elif kind != "inline":
            continue
        else:
            content, refs = _inline_text(tok)
            opener = tokens[i - 1]
            if note_label is not None:
                note_parts.append(content)
            elif opener.type in ("th_open", "td_open"):
                row.append(content)
            elif not content:
                continue
            elif opener.type == "heading_open":
                level = int(opener.tag[1])
                title = title or (content if level == 1 else None)
                blocks.append(Block(content, BlockKind.HEADING, level=level, footnote_refs=refs))
            else:
                blocks.append(Block(content, _container_kind(containers), footnote_refs=refs))
    return ReadDocument(blocks=blocks, footnotes=notes, title=title)


def _container_kind(containers: list[str]) -> BlockKind:
    if not containers:
        return BlockKind.PARAGRAPH
    return BlockKind.QUOTE if containers[-1] == "blockquote_open" else BlockKind.LIST_ITEM


def _inline_text(tok: Token) -> tuple[str, list[str]]:
    """Plain text of an inline token; footnote references come back as their printed numbers."""
    parts: list[str] = []
    refs: list[str] = []
    for child in tok.children or []:
        if child.type == "footnote_ref":
            refs.append(str(child.meta["id"] + 1))
        elif child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return re.sub(r"\s+", " ", "".join(parts)).strip(), refs

"""The shapes that flow between stages.

Readers turn a file into a :class:`ReadDocument` (blocks in reading order plus footnotes);
``ingest.passages`` turns blocks into :class:`PassageDraft` objects that the store persists.
Keeping these plain dataclasses (picklable, no database types) lets readers run in worker
processes and lets a distributed executor ship them between machines later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class AccessLevel(StrEnum):
    """Who may see a document: the order matters, higher is more restricted."""

    PUBLIC = "public"
    NETWORK = "network"
    RESTRICTED = "restricted"


class DocumentType(StrEnum):
    REPORT = "report"
    LEGISLATION = "legislation"
    NEWS = "news"
    TESTIMONY = "testimony"
    SUBMISSION = "submission"
    BRIEFING = "briefing"
    STRATEGY = "strategy"
    CASE_LAW = "case_law"
    OTHER = "other"


class BlockKind(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    QUOTE = "quote"
    TABLE = "table"


@dataclass
class Block:
    """One paragraph-sized unit of a document as a reader sees it.

    ``page`` is 1-based; formats without pages (HTML, Markdown, text, DOCX) use ``None``.
    ``footnote_refs`` holds the labels of the footnote markers found in the block, in order;
    the marker characters themselves are removed from ``text`` by the reader.
    """

    text: str
    kind: BlockKind = BlockKind.PARAGRAPH
    page: int | None = None
    level: int = 0
    footnote_refs: list[str] = field(default_factory=list)


@dataclass
class FootnoteDraft:
    """A footnote or endnote: its label as printed ("11", "a", "*") and its text."""

    label: str
    text: str
    page: int | None = None


@dataclass
class ReadDocument:
    """What a reader returns: everything later stages need, nothing format-specific."""

    blocks: list[Block]
    footnotes: list[FootnoteDraft] = field(default_factory=list)
    title: str | None = None
    page_count: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class PassageDraft:
    """A passage ready to store: paragraph-sized, on one page, with its heading path."""

    order: int
    text: str
    page: int | None
    heading_path: list[str]
    char_start: int
    char_end: int
    footnote_refs: list[str] = field(default_factory=list)
    language: str | None = None


class ReadError(Exception):
    """A file cannot be read; the message is shown to users, so it says why in plain words."""

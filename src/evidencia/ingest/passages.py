"""Blocks become passages: paragraph-sized, never across pages, each with its heading path.

Passages are what search returns and what a footnote in a brief cites, so they follow the
author's paragraphs; only very long paragraphs are cut (at sentence ends) and runs of short
list items or table rows are kept together so they still make sense on their own.
"""

from __future__ import annotations

import re

from evidencia.model import Block, BlockKind, PassageDraft

MAX_CHARS = 1500
TARGET_CHARS = 900
GROUP_CHARS = 600
SEPARATOR = "\n\n"
_SENTENCE = re.compile(r"(?<=[.!?;。])\s+(?=[\"“«(]?[A-ZÀ-ÖØ-ÞΑ-ΩА-Я0-9])")
_GROUPABLE = (BlockKind.LIST_ITEM, BlockKind.TABLE)


def make_passages(blocks: list[Block]) -> list[PassageDraft]:
    headings: list[tuple[int, str]] = []
    units: list[tuple[str, int | None, list[str], list[str], BlockKind]] = []
    for block in blocks:
        if block.kind is BlockKind.HEADING:
            level = max(block.level, 1)
            headings = [h for h in headings if h[0] < level] + [(level, block.text)]
            continue
        path = [text for _, text in headings]
        last = units[-1] if units else None
        if (
            last is not None
            and block.kind in _GROUPABLE
            and last[4] is block.kind
            and last[1] == block.page
            and last[2] == path
            and len(last[0]) + len(block.text) < GROUP_CHARS
        ):
            merged = last[0] + "\n" + block.text
            units[-1] = (merged, last[1], path, last[3] + block.footnote_refs, block.kind)
            continue
        pieces = split_long(block.text)
        for i, piece in enumerate(pieces):
            # marker positions are not kept, so a cut block's notes go with its last piece
            refs = list(block.footnote_refs) if i == len(pieces) - 1 else []
            units.append((piece, block.page, path, refs, block.kind))

    passages: list[PassageDraft] = []
    offset = 0
    for order, (text, page, path, refs, _kind) in enumerate(units):
        passages.append(
            PassageDraft(
                order=order,
                text=text,
                page=page,
                heading_path=path,
                char_start=offset,
                char_end=offset + len(text),
                footnote_refs=refs,
            )
        )
        offset += len(text) + len(SEPARATOR)
    return passages


def split_long(text: str) -> list[str]:
    """Cut text longer than MAX_CHARS into pieces of about TARGET_CHARS at sentence ends."""
    if len(text) <= MAX_CHARS:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE.split(text):
        if current and len(current) + len(sentence) > TARGET_CHARS:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
        while len(current) > MAX_CHARS:
            cut = current.rfind(" ", 0, TARGET_CHARS)
            cut = cut if cut > 0 else TARGET_CHARS
            pieces.append(current[:cut])
            current = current[cut:].lstrip()
    if current:
        pieces.append(current)
    return pieces


def document_text(passages: list[PassageDraft]) -> str:
    """The text the passages' character offsets point into."""
    return SEPARATOR.join(p.text for p in passages)

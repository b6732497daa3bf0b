"""Turning ranked passage ids into hits people can cite: document, page, headings,
snippet, footnotes, countries and instruments; identical copies shown once.

Every search mode ranks ids its own way and hands them here, so a hit looks the same
whether words or meaning found it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from evidencia.search.query import words_of
from evidencia.store.schema import Annotation, Document, Passage

MARK_START, MARK_END = "<mark>", "</mark>"
SNIPPET_CHARS = 220


@dataclass
class Hit:
    """One passage found, with everything needed to cite it."""

    passage_id: int
    document_id: int
    title: str
    page: int | None
    heading_path: list[str]
    text: str
    snippet: str
    score: float
    language: str | None
    doc_type: str
    access: str
    footnotes: list[dict[str, str]] = field(default_factory=list)
    also_in: list[int] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    instruments: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Ranked:
    """A passage id as a search mode ranked it; ``snippet`` when the mode made one."""

    passage_id: int
    score: float
    snippet: str | None = None


#: how much of a ranking, per hit shown, is read to build the hits
HEAD = 4


def build(session: Session, ranked: list[Ranked], query: str, limit: int) -> list[Hit]:
    """Hits for ``ranked`` in its order, copies collapsed, at most ``limit``.

    Only the head of the ranking is read: four times what is shown leaves room for copies
    to collapse, and the rest would cost reading and comparing texts no one sees.
    """
    ranked = ranked[: limit * HEAD]
    if not ranked:
        return []
    rows = {
        row.id: row
        for row in session.execute(
            select(
                Passage.id,
                Passage.document_id,
                Document.title,
                Passage.page,
                Passage.heading_path,
                Passage.text,
                Passage.language,
                Document.doc_type,
                Document.access,
            )
            .join(Document, Document.id == Passage.document_id)
            .where(Passage.id.in_([r.passage_id for r in ranked]))
        )
    }
    hits = [
        Hit(
            passage_id=row.id,
            document_id=row.document_id,
            title=row.title,
            page=row.page,
            heading_path=list(row.heading_path or []),
            text=row.text,
            snippet=r.snippet or "",
            score=round(r.score, 4),
            language=row.language,
            doc_type=row.doc_type,
            access=row.access,
        )
        for r in ranked
        if (row := rows.get(r.passage_id)) is not None
    ]
    hits = collapse_copies(hits)[:limit]
    for hit in hits:  # only for the hits shown: a snippet costs more than the search
        hit.snippet = hit.snippet or highlight(hit.text, query)
    _attach_footnotes(session, hits)
    _attach_annotations(session, hits)
    return hits


def highlight(passage: str, query: str) -> str:
    """A snippet for a passage found by meaning: the window with most query words, marked
    (there may be none: a French query can find an English passage)."""
    wanted = {w.lower().rstrip("*") for w in words_of(query) if len(w) > 2}
    tokens = list(re.finditer(r"\w+", passage))
    hits = [t.group().lower() in wanted for t in tokens]
    best, best_count, count, right = 0, 0, 0, 0
    for left, token in enumerate(tokens):  # a sliding window of SNIPPET_CHARS characters
        while right < len(tokens) and tokens[right].end() - token.start() <= SNIPPET_CHARS:
            count += hits[right]
            right += 1
        if count > best_count:
            best, best_count = left, count
        count -= hits[left] if left < right else 0
    start = 0
    if best_count:  # open a little before the first word found, at a word's start
        lead = tokens[best].start() - 40
        start = next(t.start() for t in tokens if t.start() >= lead) if lead > 0 else 0
    piece = passage[start : start + SNIPPET_CHARS]
    marked = re.sub(
        r"\w+",
        lambda m: (
            f"{MARK_START}{m.group()}{MARK_END}" if m.group().lower() in wanted else m.group()
        ),
        piece,
    )
    return ("…" if start else "") + marked + ("…" if start + SNIPPET_CHARS < len(passage) else "")


def collapse_copies(hits: list[Hit]) -> list[Hit]:
    """The same passage in several versions of a document is shown once, at its best rank;
    the copy that can be cited to a page is preferred, and the others are listed."""
    first: dict[str, int] = {}
    unique: list[Hit] = []
    for hit in hits:
        key = normalise(hit.text)
        if key not in first:
            first[key] = len(unique)
            unique.append(hit)
            continue
        kept = unique[first[key]]
        if kept.page is None and hit.page is not None:
            hit.also_in, kept.also_in = [*kept.also_in, kept.document_id], []
            unique[first[key]] = hit
        else:
            kept.also_in.append(hit.document_id)
    return unique


def normalise(value: str) -> str:
    return " ".join(re.findall(r"\w+", value.lower()))


def _attach_footnotes(session: Session, hits: list[Hit]) -> None:
    if not hits:
        return
    by_id = {h.passage_id: h for h in hits}
    ids = ", ".join(str(i) for i in by_id)
    rows = session.execute(
        text(
            "SELECT pf.passage_id, f.label, f.text FROM passage_footnote pf "
            f"JOIN footnote f ON f.id = pf.footnote_id WHERE pf.passage_id IN ({ids}) "
            "ORDER BY f.id"
        )
    )
    for passage_id, label, note in rows:
        by_id[passage_id].footnotes.append({"label": label, "text": note})


#: which annotations a hit lists, by field: (enricher, kind or None for all kinds)
_HIT_ANNOTATIONS = {
    "countries": ("countries", "country"),
    "themes": ("themes", "theme"),
    "instruments": ("instruments", None),
}


def _attach_annotations(session: Session, hits: list[Hit]) -> None:
    """Countries, themes and instruments of each hit, so results can be read and grouped
    without opening the passage."""
    if not hits:
        return
    by_id = {h.passage_id: h for h in hits}
    rows = session.execute(
        select(Annotation.passage_id, Annotation.enricher, Annotation.kind, Annotation.key)
        .where(Annotation.passage_id.in_(by_id))
        .order_by(Annotation.passage_id, Annotation.start)
    )
    for passage_id, enricher, kind, key in rows:
        for name, (wanted, wanted_kind) in _HIT_ANNOTATIONS.items():
            if passage_id is not None and enricher == wanted and wanted_kind in (None, kind):
                values: list[str] = getattr(by_id[passage_id], name)
                if key not in values:
                    values.append(key)


@dataclass
class DocumentGroup:
    """A document's hits together, ranked by its best hit: "which reports say this?"."""

    document_id: int
    title: str
    hits: list[Hit]

    def as_json(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "title": self.title,
            "hits": [h.as_json() for h in self.hits],
        }


def group_by_document(hits: list[Hit]) -> list[DocumentGroup]:
    """Hits grouped under their documents, documents in the order of their best hit."""
    groups: dict[int, DocumentGroup] = {}
    for hit in hits:
        group = groups.setdefault(hit.document_id, DocumentGroup(hit.document_id, hit.title, []))
        group.hits.append(hit)
    return list(groups.values())

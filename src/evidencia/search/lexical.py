"""Lexical search over the SQLite FTS5 index, with snippets and citations.

Ranking is BM25 (title-less: passages are ranked on their own text, with the heading path as
a weaker second field); passages that contain the whole query as a phrase come first, which
is what people mean when they type a policy's name.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import ColumnClause, Select, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from evidencia.search.query import phrase_of, to_fts
from evidencia.search.scope import ALL_LEVELS, Filters, Viewer, facet_counts, passage_scope
from evidencia.store.schema import Annotation, Document, Passage

MARK_START, MARK_END = "<mark>", "</mark>"
NO_FILTERS = Filters()
EVERYONE = Viewer(ALL_LEVELS)


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


_FTS: ColumnClause[Any] = literal_column("passage_fts")


def search(
    session: Session,
    query: str,
    *,
    limit: int = 10,
    filters: Filters = NO_FILTERS,
    viewer: Viewer = EVERYONE,
) -> list[Hit]:
    """Passages matching ``query`` that ``viewer`` may see and that pass ``filters``."""
    rank = func.bm25(_FTS, 1.0, 0.3).label("rank")  # lower is better
    snippet = func.snippet(_FTS, 0, MARK_START, MARK_END, "…", 28).label("snippet")
    statement = (
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
            snippet,
            rank,
        )
        .select_from(table("passage_fts", column("rowid")))
        .join(Passage, Passage.id == literal_column("passage_fts.rowid"))
        .join(Document, Document.id == Passage.document_id)
        .where(_FTS.op("MATCH")(to_fts(query)))
        .where(Passage.id.in_(passage_scope(filters, viewer)))
        .order_by(rank)
        .limit(max(limit * 5, 50))
    )
    rows = session.execute(statement).all()
    phrase = phrase_of(query)
    hits = [
        Hit(
            passage_id=row.id,
            document_id=row.document_id,
            title=row.title,
            page=row.page,
            heading_path=list(row.heading_path or []),
            text=row.text,
            snippet=row.snippet,
            score=round(-float(row.rank), 4),
            language=row.language,
            doc_type=row.doc_type,
            access=row.access,
        )
        for row in rows
    ]
    if phrase:
        hits.sort(key=lambda h: (phrase not in _normalise(h.text), -h.score))
    hits = _collapse_copies(hits)[:limit]
    _attach_footnotes(session, hits)
    _attach_annotations(session, hits)
    return hits


def matching(query: str, filters: Filters = NO_FILTERS, viewer: Viewer = EVERYONE) -> Select[Any]:
    """Ids of every passage matching ``query`` within the viewer's scope and the filters."""
    return (
        select(Passage.id)
        .select_from(table("passage_fts", column("rowid")))
        .join(Passage, Passage.id == literal_column("passage_fts.rowid"))
        .where(_FTS.op("MATCH")(to_fts(query)))
        .where(Passage.id.in_(passage_scope(filters, viewer)))
    )


def facets(
    session: Session, query: str, *, filters: Filters = NO_FILTERS, viewer: Viewer = EVERYONE
) -> dict[str, list[tuple[str, int]]]:
    """Facet counts over all passages matching ``query`` (not only the shown ones)."""
    return facet_counts(session, matching(query, filters, viewer))


def _collapse_copies(hits: list[Hit]) -> list[Hit]:
    """The same passage in several versions of a document is shown once, at its best rank;
    the copy that can be cited to a page is preferred, and the others are listed."""
    first: dict[str, int] = {}
    unique: list[Hit] = []
    for hit in hits:
        key = _normalise(hit.text)
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


def _normalise(value: str) -> str:
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

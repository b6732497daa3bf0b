"""Lexical search over the SQLite FTS5 index: the words people type, ranked by BM25.

Ranking is BM25 on the passage text, with the heading path as a weaker second field;
passages that contain the whole query as a phrase come first, which is what people mean
when they type a policy's name. ``loose`` matching (any of the words) serves hybrid search,
where a natural question should not need every one of its words in a passage.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnClause, Select, column, func, literal_column, select, table
from sqlalchemy.orm import Session

from evidencia.search.hits import MARK_END, MARK_START, Hit, Ranked, build, normalise
from evidencia.search.query import any_of, phrase_of, to_fts
from evidencia.search.scope import (
    EVERYONE,
    NO_FILTERS,
    Filters,
    Viewer,
    facet_counts,
    passage_scope,
)

_FTS: ColumnClause[Any] = literal_column("passage_fts")
_ROWID: ColumnClause[Any] = literal_column("passage_fts.rowid")


def _matching(fts_query: str, filters: Filters, viewer: Viewer) -> Select[Any]:
    return (
        select(_ROWID.label("id"))
        .select_from(table("passage_fts"))
        .where(_FTS.op("MATCH")(fts_query))
        .where(_ROWID.in_(passage_scope(filters, viewer)))
    )


def matching(query: str, filters: Filters = NO_FILTERS, viewer: Viewer = EVERYONE) -> Select[Any]:
    """Ids of every passage matching ``query`` within the viewer's scope and the filters."""
    return _matching(to_fts(query), filters, viewer)


def facets(
    session: Session, query: str, *, filters: Filters = NO_FILTERS, viewer: Viewer = EVERYONE
) -> dict[str, list[tuple[str, int]]]:
    """Facet counts over all passages matching ``query`` (not only the shown ones)."""
    return facet_counts(session, matching(query, filters, viewer))


def ranked(
    session: Session,
    query: str,
    *,
    pool: int,
    filters: Filters = NO_FILTERS,
    viewer: Viewer = EVERYONE,
    loose: bool = False,
) -> list[Ranked]:
    """The best ``pool`` matches, with FTS snippets; ``loose``: any word may match."""
    rank = func.bm25(_FTS, 1.0, 0.3).label("rank")  # lower is better
    snippet = func.snippet(_FTS, 0, MARK_START, MARK_END, "…", 28).label("snippet")
    inner = _matching(any_of(query) if loose else to_fts(query), filters, viewer)
    statement = inner.add_columns(snippet, rank, column("text")).order_by(rank).limit(pool)
    rows = list(session.execute(statement).all())
    phrase = phrase_of(query)
    if phrase:  # stable sort: phrase matches first, BM25 order within each group
        rows.sort(key=lambda row: phrase not in normalise(row.text))
    return [Ranked(row.id, -float(row.rank), row.snippet) for row in rows]


def search(
    session: Session,
    query: str,
    *,
    limit: int = 10,
    filters: Filters = NO_FILTERS,
    viewer: Viewer = EVERYONE,
) -> list[Hit]:
    """Passages matching ``query`` that ``viewer`` may see and that pass ``filters``."""
    found = ranked(session, query, pool=max(limit * 5, 50), filters=filters, viewer=viewer)
    return build(session, found, query, limit)

"""Lexical search over the SQLite FTS5 index: the words people type, ranked by BM25.

Ranking is BM25 on the passage text, with the heading path as a weaker second field;
passages that contain the whole query as a phrase come first, which is what people mean
when they type a policy's name. ``loose`` matching (any of the words) serves hybrid search,
where a natural question should not need every one of its words in a passage.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import ColumnClause, Select, column, func, literal_column, select, table
from sqlalchemy.orm import Session

from evidencia.search import word_index
from evidencia.search.hits import MARK_END, MARK_START, Hit, Ranked, build, normalise
from evidencia.search.query import any_of, phrase_of, plain_words, to_fts
from evidencia.search.scope import (
    EVERYONE,
    NO_FILTERS,
    Filters,
    Scope,
    Viewer,
    facet_counts,
    passage_scope,
)
from evidencia.store.db import Store
from evidencia.store.schema import Passage

#: candidates asked of the word index per wanted result when a scope must admit them
SCOPED_MARGIN = 8
#: a scope of at most this many passages is searched within its list of passages
NARROW_SCOPE = 20_000
#: the most candidates asked of the word index in one go
MAX_CANDIDATES = 20_000
#: matches that FTS5 ranks faster than the word index can be asked within a long list
FEW_MATCHES = 50_000

_FTS: ColumnClause[Any] = literal_column("passage_fts")
_ROWID: ColumnClause[Any] = literal_column("passage_fts.rowid")


def _matching(fts_query: str, filters: Filters, viewer: Viewer) -> Select[Any]:
    query = select(_ROWID.label("id")).select_from(table("passage_fts"))
    query = query.where(_FTS.op("MATCH")(fts_query))
    if filters == NO_FILTERS and viewer.sees_everything:
        return query
    # checked per match through primary keys; written as ``rowid IN (scope)`` instead,
    # SQLite runs the whole MATCH once per passage in scope (46 s at 30,000 passages)
    return query.where(passage_scope(filters, viewer).where(Passage.id == _ROWID).exists())


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


def ranked_by_index(
    store: Store, scope: Scope, query: str, *, pool: int, loose: bool = False
) -> list[Ranked] | None:
    """The best ``pool`` matches by the word index, or None where FTS5 must answer: the
    query is not plain words, the index is missing or out of date, or (see :func:`_within`)
    the scope holds few of the matches and FTS5 ranks those few faster."""
    words = plain_words(query, loose=loose)
    if not words or not word_index.is_current(store, scope.session):
        return None
    want = pool if scope.everything else pool * SCOPED_MARGIN
    found = word_index.search(store, words, every=not loose, limit=want).hits
    admitted = scope.admit(pid for pid, _ in found)
    kept = [(pid, score) for pid, score in found if pid in admitted][:pool]
    if len(kept) < min(pool, scope.shown) and len(found) == want:
        within = _within(store, scope, words, every=not loose, pool=pool)
        if within is None:
            return None
        kept = within
    phrase = phrase_of(query)
    if phrase:  # as in :func:`ranked`: passages with the whole phrase first
        rows = scope.session.execute(
            select(Passage.id, Passage.text).where(Passage.id.in_([pid for pid, _ in kept]))
        )
        texts = {int(pid): str(text) for pid, text in rows}
        kept.sort(key=lambda hit: phrase not in normalise(texts.get(hit[0], "")))
    return [Ranked(pid, score) for pid, score in kept]


def _within(
    store: Store, scope: Scope, words: list[str], *, every: bool, pool: int
) -> list[tuple[int, float]] | None:
    """The best matches inside a scope the first candidates mostly fell outside of, or None
    when FTS5 should rank them.

    A narrow scope is searched within its passages. A wide one (English passages, for a
    French query) is asked for candidates in proportion to its share of the store, then for
    the most the index gives at once; if still too few fall inside, FTS5 ranks the matches
    when they are few enough, else the best inside those candidates are kept: the matches
    left unseen rank below twenty thousand others.
    """
    listed = scope.listed()
    if len(listed.ids) <= NARROW_SCOPE:
        within = word_index.search(
            store, words, every=every, limit=pool, among=listed.array.tolist()
        )
        return [(pid, score) for pid, score in within.hits if pid in listed.ids]
    manifest = word_index.read_manifest(store)
    share = len(listed.ids) / max(manifest.count if manifest else 1, 1)
    kept: list[tuple[int, float]] = []
    for want in (min(MAX_CANDIDATES, math.ceil(pool * 2 / share)), MAX_CANDIDATES):
        found = word_index.search(store, words, every=every, limit=want, count=True)
        kept = [(pid, score) for pid, score in found.hits if pid in listed.ids][:pool]
        if len(kept) >= min(pool, scope.shown) or len(found.hits) < want:
            return kept
    return None if (found.total or 0) <= FEW_MATCHES else kept


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

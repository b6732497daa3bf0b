"""A search as the web asks it: query-string filters in, one page of cited hits out.

The search page and ``GET /api/v1/search`` take the same parameters and call :func:`run`,
so a bookmarked page and a script see the same results. The search core has no offset:
a page is the first ``offset + limit`` hits with the first ``offset`` left out, which is
cheap at the depths people read (``MAX_DEPTH``).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evidencia.access import Viewer
from evidencia.search import lexical
from evidencia.search.hits import Hit
from evidencia.search.modes import Request, Searcher
from evidencia.search.query import QueryError
from evidencia.search.scope import Filters, facet_counts, passage_scope
from evidencia.store.embeddings import models
from evidencia.store.generations import generations
from evidencia.web import corpus
from evidencia.web.models import FacetValue, HitOut, SearchResult

#: the deepest hit a page may reach (offset + limit)
MAX_DEPTH = 500
MODES = ("hybrid", "lexical", "semantic")
#: searches that run at once in one process; the others wait their turn. A search holds up
#: to two database connections at a time (the semantic index checks its freshness on one of
#: its own) and the store's pool lends 15, so 50 searches at once all waited for a second
#: connection until the pool gave up (30 s, then an error). Six keep two each below 15 and
#: were as fast as any number under load on two cores (bench/web_load.py): a search is CPU
#: work, and more at once only share the same cores.
SEARCHES_AT_ONCE = 6
_searching = threading.BoundedSemaphore(SEARCHES_AT_ONCE)


@contextmanager
def search_slot() -> Iterator[None]:
    """Hold one of the :data:`SEARCHES_AT_ONCE` places while searching."""
    with _searching:
        yield


class SearchInputError(ValueError):
    """A search that cannot run as asked; the message says what to change."""


@dataclass(frozen=True)
class SearchParams:
    """The query-string parameters of a search, as given (repeatable ones as tuples)."""

    q: str = ""
    mode: str = "hybrid"
    country: tuple[str, ...] = ()
    theme: tuple[str, ...] = ()
    outcome: tuple[str, ...] = ()
    instrument: tuple[str, ...] = ()
    lang: tuple[str, ...] = ()
    type: tuple[str, ...] = ()
    org: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    limit: int = 10
    offset: int = 0

    def filters(self) -> Filters:
        return Filters(
            countries=tuple(c.strip().upper() for c in self.country if c.strip()),
            themes=_clean(self.theme),
            outcomes=_clean(self.outcome),
            instruments=_clean(self.instrument),
            languages=tuple(v.lower() for v in _clean(self.lang)),
            doc_types=_clean(self.type),
            organisations=_clean(self.org),
            since=self.since,
            until=self.until,
        )


def _clean(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.strip() for v in values if v.strip())


#: facet name in the search core -> query-string parameter that filters by it
FACET_PARAMS = {
    "countries": "country",
    "themes": "theme",
    "outcomes": "outcome",
    "instruments": "instrument",
    "languages": "lang",
    "doc_types": "type",
    "organisations": "org",
}


def run(searcher: Searcher, viewer: Viewer, params: SearchParams, *, facets: bool) -> SearchResult:
    """One page of hits for ``params`` as ``viewer`` may see them, with facet counts.

    A result is kept for the next identical request (the same viewer, parameters and facets)
    while nothing it depends on changes: the key holds every change counter of the store
    (passages, vectors, documents, shares, annotations), so an upload, an access change or
    a new tag makes older results unreachable at once. People repeat searches (back button,
    paging through facets, a shared link); the load test measures both ways.
    """
    keep = results_kept()
    if keep <= 0:
        with search_slot():
            return _run(searcher, viewer, params, facets=facets)
    with searcher.store.session() as session:
        key = (str(searcher.store.home.root), viewer, params, facets, generations(session))
    with _results_lock:
        epoch = _epoch[0]
        if key in _results:
            _results.move_to_end(key)
            return _results[key]
    with search_slot():
        result = _run(searcher, viewer, params, facets=facets)
    with _results_lock:
        if epoch == _epoch[0]:  # nothing was erased while this one ran
            _results[key] = result
            while len(_results) > keep:
                _results.popitem(last=False)
    return result


#: results kept per process; ``EVIDENCIA_RESULTS_KEPT=0`` turns keeping off
RESULTS_KEPT = 256
_results: OrderedDict[tuple[object, ...], SearchResult] = OrderedDict()
_results_lock = threading.Lock()
#: bumped by :func:`forget_results`: a result begun before is not kept when it ends
_epoch = [0]


def forget_results() -> None:
    """Drop every kept result (after an erasure: they hold snippets and titles, and a newer
    change counter only makes them unreachable, not gone)."""
    with _results_lock:
        _results.clear()
        _epoch[0] += 1


def results_kept() -> int:
    """How many results to keep, from the environment (read each time, so tests can set it)."""
    raw = os.environ.get("EVIDENCIA_RESULTS_KEPT", "")
    return int(raw) if raw.strip().isdigit() else RESULTS_KEPT


def _run(searcher: Searcher, viewer: Viewer, params: SearchParams, *, facets: bool) -> SearchResult:
    if params.mode not in MODES:
        raise SearchInputError(f"unknown mode {params.mode!r}: use one of {', '.join(MODES)}")
    if params.since and params.until and params.since > params.until:
        raise SearchInputError("'since' is after 'until': no document can match")
    if params.offset + params.limit > MAX_DEPTH:
        raise SearchInputError(f"offset + limit may not exceed {MAX_DEPTH}; narrow the search")
    filters = params.filters()
    query = params.q.strip()
    shown: dict[str, list[str] | str] = filters.as_json()
    if not query:
        return _browse(searcher, viewer, params, filters, shown, facets=facets)
    notices: list[str] = []
    try:
        found = searcher.search(
            Request(query, params.offset + params.limit + 1, filters, viewer), params.mode
        )
        with searcher.store.session() as session:
            total = _count(session, query, filters, viewer)
            counts = (
                lexical.facets(session, query, filters=filters, viewer=viewer) if facets else {}
            )
            if params.mode != "lexical" and not models(session):
                notices.append("no_vectors")
    except QueryError as exc:
        raise SearchInputError(str(exc)) from exc
    page = found[params.offset : params.offset + params.limit]
    more = len(found) > params.offset + params.limit
    return SearchResult(
        query=query,
        mode=params.mode,  # type: ignore[arg-type]  # checked against MODES above
        filters=shown,
        offset=params.offset,
        limit=params.limit,
        total=total,
        next_offset=params.offset + params.limit if more else None,
        hits=_scored(page, params, viewer),
        facets=_facets(counts) if facets else None,
        notices=notices,
    )


def _scored(page: list[Hit], params: SearchParams, viewer: Viewer) -> list[HitOut]:
    """The page's hits as shown. A BM25 score is computed with statistics of the whole
    store (how many passages hold each word, how long passages are), hidden passages
    included: shown to someone who may not see them all, it would tell whether some hidden
    passage holds a word (search it beside a passage of one's own that holds it, and read
    the score). They get the hit's place in the ranking instead (1, 1/2, 1/3...). Meaning
    (a cosine) and hybrid (fused from places) depend on nothing hidden."""
    hits = [HitOut.of(h) for h in page]
    if params.mode == "lexical" and not viewer.sees_everything:
        for place, hit in enumerate(hits, start=params.offset + 1):
            hit.score = round(1.0 / place, 4)
    return hits


def _count(session: Session, query: str, filters: Filters, viewer: Viewer) -> int:
    """Passages containing the query's words that the viewer may see (meaning has no
    count: every passage is more or less near any question)."""
    matching = lexical.matching(query, filters, viewer).subquery()
    return int(session.scalar(select(func.count()).select_from(matching)) or 0)


def _facets(counts: dict[str, list[tuple[str, int]]]) -> dict[str, list[FacetValue]]:
    return {
        name: [FacetValue(value=v, count=n) for v, n in values]
        for name, values in counts.items()
        if values
    }


def _browse(
    searcher: Searcher,
    viewer: Viewer,
    params: SearchParams,
    filters: Filters,
    shown: dict[str, list[str] | str],
    *,
    facets: bool,
) -> SearchResult:
    """No query: the passages in the filters, so facet and framework links lead somewhere.
    Without any filter there is nothing to list (the home page shows the corpus)."""
    if not shown:
        return SearchResult(
            query="",
            mode="browse",
            filters={},
            offset=params.offset,
            limit=params.limit,
            total=None,
            next_offset=None,
            hits=[],
            facets=None,
            notices=["empty_query"],
        )
    with searcher.store.session() as session:
        total, hits = corpus.browse(
            session, viewer, filters, limit=params.limit, offset=params.offset
        )
        counts = facet_counts(session, passage_scope(filters, viewer)) if facets else {}
    return SearchResult(
        query="",
        mode="browse",
        filters=shown,
        offset=params.offset,
        limit=params.limit,
        total=total,
        next_offset=(
            params.offset + params.limit if params.offset + params.limit < total else None
        ),
        hits=hits,
        facets=_facets(counts) if facets else None,
    )

"""Which passages a search may look at: what the viewer may see (the rule in
``evidencia.access``) and the user's filters, as one SQL subquery that every search mode and
every facet count is restricted by.

Access is enforced here, below ranking, snippets and counts, so that nothing a viewer may
not see can influence what they are shown. Within a filter the values are alternatives
("NL or BE"); different filters must all hold ("NL or BE, and about health").
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session

from evidencia.access import OWNER, Viewer, visible_documents
from evidencia.store.generations import generations
from evidencia.store.schema import Annotation, Document, Organisation, Passage

__all__ = [
    "ANNOTATION_FILTERS",
    "EVERYONE",
    "NO_FILTERS",
    "Filters",
    "Scope",
    "Viewer",
    "facet_counts",
    "forget_listed",
    "passage_scope",
]

EVERYONE = OWNER  # the search default: the local command line, which owns the data


#: filters answered by annotations: filter field -> (enricher, kind or None for any kind)
ANNOTATION_FILTERS: dict[str, tuple[str, str | None]] = {
    "countries": ("countries", "country"),
    "instruments": ("instruments", None),
    "themes": ("themes", "theme"),
    "outcomes": ("themes", "outcome"),
}


@dataclass(frozen=True)
class Filters:
    countries: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None

    def as_json(self) -> dict[str, Any]:
        """The filters that are set, as JSON-ready values."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value:
                out[f.name] = value.isoformat() if isinstance(value, date) else list(value)
        return out


NO_FILTERS = Filters()


def _language() -> Any:
    return func.coalesce(Passage.language, Document.language)


def passage_scope(filters: Filters, viewer: Viewer, *, listing: bool = False) -> Select[Any]:
    """The ids of the passages ``viewer`` may see that pass ``filters``.

    The same set either way; ``listing`` only words annotation filters so that SQLite starts
    from the annotations (the few passages about Spain) when the whole set is wanted, rather
    than from each passage in turn, which is right when a few candidates are checked.
    """
    query = (
        select(Passage.id)
        .join(Document, Document.id == Passage.document_id)
        .where(visible_documents(viewer))
    )
    if filters.languages:
        query = query.where(_language().in_(filters.languages))
    if filters.doc_types:
        query = query.where(Document.doc_type.in_(filters.doc_types))
    if filters.since:
        query = query.where(Document.published >= filters.since)
    if filters.until:
        query = query.where(Document.published <= filters.until)
    if filters.organisations:
        query = query.where(
            Document.organisation_id.in_(
                select(Organisation.id).where(Organisation.name.in_(filters.organisations))
            )
        )
    for name, (enricher, kind) in ANNOTATION_FILTERS.items():
        values = getattr(filters, name)
        if not values:
            continue
        condition = and_(Annotation.enricher == enricher, Annotation.key.in_(values))
        if kind is not None:
            condition = and_(condition, Annotation.kind == kind)
        if listing:  # from the annotation index to the passages
            query = query.where(Passage.id.in_(select(Annotation.passage_id).where(condition)))
        else:  # from each passage to its annotations
            query = query.where(exists().where(Annotation.passage_id == Passage.id, condition))
    return query


@dataclass(frozen=True)
class Listed:
    """The passages of one scope: as a set for membership, as a sorted array for NumPy."""

    ids: frozenset[int]
    array: NDArray[np.int64]


#: scopes listed lately, kept per process and keyed by every change counter (most recent last)
_listed: OrderedDict[tuple[Any, ...], Listed] = OrderedDict()
_listed_lock = threading.Lock()
LISTED_KEEP = 8
#: bumped by :func:`forget_listed`: a listing begun before is not kept when it ends
_listed_epoch = [0]


def forget_listed() -> None:
    """Drop every kept listing (after an erasure: they name the erased passages' ids, and a
    newer change counter only makes them unreachable, not gone)."""
    with _listed_lock:
        _listed.clear()
        _listed_epoch[0] += 1


class Scope:
    """The passages one request may see, asked about lazily.

    Search engines propose candidates (the nearest vectors, the best-scoring words) without
    knowing who is asking; :meth:`admit` keeps those the viewer may see and the filters let
    through, with one indexed query over the candidates alone. Listing the whole scope up
    front instead would cost a query over every passage the viewer may see (a million, in
    a large store) on every search; :meth:`listed` does it only when a caller needs it, for
    a narrow scope that candidates rarely reach.

    A listing is kept for the next requests with the same viewer and filters (people page
    through results, and a country page asks the same filters again and again), as search
    engines keep filters. It is keyed by the change counters of every table that decides
    membership (migrations 0005 and 0006), so a document made restricted, a share withdrawn
    or a passage added makes the old listing unreachable in the same instant.
    """

    #: candidates checked per SQL statement (SQLite's bound-parameter limit is 32,766)
    CHUNK = 10_000

    def __init__(
        self, session: Session, filters: Filters, viewer: Viewer, *, shown: int = 10
    ) -> None:
        self.session = session
        self.filters = filters
        self.viewer = viewer
        #: admitted candidates that make a good enough ranking: the hits the request shows
        self.shown = shown
        self._listed: Listed | None = None
        self._key: tuple[Any, ...] | None = None

    @property
    def everything(self) -> bool:
        """Nothing is filtered out: the viewer sees all and no filter is set."""
        return self.filters == NO_FILTERS and self.viewer.sees_everything

    def admit(self, candidates: Iterable[int]) -> set[int]:
        """The candidates inside the scope."""
        wanted = list(dict.fromkeys(candidates))
        if self.everything:
            return set(wanted)
        known = self._listed or self._kept()
        if known is not None:
            return {pid for pid in wanted if pid in known.ids}
        admitted: set[int] = set()
        query = passage_scope(self.filters, self.viewer)
        for start in range(0, len(wanted), self.CHUNK):
            chunk = wanted[start : start + self.CHUNK]
            admitted.update(self.session.scalars(query.where(Passage.id.in_(chunk))))
        return admitted

    def listed(self) -> Listed:
        """Every passage in the scope."""
        if self._listed is None:
            self._listed = self._kept()
        if self._listed is None:
            with _listed_lock:
                epoch = _listed_epoch[0]
            query = passage_scope(self.filters, self.viewer, listing=True)
            array = np.sort(np.fromiter(self.session.scalars(query), dtype=np.int64))
            self._listed = Listed(frozenset(array.tolist()), array)
            with _listed_lock:
                if epoch == _listed_epoch[0]:
                    _listed[self.key()] = self._listed
                    while len(_listed) > LISTED_KEEP:
                        _listed.popitem(last=False)
        return self._listed

    def key(self) -> tuple[Any, ...]:
        if self._key is None:
            where = str(self.session.get_bind().engine.url)
            self._key = (where, self.filters, self.viewer, generations(self.session))
        return self._key

    def _kept(self) -> Listed | None:
        with _listed_lock:
            found = _listed.get(self.key())
            if found is not None:
                _listed.move_to_end(self.key())
            return found


def facet_counts(
    session: Session, passage_ids: Select[Any], *, top: int = 20
) -> dict[str, list[tuple[str, int]]]:
    """How many of the given passages fall under each value of each facet, most first.

    ``passage_ids`` must already be restricted by :func:`passage_scope`, which is what keeps
    restricted passages out of the counts.
    """
    ids = passage_ids.subquery()
    facets: dict[str, list[tuple[str, int]]] = {}
    columns = {
        "languages": _language(),
        "doc_types": Document.doc_type,
        "organisations": Organisation.name,
        "years": func.strftime("%Y", Document.published),
    }
    for name, column in columns.items():
        query = (
            select(column, func.count(Passage.id))
            .select_from(Passage)
            .join(Document, Document.id == Passage.document_id)
            .outerjoin(Organisation, Organisation.id == Document.organisation_id)
            .where(Passage.id.in_(select(ids.c.id)), column.is_not(None))
            .group_by(column)
            .order_by(func.count(Passage.id).desc(), column)
            .limit(top)
        )
        facets[name] = [(str(value), int(n)) for value, n in session.execute(query)]
    for name, (enricher, kind) in ANNOTATION_FILTERS.items():
        count = func.count(func.distinct(Annotation.passage_id))
        query = select(Annotation.key, count).where(
            Annotation.passage_id.in_(select(ids.c.id)), Annotation.enricher == enricher
        )
        if kind is not None:
            query = query.where(Annotation.kind == kind)
        query = query.group_by(Annotation.key).order_by(count.desc(), Annotation.key).limit(top)
        facets[name] = [(str(key), int(n)) for key, n in session.execute(query)]
    return facets

"""Which passages a search may look at: the viewer's access levels and the user's filters,
as one SQL subquery that every search mode and every facet count is restricted by.

Access is enforced here, below ranking, snippets and counts, so that nothing a viewer may
not see can influence what they are shown. Within a filter the values are alternatives
("NL or BE"); different filters must all hold ("NL or BE, and about health").
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session

from evidencia.model import AccessLevel
from evidencia.store.schema import Annotation, Document, Organisation, Passage

ALL_LEVELS = tuple(level.value for level in AccessLevel)


@dataclass(frozen=True)
class Viewer:
    """Who is searching, reduced to what search needs: the access levels they may see."""

    levels: tuple[str, ...] = (AccessLevel.PUBLIC.value,)

    @classmethod
    def up_to(cls, level: AccessLevel) -> Viewer:
        """A viewer cleared for ``level`` and everything less restricted."""
        order = list(AccessLevel)
        return cls(tuple(lvl.value for lvl in order[: order.index(level) + 1]))


EVERYONE = Viewer(ALL_LEVELS)  # the local command line: whoever runs it owns the data


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


def passage_scope(filters: Filters, viewer: Viewer) -> Select[Any]:
    """The ids of the passages ``viewer`` may see that pass ``filters``."""
    query = (
        select(Passage.id)
        .join(Document, Document.id == Passage.document_id)
        .where(Document.access.in_(viewer.levels))
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
        condition = and_(
            Annotation.passage_id == Passage.id,
            Annotation.enricher == enricher,
            Annotation.key.in_(values),
        )
        if kind is not None:
            condition = and_(condition, Annotation.kind == kind)
        query = query.where(exists().where(condition))
    return query


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

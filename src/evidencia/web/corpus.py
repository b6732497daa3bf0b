"""What the pages and the API read from the store, always through the viewer.

Every function takes the :class:`~evidencia.access.Viewer` and restricts its query with
:func:`~evidencia.access.visible_documents` (or the search scope built on it); a document the
viewer may not see is answered as absent. Pages and API call the same functions, so the
authorisation matrix has one thing to test per capability.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from evidencia import framework as fw
from evidencia.access import Viewer, can_see, protected, visible_documents
from evidencia.ingest.pipeline import DUPLICATE, FAILED, INTERRUPTED
from evidencia.search.hits import Ranked, build
from evidencia.search.scope import Filters, passage_scope
from evidencia.store.annotations import document_summary
from evidencia.store.schema import (
    Annotation,
    Document,
    DocumentLink,
    Footnote,
    FrameworkRecord,
    Ingestion,
    Organisation,
    Passage,
)
from evidencia.subject import may_export
from evidencia.web.i18n import country_name
from evidencia.web.models import (
    Count,
    CountryCount,
    CountryDocument,
    CountryTheme,
    CountryView,
    DocumentDetail,
    DocumentSummary,
    FootnoteOut,
    FrameworkNodeOut,
    FrameworkOut,
    HitOut,
    IngestionOut,
    LinkedDocument,
    NoteRef,
    Overview,
    PassageOut,
    Resubmission,
    Tag,
)

COUNTRY = ("countries", "country")
THEME = ("themes", "theme")
OUTCOME = ("themes", "outcome")


def _passage_counts(session: Session, document_ids: Iterable[int]) -> dict[int, int]:
    ids = list(document_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Passage.document_id, func.count())
        .where(Passage.document_id.in_(ids))
        .group_by(Passage.document_id)
    )
    return {int(d): int(n) for d, n in rows}


def _summaries(session: Session, docs: list[Document]) -> list[DocumentSummary]:
    counts = _passage_counts(session, (d.id for d in docs))
    return [
        DocumentSummary(
            id=d.id,
            title=d.title,
            doc_type=d.doc_type,
            language=d.language,
            languages=list(d.languages or []),
            access=d.access,
            published=d.published,
            organisation=d.organisation.name if d.organisation else None,
            page_count=d.page_count,
            passages=counts.get(d.id, 0),
            created_at=d.created_at,
            url=f"/documents/{d.id}",
        )
        for d in docs
    ]


def _grouped(session: Session, column: Any, visible: ColumnElement[bool]) -> list[Count]:
    rows = session.execute(
        select(column, func.count())
        .select_from(Document)
        .where(visible, column.is_not(None))
        .group_by(column)
        .order_by(func.count().desc(), column)
    )
    return [Count(value=str(v), count=int(n)) for v, n in rows]


def _annotation_counts(
    session: Session,
    viewer: Viewer,
    which: tuple[str, str],
    *,
    distinct: Any,
    top: int | None = 20,
) -> list[tuple[str, int]]:
    enricher, kind = which
    count = func.count(func.distinct(distinct))
    query = (
        select(Annotation.key, count)
        .join(Document, Document.id == Annotation.document_id)
        .where(
            visible_documents(viewer),
            Annotation.enricher == enricher,
            Annotation.kind == kind,
            Annotation.passage_id.is_not(None),
        )
        .group_by(Annotation.key)
        .order_by(count.desc(), Annotation.key)
    )
    if top is not None:
        query = query.limit(top)
    return [(str(k), int(n)) for k, n in session.execute(query)]


def ingestion_out(row: Ingestion) -> IngestionOut:
    return IngestionOut(
        id=row.id,
        file=os.path.basename(row.path),
        status=row.status,
        error=row.error,
        reader=row.reader,
        document_id=row.document_id,
        passages=row.passages,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def failures(session: Session, *, limit: int = 20, offset: int = 0) -> tuple[int, list[Any]]:
    """Failed and interrupted attempts, newest first (callers check who may see them)."""
    condition = Ingestion.status.in_((FAILED, INTERRUPTED))
    total = session.scalar(select(func.count()).where(condition)) or 0
    rows = session.scalars(
        select(Ingestion).where(condition).order_by(Ingestion.id.desc()).limit(limit).offset(offset)
    )
    return int(total), [ingestion_out(r) for r in rows]


def overview(session: Session, viewer: Viewer, *, with_failures: bool) -> Overview:
    """The corpus at a glance, as far as ``viewer`` may see it."""
    visible = visible_documents(viewer)
    documents = session.scalar(select(func.count()).select_from(Document).where(visible)) or 0
    passages = (
        session.scalar(
            select(func.count())
            .select_from(Passage)
            .join(Document, Document.id == Passage.document_id)
            .where(visible)
        )
        or 0
    )
    recent = list(
        session.scalars(
            select(Document)
            .where(visible)
            .order_by(Document.created_at.desc(), Document.id.desc())
            .limit(10)
        )
    )
    return Overview(
        documents=int(documents),
        passages=int(passages),
        by_type=_grouped(session, Document.doc_type, visible),
        by_language=_grouped(session, Document.language, visible),
        by_country=[
            Count(value=k, label=country_name(k), count=n)
            for k, n in _annotation_counts(
                session, viewer, COUNTRY, distinct=Annotation.document_id
            )
        ],
        by_theme=[
            Count(value=k, count=n)
            for k, n in _annotation_counts(session, viewer, THEME, distinct=Annotation.passage_id)
        ],
        recent=_summaries(session, recent),
        failures=failures(session, limit=10)[1] if with_failures else None,
    )


def documents(
    session: Session,
    viewer: Viewer,
    *,
    limit: int,
    offset: int,
    doc_type: str | None = None,
    language: str | None = None,
    organisation: str | None = None,
) -> tuple[int, list[DocumentSummary]]:
    """Visible documents, newest first, with the total the viewer may see."""
    query: Select[Any] = select(Document).where(visible_documents(viewer))
    if doc_type:
        query = query.where(Document.doc_type == doc_type)
    if language:
        query = query.where(Document.language == language)
    if organisation:
        query = query.join(Organisation, Organisation.id == Document.organisation_id).where(
            Organisation.name == organisation
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    docs = list(
        session.scalars(
            query.order_by(Document.created_at.desc(), Document.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    return int(total), _summaries(session, docs)


def visible_ids(session: Session, viewer: Viewer, document_ids: Iterable[int]) -> set[int]:
    """Those of ``document_ids`` that ``viewer`` may see (absent ones are not)."""
    ids = set(document_ids)
    if not ids:
        return set()
    query = select(Document.id).where(Document.id.in_(ids), visible_documents(viewer))
    return {int(i) for i in session.scalars(query)}


def visible_document(session: Session, viewer: Viewer, document_id: int) -> Document | None:
    """The document if ``viewer`` may see it; None when it is absent *or* hidden."""
    if not can_see(session, viewer, document_id):
        return None
    return session.get(Document, document_id)


def document(session: Session, viewer: Viewer, document_id: int) -> DocumentDetail | None:
    doc = visible_document(session, viewer, document_id)
    if doc is None:
        return None
    summary = _summaries(session, [doc])[0]
    tags: dict[str, list[Tag]] = {}
    for group, found in sorted(document_summary(session, doc.id).items()):
        if group.startswith("references/"):
            continue
        # EU acts, UN documents and court cases are all "legal instruments" to a reader
        name = "instruments" if group.startswith("instruments/") else group
        tags.setdefault(name, []).extend(Tag(key=k, label=label, count=n) for k, label, n in found)
    for found_tags in tags.values():
        found_tags.sort(key=lambda t: (-t.count, t.key))
    links = session.scalars(
        select(DocumentLink).where(
            (DocumentLink.document_id == doc.id) | (DocumentLink.other_id == doc.id)
        )
    ).all()
    versions: list[LinkedDocument] = []
    for link in links:
        other_id = link.other_id if link.document_id == doc.id else link.document_id
        other = visible_document(session, viewer, other_id)  # a hidden version stays hidden
        if other is not None:
            versions.append(
                LinkedDocument(
                    id=other.id,
                    title=other.title,
                    kind=link.kind,
                    similarity=round(link.similarity, 3),
                    url=f"/documents/{other.id}",
                )
            )
    again = session.scalars(
        select(Ingestion)
        .where(Ingestion.document_id == doc.id, Ingestion.status == DUPLICATE)
        .order_by(Ingestion.id)
    )
    return DocumentDetail(
        **summary.model_dump(),
        mime=doc.mime,
        size_bytes=doc.size_bytes,
        sha256=doc.sha256,
        file=os.path.basename(doc.origin),
        original_url=f"/documents/{doc.id}/original",
        tags=tags,
        versions=versions,
        resubmissions=[
            Resubmission(file=os.path.basename(r.path), at=r.finished_at or r.started_at)
            for r in again
        ],
        footnotes=[
            FootnoteOut(id=f.id, label=f.label, text=f.text, page=f.page) for f in doc.footnotes
        ],
    )


def _passages_out(session: Session, passages: list[Passage]) -> list[PassageOut]:
    ids = [p.id for p in passages]
    tags: dict[int, dict[str, list[str]]] = {pid: {} for pid in ids}
    if ids:
        rows = session.execute(
            select(Annotation.passage_id, Annotation.enricher, Annotation.kind, Annotation.key)
            .where(Annotation.passage_id.in_(ids))
            .order_by(Annotation.passage_id, Annotation.start)
        )
        for pid, enricher, kind, key in rows:
            field = {
                COUNTRY: "countries",
                THEME: "themes",
            }.get((enricher, kind), "instruments" if enricher == "instruments" else None)
            if field is None or pid is None:
                continue
            values = tags[pid].setdefault(field, [])
            if key not in values:
                values.append(key)
    return [
        PassageOut(
            id=p.id,
            document_id=p.document_id,
            order=p.order,
            page=p.page,
            heading_path=list(p.heading_path or []),
            text=p.text,
            language=p.language,
            footnotes=[NoteRef(label=f.label, text=f.text) for f in p.footnotes],
            countries=tags[p.id].get("countries", []),
            instruments=tags[p.id].get("instruments", []),
            themes=tags[p.id].get("themes", []),
            url=f"/documents/{p.document_id}#p-{p.id}",
        )
        for p in passages
    ]


def passages(
    session: Session, viewer: Viewer, document_id: int, *, limit: int | None, offset: int = 0
) -> tuple[int, list[PassageOut]] | None:
    """A visible document's passages in reading order; None when it is not visible."""
    if not can_see(session, viewer, document_id):
        return None
    total = session.scalar(
        select(func.count()).select_from(Passage).where(Passage.document_id == document_id)
    )
    query = (
        select(Passage).where(Passage.document_id == document_id).order_by(Passage.order)
    ).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return int(total or 0), _passages_out(session, list(session.scalars(query)))


def visible_passage(session: Session, viewer: Viewer, passage_id: int) -> Passage | None:
    """The passage if ``viewer`` may see its document; None when it is absent *or* hidden,
    found by one query either way (a hidden one costs no more time than a missing one)."""
    query = (
        select(Passage)
        .join(Document, Document.id == Passage.document_id)
        .where(Passage.id == passage_id, visible_documents(viewer))
    )
    return session.scalar(query)


def passage(session: Session, viewer: Viewer, passage_id: int) -> PassageOut | None:
    row = visible_passage(session, viewer, passage_id)
    if row is None:
        return None
    return _passages_out(session, [row])[0]


def original(session: Session, viewer: Viewer, document_id: int) -> Document | None:
    """The document whose original file may be sent, or None (absent or hidden)."""
    return visible_document(session, viewer, document_id)


#: a pseudonymised person in a redacted text
PERSON = re.compile(r"\[PERSON (\d+)\]")


def exportable(session: Session, viewer: Viewer, document_id: int) -> list[str] | None:
    """The people pseudonymised in a document whose subject-access export ``viewer`` may
    make (its owners: :func:`evidencia.subject.may_export`), in order; None when they may
    not, the document is not protected (nothing in it was pseudonymised) or not there."""
    doc = visible_document(session, viewer, document_id)
    if doc is None or not protected(doc.access, doc.doc_type) or not may_export(viewer, doc):
        return None
    numbers: set[int] = set()
    texts = session.scalars(select(Passage.text).where(Passage.document_id == document_id))
    for text in [*texts, *(f.text for f in doc.footnotes)]:
        numbers.update(int(n) for n in PERSON.findall(text))
    return [f"[PERSON {n}]" for n in sorted(numbers)]


def footnote_rows(session: Session, document_id: int) -> list[Footnote]:
    return list(
        session.scalars(
            select(Footnote).where(Footnote.document_id == document_id).order_by(Footnote.id)
        )
    )


# ---------------------------------------------------------------- browsing by filters


def browse(
    session: Session, viewer: Viewer, filters: Filters, *, limit: int, offset: int
) -> tuple[int, list[HitOut]]:
    """Passages passing ``filters`` without a query: newest documents first, then in reading
    order. What a facet link or a framework count leads to."""
    scope = passage_scope(filters, viewer).subquery()
    total = session.scalar(select(func.count()).select_from(scope)) or 0
    ids = session.scalars(
        select(Passage.id)
        .join(Document, Document.id == Passage.document_id)
        .where(Passage.id.in_(select(scope.c.id)))
        .order_by(
            Document.published.desc().nulls_last(), Document.id.desc(), Passage.order, Passage.id
        )
        .limit(limit)
        .offset(offset)
    ).all()
    hits = build(session, [Ranked(int(i), 0.0) for i in ids], "", limit)
    return int(total), [HitOut.of(h) for h in hits]


# ---------------------------------------------------------------- the framework


def framework(session: Session, viewer: Viewer) -> FrameworkOut:
    """The active framework as a tree, with the evidence passages under each node that
    ``viewer`` may see (tags by the "themes" enricher: kinds "theme" and "outcome")."""
    active = active_framework(session)
    by_theme = dict(
        _annotation_counts(session, viewer, THEME, distinct=Annotation.passage_id, top=None)
    )
    tagged = _outcome_passages(session, viewer)

    def under(*ids: str) -> int:
        found: set[int] = set()
        for node_id in ids:
            found |= tagged.get(node_id, set())
        return len(found)

    themes = {t.id: t for t in active.themes}
    areas: list[FrameworkNodeOut] = []
    for area in active.areas:
        blocks: list[FrameworkNodeOut] = []
        area_ids: list[str] = []
        for block in area.themes:
            objectives: list[FrameworkNodeOut] = []
            block_ids: list[str] = []
            for objective in block.objectives:
                ids = [objective.id, *(o.id for o in objective.outcomes)]
                block_ids += ids
                objectives.append(
                    FrameworkNodeOut(
                        id=objective.id,
                        kind="objective",
                        title=objective.title,
                        description=objective.description,
                        passages=under(*ids),
                        children=[
                            FrameworkNodeOut(
                                id=o.id,
                                kind="outcome",
                                title=o.title,
                                description=o.description,
                                passages=under(o.id),
                            )
                            for o in objective.outcomes
                        ],
                    )
                )
            area_ids += block_ids
            blocks.append(
                FrameworkNodeOut(
                    id=block.theme,
                    kind="theme",
                    title=themes[block.theme].title,
                    passages=under(*block_ids),
                    children=objectives,
                )
            )
        areas.append(
            FrameworkNodeOut(
                id=area.id,
                kind="area",
                title=area.title,
                description=area.description,
                passages=under(*area_ids),
                children=blocks,
            )
        )
    return FrameworkOut(
        id=active.id,
        title=active.title,
        goal=active.goal,
        themes=[
            FrameworkNodeOut(
                id=t.id,
                kind="theme",
                title=t.title,
                description=t.description,
                passages=by_theme.get(t.id, 0),
            )
            for t in active.themes
        ],
        areas=areas,
    )


def _outcome_passages(session: Session, viewer: Viewer) -> dict[str, set[int]]:
    """Tagged passages per framework node id (outcomes, and objectives if tagged so)."""
    rows = session.execute(
        select(Annotation.key, Annotation.passage_id)
        .join(Document, Document.id == Annotation.document_id)
        .where(
            visible_documents(viewer),
            Annotation.enricher == OUTCOME[0],
            Annotation.kind != THEME[1],
            Annotation.passage_id.is_not(None),
        )
    )
    found: dict[str, set[int]] = {}
    for key, pid in rows:
        if pid is not None:
            found.setdefault(str(key), set()).add(int(pid))
    return found


def theme_titles(session: Session) -> dict[str, str]:
    return {t.id: t.title for t in active_framework(session).themes}


@lru_cache(maxsize=4)
def _parsed(content: str, source: str) -> fw.Framework:
    return fw.parse(content, source)


@lru_cache(maxsize=1)
def _packaged() -> fw.Framework:
    return fw.default()


def active_framework(session: Session) -> fw.Framework:
    """The active framework, as :func:`evidencia.store.frameworks.active` reads it, but
    parsed once per content: the home and search pages name themes on every request, and
    parsing the YAML each time cost more than the search itself (a third of a busy server's
    time). The record is still read every time, so a newly loaded framework shows at once.
    """
    record = session.scalar(select(FrameworkRecord).where(FrameworkRecord.active.is_(True)))
    if record is None:
        return _packaged()
    return _parsed(record.content, record.source)


# ---------------------------------------------------------------- countries


def countries(session: Session, viewer: Viewer) -> list[CountryCount]:
    """Every country the visible evidence mentions, most-mentioned first."""
    by_passage = dict(
        _annotation_counts(session, viewer, COUNTRY, distinct=Annotation.passage_id, top=None)
    )
    by_document = dict(
        _annotation_counts(session, viewer, COUNTRY, distinct=Annotation.document_id, top=None)
    )
    return [
        CountryCount(
            code=code,
            name=country_name(code),
            passages=n,
            documents=by_document.get(code, 0),
            url=f"/countries/{code}",
        )
        for code, n in sorted(by_passage.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def country(session: Session, viewer: Viewer, code: str, *, per_theme: int = 3) -> CountryView:
    """Everything about one country that ``viewer`` may see: its documents, the passages
    about it by theme, the instruments cited alongside, the newest passages."""
    code = code.upper()
    about = passage_scope(Filters(countries=(code,)), viewer).subquery()
    total = session.scalar(select(func.count()).select_from(about)) or 0
    mentions = dict(
        session.execute(
            select(Passage.document_id, func.count())
            .where(Passage.id.in_(select(about.c.id)))
            .group_by(Passage.document_id)
        ).all()
    )
    docs = list(session.scalars(select(Document).where(Document.id.in_(list(mentions)))))
    summaries = sorted(_summaries(session, docs), key=lambda d: (-mentions.get(d.id, 0), -d.id))
    titles = theme_titles(session)
    themes: list[CountryTheme] = []
    theme_counts = session.execute(
        select(Annotation.key, func.count(func.distinct(Annotation.passage_id)))
        .where(
            Annotation.passage_id.in_(select(about.c.id)),
            Annotation.enricher == THEME[0],
            Annotation.kind == THEME[1],
        )
        .group_by(Annotation.key)
        .order_by(func.count(func.distinct(Annotation.passage_id)).desc())
    ).all()
    for theme_id, n in theme_counts:
        _n, hits = browse(
            session,
            viewer,
            Filters(countries=(code,), themes=(str(theme_id),)),
            limit=per_theme,
            offset=0,
        )
        themes.append(
            CountryTheme(
                theme=str(theme_id),
                title=titles.get(str(theme_id), str(theme_id)),
                passages=int(n),
                hits=hits,
            )
        )
    instruments = session.execute(
        select(Annotation.key, func.min(Annotation.label), func.count())
        .where(Annotation.passage_id.in_(select(about.c.id)), Annotation.enricher == "instruments")
        .group_by(Annotation.key)
        .order_by(func.count().desc(), Annotation.key)
        .limit(15)
    ).all()
    _total, recent = browse(session, viewer, Filters(countries=(code,)), limit=10, offset=0)
    return CountryView(
        code=code,
        name=country_name(code),
        passages=int(total),
        documents=[CountryDocument(document=d, mentions=mentions.get(d.id, 0)) for d in summaries],
        themes=themes,
        instruments=[
            Count(value=str(k), label=str(lbl), count=int(n)) for k, lbl, n in instruments
        ],
        recent=recent,
    )


def country_hits(view: CountryView) -> list[HitOut]:
    """Every passage a country's page shows (under its themes, and the newest), once."""
    seen: dict[int, HitOut] = {}
    for hit in [*(h for theme in view.themes for h in theme.hits), *view.recent]:
        seen.setdefault(hit.passage_id, hit)
    return list(seen.values())

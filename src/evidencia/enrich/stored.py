"""Re-running enrichers over documents already in the store (``evidencia enrich``).

Work is per document and per enricher: a document is done for an enricher when an
``enrichment`` row records the enricher's current version. Each document is committed on its
own, so an interrupted run loses at most the document in hand and the next run picks up
where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from evidencia.enrich.base import Enricher, TextUnit
from evidencia.enrich.run import Enriched, enrich_units
from evidencia.store.annotations import replace_annotations
from evidencia.store.db import Store
from evidencia.store.schema import Document, Enrichment, Footnote, Passage


@dataclass
class DocumentUnits:
    passage_ids: list[int]
    footnote_ids: list[int]
    units: list[TextUnit]


def document_units(session: Session, document_id: int) -> DocumentUnits:
    """A document's passages (in reading order) then its footnotes, as enrichers see them."""
    passages = session.execute(
        select(Passage.id, Passage.text, Passage.language, Passage.heading_path)
        .where(Passage.document_id == document_id)
        .order_by(Passage.order)
    ).all()
    notes = session.execute(
        select(Footnote.id, Footnote.text)
        .where(Footnote.document_id == document_id)
        .order_by(Footnote.id)
    ).all()
    language = session.scalar(select(Document.language).where(Document.id == document_id))
    units = [
        TextUnit(text, "passage", lang, tuple(path or ())) for _id, text, lang, path in passages
    ]
    units += [TextUnit(text, "footnote", language) for _id, text in notes]
    return DocumentUnits([p[0] for p in passages], [n[0] for n in notes], units)


def stale_documents(session: Session, enricher: Enricher) -> list[int]:
    """Documents this enricher has not processed at its current version."""
    current = select(Enrichment.document_id).where(
        and_(Enrichment.enricher == enricher.name, Enrichment.version == enricher.version)
    )
    return list(
        session.scalars(
            select(Document.id).where(Document.id.not_in(current)).order_by(Document.id)
        )
    )


@dataclass
class RunReport:
    documents: int = 0
    annotations: int = 0
    #: (document id, enricher name) -> error, for enrichers that failed on a document
    errors: dict[tuple[int, str], str] = field(default_factory=dict)


def enrich_stored(
    store: Store,
    enrichers: Sequence[Enricher],
    *,
    force: bool = False,
    on_document: Callable[[int, int], None] | None = None,
) -> RunReport:
    """Bring every document up to date with ``enrichers`` (all documents with ``force``).

    ``on_document(done, total)`` reports progress after each document.
    """
    with store.session() as session:
        todo: dict[int, list[Enricher]] = {}
        for enricher in enrichers:
            ids = (
                list(session.scalars(select(Document.id).order_by(Document.id)))
                if force
                else stale_documents(session, enricher)
            )
            for doc_id in ids:
                todo.setdefault(doc_id, []).append(enricher)
    report = RunReport()
    for done, (doc_id, wanted) in enumerate(sorted(todo.items()), start=1):
        with store.session() as session, session.begin():
            units = document_units(session, doc_id)
            enriched: Enriched = enrich_units(units.units, wanted)
            report.annotations += replace_annotations(
                session, doc_id, units.passage_ids, units.footnote_ids, enriched
            )
        for name, error in enriched.errors.items():
            report.errors[(doc_id, name)] = error
        report.documents += 1
        if on_document:
            on_document(done, len(todo))
    return report

"""Storing enrichment results: one document's annotations replaced enricher by enricher.

Replacement happens inside the caller's transaction, so a crash leaves either the old
results with their old ``enrichment`` rows or the new ones: never a mix, and a re-run knows
exactly which documents still need work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from evidencia.enrich.run import Enriched
from evidencia.store.schema import Annotation, Enrichment


def replace_annotations(
    session: Session,
    document_id: int,
    passage_ids: Sequence[int],
    footnote_ids: Sequence[int],
    enriched: Enriched,
) -> int:
    """Write ``enriched`` for a document whose units were its passages then its footnotes
    (in that order, as :func:`evidencia.enrich.stored.document_units` builds them)."""
    done = dict(enriched.completed)
    if not done:
        return 0
    session.execute(
        delete(Annotation).where(
            Annotation.document_id == document_id, Annotation.enricher.in_(done)
        )
    )
    session.execute(
        delete(Enrichment).where(
            Enrichment.document_id == document_id, Enrichment.enricher.in_(done)
        )
    )
    n_passages = len(passage_ids)
    rows = []
    counts = dict.fromkeys(done, 0)
    for found in enriched.found:
        if found.enricher not in done:
            continue
        in_passage = found.unit < n_passages
        m = found.mention
        rows.append(
            {
                "document_id": document_id,
                "passage_id": passage_ids[found.unit] if in_passage else None,
                "footnote_id": None if in_passage else footnote_ids[found.unit - n_passages],
                "enricher": found.enricher,
                "version": found.version,
                "kind": m.kind,
                "key": m.key,
                "label": m.label,
                "start": m.start,
                "end": m.end,
                "attrs": dict(m.attrs),
            }
        )
        counts[found.enricher] += 1
    if rows:
        session.execute(insert(Annotation), rows)
    now = datetime.now(UTC)
    session.execute(
        insert(Enrichment),
        [
            {
                "document_id": document_id,
                "enricher": name,
                "version": version,
                "annotations": counts[name],
                "finished_at": now,
            }
            for name, version in done.items()
        ],
    )
    return len(rows)


def document_summary(session: Session, document_id: int) -> dict[str, list[tuple[str, str, int]]]:
    """What the enrichers found in a document: per enricher and kind ("countries/country"),
    the distinct keys with a label and how often they occur, most frequent first."""
    rows = session.execute(
        select(
            Annotation.enricher,
            Annotation.kind,
            Annotation.key,
            func.min(Annotation.label),
            func.count(),
        )
        .where(Annotation.document_id == document_id)
        .group_by(Annotation.enricher, Annotation.kind, Annotation.key)
        .order_by(func.count().desc(), Annotation.key)
    ).all()
    summary: dict[str, list[tuple[str, str, int]]] = {}
    for enricher, kind, key, label, count in rows:
        summary.setdefault(f"{enricher}/{kind}", []).append((key, label, count))
    return summary

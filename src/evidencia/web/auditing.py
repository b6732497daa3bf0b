"""What the web app writes to the audit log: views, downloads and search hits of protected
material (restricted documents and testimonies), by whom. Handlers call these after the
access check passed, so the log holds what was actually shown.

And how administrators read it (``/admin/audit``, ``/api/v1/audit``): a page of entries,
newest first, the whole log as JSON lines, the chain verified. Reading the log is not
itself logged; exporting it is, as one entry saying how many entries went out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from evidencia import audit
from evidencia.access import protected
from evidencia.store.db import Store
from evidencia.store.schema import Document, Passage
from evidencia.web.models import AuditEntryOut, AuditVerification, HitOut


def record_hits(store: Store, actor: audit.Actor, hits: Sequence[HitOut]) -> None:
    """Audit every hit from protected material (restricted documents, testimonies) shown to
    someone: one entry per document, with the passages shown, never the query or text.
    Kept results are audited too, each time they are shown."""
    shown: dict[int, list[int]] = {}
    for hit in hits:
        if protected(hit.access, hit.doc_type):
            shown.setdefault(hit.document_id, []).append(hit.passage_id)
    if not shown:
        return
    with store.session() as session, session.begin():
        for document_id, passages in shown.items():
            audit.record(
                session, actor, audit.Action.SEARCH_HIT, document_id, {"passages": passages}
            )


def record_passages(
    store: Store, actor: audit.Actor, passage_ids: Iterable[int], what: str
) -> None:
    """Audit passages of protected documents shown outside search and their document's
    page (the review queue: ``what`` "review"): one view entry per document, with the
    passages shown."""
    wanted = sorted(set(passage_ids))
    if not wanted:
        return
    with store.session() as session, session.begin():
        rows = session.execute(
            select(Passage.id, Document.id, Document.access, Document.doc_type)
            .join(Document, Document.id == Passage.document_id)
            .where(Passage.id.in_(wanted))
        )
        shown: dict[int, list[int]] = {}
        for passage_id, document_id, access, doc_type in rows:
            if protected(access, doc_type):
                shown.setdefault(int(document_id), []).append(int(passage_id))
        for document_id, passages in shown.items():
            audit.record(
                session,
                actor,
                audit.Action.VIEW,
                document_id,
                {"what": what, "passages": sorted(passages)},
            )


def record_view(store: Store, actor: audit.Actor, document_id: int, what: str) -> None:
    """Audit a view of a protected document (``what``: "document", "passages", "passage")."""
    with store.session() as session, session.begin():
        row = session.execute(
            select(Document.access, Document.doc_type).where(Document.id == document_id)
        ).first()
        if row is not None and protected(row[0], row[1]):
            audit.record(session, actor, audit.Action.VIEW, document_id, {"what": what})


# ---------------------------------------------------------------- reading the log


@dataclass(frozen=True)
class AuditFilter:
    """Which entries: one action, one document, from one moment (each optional)."""

    action: audit.Action | None = None
    document_id: int | None = None
    since: datetime | None = None

    @property
    def action_name(self) -> str | None:
        return self.action.value if self.action else None

    @property
    def since_utc(self) -> datetime | None:
        """``since`` as the log stores moments: UTC, without a zone (SQLite keeps none)."""
        if self.since is None:
            return None
        since = self.since.astimezone(UTC) if self.since.tzinfo else self.since
        return since.replace(tzinfo=None)

    def as_query(self) -> list[tuple[str, str]]:
        """The filters as query-string parameters (for links to the export)."""
        params = []
        if self.action:
            params.append(("action", self.action.value))
        if self.document_id is not None:
            params.append(("document_id", str(self.document_id)))
        if self.since is not None:
            params.append(("since", self.since.isoformat()))
        return params


def entries_page(
    store: Store, wanted: AuditFilter, *, limit: int, offset: int
) -> tuple[int, list[AuditEntryOut]]:
    """One page of entries, newest first, and how many match in all."""
    with store.session() as session:
        action, document_id, since = wanted.action_name, wanted.document_id, wanted.since_utc
        total = audit.count(session, action=action, document_id=document_id, since=since)
        found = [
            AuditEntryOut.model_validate(entry)
            for entry in audit.entries(
                session,
                action=action,
                document_id=document_id,
                since=since,
                limit=limit,
                offset=offset,
                newest_first=True,
            )
        ]
    return total, found


def export_lines(store: Store, actor: audit.Actor, wanted: AuditFilter) -> Iterator[str]:
    """Every matching entry, oldest first, one JSON object a line (as ``evidencia audit
    export`` prints them), hashes included. The export is recorded first (by whom, with which
    filters, nothing of the entries), so it is the last line of a full export."""
    with store.session() as session, session.begin():
        audit.record(
            session,
            actor,
            audit.Action.EXPORT,
            detail={"what": "audit log", "filters": dict(wanted.as_query())},
        )

    def lines() -> Iterator[str]:
        with store.session() as session:
            for entry in audit.entries(
                session,
                action=wanted.action_name,
                document_id=wanted.document_id,
                since=wanted.since_utc,
            ):
                yield json.dumps(entry, ensure_ascii=False) + "\n"

    return lines()


def verification(store: Store) -> AuditVerification:
    report = audit.verify(store)
    return AuditVerification(ok=report.ok, entries=report.entries, problems=report.problems)

"""Subject-access export: everything held about one pseudonymised person in a document.

When a person asks what the network holds about them, the document's owners look up the
pseudonym they were given ("[PERSON 2]") and export: who the pseudonym stands for (from the
sealed pseudonym map beside the original), every passage and footnote that mentions it, and
the document's metadata. Only the owning organisation's members and staff, the network's
staff for its own documents, and admins may do this, and each export is audited.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from evidencia import audit
from evidencia.access import Role, Viewer
from evidencia.store import sealed
from evidencia.store.db import Store
from evidencia.store.schema import Document, Footnote, Passage

PSEUDONYM = re.compile(r"^\[[A-Z][A-Z ]* \d+\]$")


class SubjectError(LookupError):
    """No such document or pseudonym for this person: one message for both, so that the
    answer never tells someone who may not export whether a document exists."""


def may_export(viewer: Viewer, document: Document) -> bool:
    """Owners only: the owning organisation's people, the network's staff for documents of
    no organisation, and admins."""
    if viewer.role is Role.ADMIN:
        return True
    if document.organisation_id is None:
        return viewer.role is Role.STAFF
    return (
        viewer.role in (Role.STAFF, Role.MEMBER)
        and viewer.organisation_id == document.organisation_id
    )


def pseudonym_map(store: Store, document: Document) -> dict[str, list[str]]:
    """Who each pseudonym of a redacted document stands for (empty when none were given)."""
    path = store.home.root / (document.blob_path.removesuffix(sealed.SUFFIX) + sealed.PSEUDONYMS)
    if not path.exists():
        return {}
    ring = sealed.KeyRing.load(store.home, create=False)
    raw = b"".join(sealed.read_original(path, ring))
    data = json.loads(raw.decode("utf-8"))
    return {str(k): [str(v) for v in vs] for k, vs in data.items()}


@dataclass(frozen=True)
class SubjectExport:
    document: dict[str, Any]
    pseudonym: str
    stands_for: list[str]
    passages: list[dict[str, Any]]
    footnotes: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "pseudonym": self.pseudonym,
            "stands_for": self.stands_for,
            "passages": self.passages,
            "footnotes": self.footnotes,
        }


def export(
    store: Store, viewer: Viewer, actor: audit.Actor, document_id: int, pseudonym: str
) -> SubjectExport:
    """The export for ``pseudonym`` in one document; :class:`SubjectError` when the viewer
    may not, or the document or pseudonym is not there."""
    missing = SubjectError(f"no pseudonym {pseudonym!r} in a document {document_id} you own")
    if not PSEUDONYM.match(pseudonym):
        raise missing
    with store.session() as session, session.begin():
        document = session.get(Document, document_id)
        if document is None or not may_export(viewer, document):
            raise missing
        names = pseudonym_map(store, document)
        if pseudonym not in names:
            raise missing
        passages = [
            {"id": p.id, "page": p.page, "heading_path": p.heading_path, "text": p.text}
            for p in session.scalars(
                select(Passage)
                .where(Passage.document_id == document_id, Passage.text.contains(pseudonym))
                .order_by(Passage.order)
            )
        ]
        notes = [
            {"id": f.id, "label": f.label, "text": f.text}
            for f in session.scalars(
                select(Footnote).where(
                    Footnote.document_id == document_id, Footnote.text.contains(pseudonym)
                )
            )
        ]
        audit.record(
            session,
            actor,
            audit.Action.SUBJECT_EXPORT,
            document_id,
            {"pseudonym": pseudonym, "passages": len(passages)},
        )
        meta = {
            "id": document.id,
            "title": document.title,
            "type": document.doc_type,
            "access": document.access,
            "created_at": document.created_at.isoformat(),
        }
    return SubjectExport(meta, pseudonym, names[pseudonym], passages, notes)

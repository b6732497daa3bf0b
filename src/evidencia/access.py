"""Who may see which document: the one place where the rule is written.

Every page, API call, search mode, facet count and export asks this module, so that the rule
can be read, tested and changed in one place. It is written once, as SQL
(:func:`visible_documents`), and :func:`can_see` asks the database the same question for a
single document, so the two can never disagree.

=========  ================================================================================
role       sees
=========  ================================================================================
public     public documents
member     public and network documents, and restricted documents of their own
           organisation or shared with it
staff      everything except restricted documents of other organisations that were not
           shared with the network's organisation (staff belong to it); restricted
           documents with no organisation are the network's own
admin      everything
=========  ================================================================================

The local command line is :data:`OWNER`: whoever runs it holds the data directory anyway.
An access value outside the vocabulary is visible to admins only (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, delete, exists, false, or_, select, true
from sqlalchemy.orm import Session

from evidencia import audit
from evidencia.model import AccessLevel, DocumentType
from evidencia.store.schema import Document, DocumentShare, Organisation


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"  # the network's own team
    MEMBER = "member"  # staff of a member organisation
    PUBLIC = "public"  # anyone, not logged in


@dataclass(frozen=True)
class Viewer:
    """Whoever is looking, reduced to what the rule needs: role and organisation."""

    role: Role = Role.PUBLIC
    organisation_id: int | None = None
    user_id: int | None = None

    @property
    def sees_everything(self) -> bool:
        """True when no document is hidden, so callers may skip filtering altogether."""
        return self.role is Role.ADMIN

    @classmethod
    def up_to(cls, level: AccessLevel) -> Viewer:
        """The least privileged viewer who sees every document at ``level`` and below, for
        benchmarks and tests that think in levels: public, a member of no organisation
        (public and network), or an admin (everything)."""
        if level is AccessLevel.PUBLIC:
            return cls(Role.PUBLIC)
        if level is AccessLevel.NETWORK:
            return cls(Role.MEMBER)
        return cls(Role.ADMIN)


def protected(access: str, doc_type: str) -> bool:
    """Material the firewall protects beyond who may see it: restricted documents, and
    testimonies at any level. Their originals are sealed and their text is redacted."""
    return access == AccessLevel.RESTRICTED.value or doc_type == DocumentType.TESTIMONY.value


ANONYMOUS = Viewer()
OWNER = Viewer(Role.ADMIN)  # the local command line: whoever runs it owns the data


def _shared_with(organisation_id: int) -> ColumnElement[bool]:
    return exists().where(
        DocumentShare.document_id == Document.id,
        DocumentShare.organisation_id == organisation_id,
    )


def _restricted_for(viewer: Viewer) -> ColumnElement[bool]:
    """Which restricted documents this (logged-in, non-admin) viewer may see."""
    own: list[ColumnElement[bool]] = []
    if viewer.role is Role.STAFF:
        own.append(Document.organisation_id.is_(None))  # the network's own, unattributed
    if viewer.organisation_id is not None:
        own.append(Document.organisation_id == viewer.organisation_id)
        own.append(_shared_with(viewer.organisation_id))
    if not own:
        return false()
    return and_(Document.access == AccessLevel.RESTRICTED.value, or_(*own))


def visible_documents(viewer: Viewer) -> ColumnElement[bool]:
    """A condition on :class:`Document` that holds for the documents ``viewer`` may see.

    Use it in any query that reads documents or what hangs from them (passages, footnotes,
    annotations) joined to ``Document``.
    """
    if viewer.sees_everything:
        return true()
    if viewer.role is Role.PUBLIC:
        return Document.access == AccessLevel.PUBLIC.value
    # member and staff: everything the network shares internally, and some restricted
    return or_(
        Document.access.in_((AccessLevel.PUBLIC.value, AccessLevel.NETWORK.value)),
        _restricted_for(viewer),
    )


def can_see(session: Session, viewer: Viewer, document_id: int) -> bool:
    """Whether ``viewer`` may see the document; False as well when it does not exist, so that
    callers answer "not found" in both cases and existence does not leak."""
    query = select(exists().where(Document.id == document_id, visible_documents(viewer)))
    return bool(session.scalar(query))


def _check(session: Session, document_id: int, organisation_id: int) -> None:
    if session.get(Document, document_id) is None:
        raise ValueError(f"no document with id {document_id}")
    if session.get(Organisation, organisation_id) is None:
        raise ValueError(f"no organisation with id {organisation_id}")


def share(
    session: Session, document_id: int, organisation_id: int, actor: audit.Actor | None = None
) -> None:
    """Open a restricted document to one more organisation (sharing twice is harmless).

    The change is audited (``actor`` defaults to whoever runs the command line). Flushes
    without committing: the caller's transaction decides, for the share and its record.
    """
    _check(session, document_id, organisation_id)
    if session.get(DocumentShare, (document_id, organisation_id)) is None:
        session.add(DocumentShare(document_id=document_id, organisation_id=organisation_id))
        session.flush()
        _audit_change(session, document_id, organisation_id, "shared", actor)


def unshare(
    session: Session, document_id: int, organisation_id: int, actor: audit.Actor | None = None
) -> None:
    """Close a document to an organisation again (a no-op when it was not shared)."""
    _check(session, document_id, organisation_id)
    gone = session.execute(
        delete(DocumentShare).where(
            DocumentShare.document_id == document_id,
            DocumentShare.organisation_id == organisation_id,
        )
    )
    session.flush()
    if getattr(gone, "rowcount", 0):
        _audit_change(session, document_id, organisation_id, "unshared", actor)


def _audit_change(
    session: Session, document_id: int, organisation_id: int, what: str, actor: audit.Actor | None
) -> None:
    audit.record(
        session,
        actor or audit.command_line(),
        audit.Action.ACCESS_CHANGE,
        document_id,
        {"change": what, "organisation_id": organisation_id},
    )


def shared_with(session: Session, document_id: int) -> list[Organisation]:
    """The organisations a document was shared with, by name."""
    query = (
        select(Organisation)
        .join(DocumentShare, DocumentShare.organisation_id == Organisation.id)
        .where(DocumentShare.document_id == document_id)
        .order_by(Organisation.name)
    )
    return list(session.scalars(query))

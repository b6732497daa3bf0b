"""The review queue: tags the tagger suggested that no person has decided on yet, and the
decisions people make on them.

A decision is written twice in one transaction: to ``tag_review`` (the ledger retraining
learns from, which outlives any model) and to the tag itself (accepted, or gone when
rejected), so search and the framework pages follow at once, without a re-tagging run.
Reviewing is for the network's team (staff and admins), on passages they may see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from evidencia.access import Role, Viewer, visible_documents
from evidencia.classify.labels import Label
from evidencia.classify.model import Tag
from evidencia.classify.tagging import ENRICHER, annotation_row
from evidencia.store.schema import Annotation, Document, Passage, TagReview

Decision = Literal["accepted", "rejected"]
DECISIONS: tuple[Decision, ...] = ("accepted", "rejected")
Order = Literal["doubtful", "confident", "document"]
ORDERS: tuple[Order, ...] = ("doubtful", "confident", "document")
REVIEWERS = frozenset({Role.ADMIN, Role.STAFF})


class ReviewError(ValueError):
    """A decision that cannot be recorded, with the reason a person can act on."""


def can_review(viewer: Viewer) -> bool:
    return viewer.role in REVIEWERS


@dataclass(frozen=True)
class Suggestion:
    passage_id: int
    document_id: int
    document_title: str
    page: int | None
    heading_path: list[str]
    text: str
    kind: str
    key: str
    label: str
    score: float | None
    origin: str


@dataclass(frozen=True)
class PassageTag:
    key: str
    kind: str
    label: str
    score: float | None
    origin: str
    #: suggested, accepted or rejected
    status: str


def _pending() -> ColumnElement[bool]:
    return ~exists().where(
        TagReview.passage_id == Annotation.passage_id, TagReview.key == Annotation.key
    )


def queue(
    session: Session,
    viewer: Viewer,
    *,
    keys: Sequence[str] = (),
    document_id: int | None = None,
    min_score: float | None = None,
    max_score: float | None = None,
    order: Order = "doubtful",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Suggestion], int]:
    """Suggestions waiting for a decision on passages ``viewer`` may see, and how many
    there are. ``keys`` keeps tags of those themes (and their outcomes) or outcomes."""
    if order not in ORDERS:
        raise ReviewError(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
    conditions: list[ColumnElement[bool]] = [
        Annotation.enricher == ENRICHER,
        Annotation.passage_id.is_not(None),
        _pending(),
        visible_documents(viewer),
    ]
    if keys:
        conditions.append(
            or_(Annotation.key.in_(keys), *(Annotation.key.startswith(f"{k}.") for k in keys))
        )
    if document_id is not None:
        conditions.append(Annotation.document_id == document_id)
    if min_score is not None:
        conditions.append(Annotation.score >= min_score)
    if max_score is not None:
        conditions.append(Annotation.score <= max_score)
    base = (
        select(Annotation, Passage, Document.title)
        .join(Passage, Passage.id == Annotation.passage_id)
        .join(Document, Document.id == Annotation.document_id)
        .where(and_(*conditions))
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    ordering = {
        "doubtful": (Annotation.score.asc(), Annotation.id),
        "confident": (Annotation.score.desc(), Annotation.id),
        "document": (Annotation.document_id, Passage.order, Annotation.id),
    }[order]
    rows = session.execute(base.order_by(*ordering).limit(limit).offset(offset)).all()
    return [
        Suggestion(
            passage_id=passage.id,
            document_id=annotation.document_id,
            document_title=title,
            page=passage.page,
            heading_path=list(passage.heading_path or []),
            text=passage.text,
            kind=annotation.kind,
            key=annotation.key,
            label=annotation.label,
            score=annotation.score,
            origin=str((annotation.attrs or {}).get("origin", "")),
        )
        for annotation, passage, title in rows
    ], int(total)


def passage_tags(session: Session, passage_id: int) -> list[PassageTag]:
    """Every tag of a passage: suggested and accepted ones, then rejected ones. The caller
    has checked that the passage may be seen."""
    tags = [
        PassageTag(
            a.key,
            a.kind,
            a.label,
            a.score,
            str((a.attrs or {}).get("origin", "")),
            str((a.attrs or {}).get("status", "suggested")),
        )
        for a in session.scalars(
            select(Annotation)
            .where(Annotation.passage_id == passage_id, Annotation.enricher == ENRICHER)
            .order_by(Annotation.kind.desc(), Annotation.key)
        )
    ]
    tags += [
        PassageTag(r.key, r.kind, r.key, r.score, r.origin, "rejected")
        for r in session.scalars(
            select(TagReview)
            .where(TagReview.passage_id == passage_id, TagReview.decision == "rejected")
            .order_by(TagReview.key)
        )
    ]
    return tags


def decide(
    session: Session,
    viewer: Viewer,
    passage_id: int,
    key: str,
    decision: str,
    labels: Sequence[Label],
) -> PassageTag:
    """Record ``viewer``'s ``decision`` on tag ``key`` of a passage, inside the caller's
    transaction. Accepting an outcome accepts its theme; rejecting a theme takes its
    outcomes off the passage."""
    if not can_review(viewer):
        raise PermissionError("reviewing tags is for the network's staff and admins")
    if decision not in DECISIONS:
        raise ReviewError(f"decision must be 'accepted' or 'rejected', not {decision!r}")
    label = next((lab for lab in labels if lab.id == key), None)
    if label is None:
        raise ReviewError(f"no theme or outcome {key!r} in the framework the tagger uses")
    row = session.execute(
        select(Passage.id, Passage.document_id, Passage.text)
        .join(Document, Document.id == Passage.document_id)
        .where(Passage.id == passage_id, visible_documents(viewer))
    ).first()
    if row is None:
        raise LookupError(f"no passage {passage_id}")
    document_id, text = int(row[1]), str(row[2])
    current = session.scalar(
        select(Annotation).where(
            Annotation.passage_id == passage_id,
            Annotation.enricher == ENRICHER,
            Annotation.key == key,
        )
    )
    score = current.score if current is not None else None
    origin = str((current.attrs or {}).get("origin", "")) if current is not None else "person"
    person = f"person:{viewer.user_id}" if viewer.user_id is not None else "person"
    session.execute(
        delete(TagReview).where(TagReview.passage_id == passage_id, TagReview.key == key)
    )
    session.execute(
        insert(TagReview).values(
            document_id=document_id,
            passage_id=passage_id,
            kind=label.kind,
            key=key,
            decision=decision,
            score=score,
            origin=origin,
            user_id=viewer.user_id,
            decided_at=datetime.now(UTC),
        )
    )
    if decision == "rejected":
        doomed = [key] + [lab.id for lab in labels if lab.theme == key]
        session.execute(
            delete(Annotation).where(
                Annotation.passage_id == passage_id,
                Annotation.enricher == ENRICHER,
                Annotation.key.in_(doomed),
            )
        )
        return PassageTag(key, label.kind, label.title, score, origin, "rejected")
    if label.theme is not None:
        accepted_theme = session.scalar(
            select(TagReview.decision).where(
                TagReview.passage_id == passage_id, TagReview.key == label.theme
            )
        )
        if accepted_theme != "accepted":
            decide(session, viewer, passage_id, label.theme, "accepted", labels)
    if current is not None:
        session.execute(
            update(Annotation)
            .where(Annotation.id == current.id)
            .values(attrs={**(current.attrs or {}), "status": "accepted"})
        )
    else:
        tag = Tag(key, label.kind, 1.0, person)
        row_values = annotation_row(
            document_id, passage_id, text, "person", tag, "accepted", {key: label.title}
        )
        row_values["score"] = None
        session.execute(insert(Annotation).values(**row_values))
    return PassageTag(key, label.kind, label.title, score, origin, "accepted")

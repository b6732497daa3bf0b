"""Reviewing the tagger's suggestions from the web: the queue's filters as the review page
and ``GET /api/v1/review/queue`` read them, each suggestion as one row to show (with its
status now), and decisions, each recorded in a transaction of its own.

The rules themselves (who may review, what a decision changes) are
:mod:`evidencia.classify.review`'s; this module only shapes them for pages and the API, so
the two can never describe a suggestion differently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from evidencia.access import Viewer, visible_documents
from evidencia.classify import review
from evidencia.classify.labels import Label, framework_labels
from evidencia.classify.tagging import ENRICHER
from evidencia.store.db import Store
from evidencia.store.schema import Annotation, Document, Passage
from evidencia.web import corpus
from evidencia.web.models import (
    DecisionResult,
    ErrorDetail,
    PassageTagOut,
    ReviewItem,
    TagStatus,
)
from evidencia.web.params import MAX_INT

#: suggestions on one page of the review queue
PAGE_SIZE = 25
MAX_PAGE = 100
ORDER_PATTERN = "^(" + "|".join(review.ORDERS) + ")$"
#: one page of decisions sent at once (the bulk form, the API)
MAX_DECISIONS = 200


class ReviewInputError(ValueError):
    """Queue filters or a decision that cannot be used as given; the message says why."""


@dataclass(frozen=True)
class ReviewParams:
    """The review queue's filters, as the page's address and the API take them."""

    tags: tuple[str, ...] = ()
    document_id: int | None = None
    min_score: float | None = None
    max_score: float | None = None
    order: review.Order = "doubtful"
    limit: int = PAGE_SIZE
    offset: int = 0

    def checked(self, labels: Sequence[Label]) -> ReviewParams:
        """These filters, refused with a reason when they cannot mean anything."""
        known = {label.id for label in labels}
        unknown = [t for t in self.tags if t not in known]
        if unknown:
            raise ReviewInputError(
                f"no theme or outcome {unknown[0]!r} in the framework; see /framework for their ids"
            )
        if (
            self.min_score is not None
            and self.max_score is not None
            and self.min_score > self.max_score
        ):
            raise ReviewInputError(
                f"min_score ({self.min_score}) is above max_score ({self.max_score})"
            )
        return self

    def query(self, **changes: object) -> list[tuple[str, str]]:
        """The filters as query-string pairs (for links and the next page)."""
        values: dict[str, object] = {
            "tag": self.tags,
            "document_id": self.document_id,
            "min_score": self.min_score,
            "max_score": self.max_score,
            "order": None if self.order == "doubtful" else self.order,
            "limit": None if self.limit == PAGE_SIZE else self.limit,
            "offset": self.offset or None,
            **changes,
        }
        pairs: list[tuple[str, str]] = []
        for name, value in values.items():
            if isinstance(value, tuple):
                pairs += [(name, str(v)) for v in value]
            elif value is not None:
                pairs.append((name, f"{value:g}" if isinstance(value, float) else str(value)))
        return pairs


Order = Annotated[
    str,
    Query(
        pattern=ORDER_PATTERN,
        description="doubtful: lowest score first; confident: highest first; document: "
        "by document, in reading order.",
    ),
]
Tags = Annotated[
    list[str],
    Query(
        max_length=50,
        description="A theme or outcome id; a theme also keeps its outcomes. Repeat for "
        "alternatives.",
    ),
]


def _order(value: str) -> review.Order:
    for order in review.ORDERS:
        if order == value:
            return order
    raise ReviewInputError(f"order must be one of {', '.join(review.ORDERS)}")


def review_params(
    tag: Tags = [],  # noqa: B006  (FastAPI copies defaults; a list is how repeated parameters read)
    document_id: Annotated[
        int | None, Query(ge=1, le=MAX_INT, description="Only this document's passages.")
    ] = None,
    min_score: Annotated[float | None, Query(ge=0, le=1, description="Lowest score.")] = None,
    max_score: Annotated[float | None, Query(ge=0, le=1, description="Highest score.")] = None,
    order: Order = "doubtful",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Suggestions per page.")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_INT, description="Suggestions to skip.")] = 0,
) -> ReviewParams:
    """The API's queue filters, typed."""
    return ReviewParams(
        tuple(t.strip() for t in tag if t.strip()),
        document_id,
        min_score,
        max_score,
        _order(order),
        limit,
        offset,
    )


#: a form's number field: digits, or nothing (a blank field)
WHOLE = r"^\s*(\d{1,18})?\s*$"
FRACTION = r"^\s*(0(\.\d{1,6})?|1(\.0{1,6})?|\.\d{1,6})?\s*$"


def _blank_or(value: str, cast: type[int] | type[float]) -> int | float | None:
    value = value.strip()
    return cast(value) if value else None


def review_form_params(
    tag: Tags = [],  # noqa: B006
    document_id: Annotated[str, Query(pattern=WHOLE)] = "",
    min_score: Annotated[str, Query(pattern=FRACTION)] = "",
    max_score: Annotated[str, Query(pattern=FRACTION)] = "",
    order: Order = "doubtful",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = PAGE_SIZE,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> ReviewParams:
    """The page's filters: the same as the API's, where a blank form field means "any"."""
    document = _blank_or(document_id, int)
    if document is not None and not 1 <= document <= MAX_INT:
        raise ReviewInputError("a document number is 1 or more")
    low, high = _blank_or(min_score, float), _blank_or(max_score, float)
    return ReviewParams(
        tuple(t.strip() for t in tag if t.strip()),
        int(document) if document is not None else None,
        low,
        high,
        _order(order),
        limit,
        offset,
    )


# ---------------------------------------------------------------- reading


def labels(session: Session) -> list[Label]:
    """The themes and outcomes of the active framework (what may be decided on)."""
    return framework_labels(corpus.active_framework(session))


def _theme_of(labels: Iterable[Label]) -> dict[str, str | None]:
    return {label.id: label.theme for label in labels}


def queue(
    session: Session, viewer: Viewer, params: ReviewParams, labels: Sequence[Label]
) -> tuple[list[ReviewItem], int]:
    """One page of suggestions waiting for a decision that ``viewer`` may see."""
    found, total = review.queue(
        session,
        viewer,
        keys=params.tags,
        document_id=params.document_id,
        min_score=params.min_score,
        max_score=params.max_score,
        order=params.order,
        limit=params.limit,
        offset=params.offset,
    )
    theme_of = _theme_of(labels)
    return [
        ReviewItem(
            passage_id=s.passage_id,
            document_id=s.document_id,
            document_title=s.document_title,
            page=s.page,
            heading_path=s.heading_path,
            text=s.text,
            kind=s.kind,
            key=s.key,
            label=s.label,
            theme=theme_of.get(s.key),
            score=s.score,
            origin=s.origin,
            status="suggested",
            url=f"/documents/{s.document_id}#p-{s.passage_id}",
        )
        for s in found
    ], total


def _status(value: str) -> TagStatus:
    return "accepted" if value == "accepted" else "rejected" if value == "rejected" else "suggested"


def passage_tags(session: Session, passage_id: int, *, with_rejected: bool) -> list[PassageTagOut]:
    """A passage's tags (the caller has checked it may be seen); rejected ones only for
    those who review."""
    titles = {label.id: label.title for label in labels(session)}
    return [
        PassageTagOut(
            key=t.key,
            kind=t.kind,
            label=titles.get(t.key, t.label) if t.status == "rejected" else t.label,
            score=t.score,
            origin=t.origin,
            status=_status(t.status),
        )
        for t in review.passage_tags(session, passage_id)
        if with_rejected or t.status != "rejected"
    ]


def document_tags(session: Session, document_id: int) -> dict[int, list[PassageTagOut]]:
    """Every passage's tags in one document (the caller has checked it may be seen):
    themes first, then outcomes, as :func:`passage_tags` lists them."""
    rows = session.scalars(
        select(Annotation)
        .where(
            Annotation.document_id == document_id,
            Annotation.enricher == ENRICHER,
            Annotation.passage_id.is_not(None),
        )
        .order_by(Annotation.passage_id, Annotation.kind.desc(), Annotation.key)
    )
    found: dict[int, list[PassageTagOut]] = {}
    for a in rows:
        attrs = a.attrs or {}
        found.setdefault(int(a.passage_id or 0), []).append(
            PassageTagOut(
                key=a.key,
                kind=a.kind,
                label=a.label,
                score=a.score,
                origin=str(attrs.get("origin", "")),
                status=_status(str(attrs.get("status", "suggested"))),
            )
        )
    return found


def item(
    session: Session, viewer: Viewer, passage_id: int, key: str, labels: Sequence[Label]
) -> ReviewItem | None:
    """Tag ``key`` of a passage as it stands now (``removed`` when it is on the passage no
    longer, without a decision of its own); None when the passage may not be seen."""
    row = session.execute(
        select(Passage, Document.title)
        .join(Document, Document.id == Passage.document_id)
        .where(Passage.id == passage_id, visible_documents(viewer))
    ).first()
    if row is None:
        return None
    passage, title = row
    label = next((lab for lab in labels if lab.id == key), None)
    tag = next((t for t in review.passage_tags(session, passage_id) if t.key == key), None)
    status: TagStatus = _status(tag.status) if tag is not None else "removed"
    return ReviewItem(
        passage_id=passage.id,
        document_id=passage.document_id,
        document_title=str(title),
        page=passage.page,
        heading_path=list(passage.heading_path or []),
        text=passage.text,
        kind=tag.kind if tag is not None else (label.kind if label else "theme"),
        key=key,
        label=label.title if label is not None else (tag.label if tag else key),
        theme=label.theme if label is not None else None,
        score=tag.score if tag is not None else None,
        origin=tag.origin if tag is not None else "",
        status=status,
        url=f"/documents/{passage.document_id}#p-{passage.id}",
    )


# ---------------------------------------------------------------- deciding


def not_found(passage_id: int) -> ErrorDetail:
    """The same answer for a passage that does not exist and one the caller may not see."""
    return ErrorDetail(code="not_found", message=f"There is no passage {passage_id} you may see.")


def decide(
    store: Store,
    viewer: Viewer,
    passage_id: int,
    key: str,
    decision: Literal["accepted", "rejected"],
    labels: Sequence[Label],
) -> DecisionResult:
    """Record one decision in a transaction of its own; a refusal is in the result."""
    error: ErrorDetail | None = None
    status: TagStatus | None = None
    try:
        with store.session() as session, session.begin():
            done = review.decide(session, viewer, passage_id, key, decision, labels)
            status = _status(done.status)
    except LookupError:
        error = not_found(passage_id)
    except review.ReviewError as exc:
        error = ErrorDetail(code="bad_decision", message=str(exc))
    except PermissionError as exc:
        error = ErrorDetail(code="staff_only", message=str(exc))
    return DecisionResult(
        passage_id=passage_id,
        key=key,
        decision=decision,
        ok=error is None,
        status=status,
        error=error,
    )

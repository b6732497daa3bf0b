"""Reviewing the tagger's suggestions: the queue, decisions, and a passage's tags."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request

from evidencia.classify.review import can_review
from evidencia.web import corpus, reviewing
from evidencia.web.api.auth import Caller, Reviewer
from evidencia.web.api.errors import ApiError
from evidencia.web.auditing import record_passages
from evidencia.web.context import web_state
from evidencia.web.models import DecisionIn, DecisionsOut, Page, PassageTagOut, ReviewItem
from evidencia.web.params import Id
from evidencia.web.reviewing import ReviewParams, review_params

router = APIRouter(tags=["review"])


@router.get(
    "/review/queue",
    response_model=Page[ReviewItem],
    summary="Suggestions to review (staff, admins)",
)
def review_queue(
    request: Request, me: Reviewer, params: Annotated[ReviewParams, Depends(review_params)]
) -> Page[ReviewItem]:
    """Tags the tagger suggested that nobody has decided on yet, on passages the caller
    may see: least certain first, unless ``order`` says otherwise."""
    with web_state(request).store.session() as session:
        labels = reviewing.labels(session)
        items, total = reviewing.queue(session, me.viewer, params.checked(labels), labels)
    record_passages(web_state(request).store, me.actor, (i.passage_id for i in items), "review")
    end = params.offset + params.limit
    return Page[ReviewItem](
        total=total,
        offset=params.offset,
        limit=params.limit,
        next_offset=end if end < total else None,
        items=items,
    )


@router.post(
    "/review/decisions",
    response_model=DecisionsOut,
    summary="Accept or reject tags (staff, admins)",
)
def decide(
    request: Request,
    me: Reviewer,
    decisions: Annotated[
        list[DecisionIn],
        Body(
            min_length=1,
            max_length=reviewing.MAX_DECISIONS,
            description="One or more decisions: accepting a tag keeps it (and adds it when "
            "the tagger had not suggested it; an outcome's theme is accepted with it); "
            "rejecting one takes it off the passage (a theme's outcomes with it) and keeps "
            "it off whatever the tagger says later.",
        ),
    ],
) -> DecisionsOut:
    """Each decision is recorded on its own and answered in ``results``, in the order sent;
    a passage that does not exist and one the caller may not see are both ``not_found``."""
    web = web_state(request)
    with web.store.session() as session:
        labels = reviewing.labels(session)
    results = [
        reviewing.decide(web.store, me.viewer, d.passage_id, d.key, d.decision, labels)
        for d in decisions
    ]
    return DecisionsOut(
        accepted=sum(1 for r in results if r.ok and r.decision == "accepted"),
        rejected=sum(1 for r in results if r.ok and r.decision == "rejected"),
        failed=sum(1 for r in results if not r.ok),
        results=results,
    )


@router.get(
    "/passages/{passage_id}/tags",
    response_model=list[PassageTagOut],
    summary="A passage's themes and outcomes",
)
def passage_tags(request: Request, me: Caller, passage_id: Id) -> list[PassageTagOut]:
    """Suggested and accepted tags, themes first; reviewers also see the rejected ones."""
    with web_state(request).store.session() as session:
        passage = corpus.visible_passage(session, me.viewer, passage_id)
        if passage is None:
            raise ApiError(404, "not_found", f"There is no passage {passage_id} you may see.")
        return reviewing.passage_tags(session, passage_id, with_rejected=can_review(me.viewer))

"""The review queue: the network's team accepts or rejects the tagger's suggestions, one at a
time or a selection at once, from the queue or beside a passage on its document's page.

Every form works without JavaScript (a decision, then back to where it was made); with it,
htmx sends the same forms and swaps in the rows a decision changed, and ``static/app.js``
adds the keyboard (j/k to move, a/r to decide, x to select, A/R for the selection).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from evidencia.classify.labels import Label
from evidencia.web import corpus, reviewing
from evidencia.web.auditing import record_passages
from evidencia.web.context import Me, web_state
from evidencia.web.guards import reviewer_page
from evidencia.web.i18n import N_
from evidencia.web.models import DecisionResult, ReviewItem
from evidencia.web.pages.account import safe_next
from evidencia.web.pages.documents import PASSAGE_NOT_FOUND
from evidencia.web.params import MAX_INT, Id
from evidencia.web.rendering import render
from evidencia.web.reviewing import ReviewParams, review_form_params

router = APIRouter()

Decision = Literal["accepted", "rejected"]
Reviewer = Annotated[Me, Depends(reviewer_page)]
DecisionField = Annotated[str, Form(pattern="^(accepted|rejected)$")]
KeyField = Annotated[str, Form(min_length=1, max_length=200)]
#: "passage:key" values, as the queue's checkboxes and row lists send them
Items = Annotated[list[str], Form(max_length=reviewing.MAX_DECISIONS)]
NextField = Annotated[str, Form(max_length=2000)]
#: the event a decision's answer raises in the browser (the counts then refresh)
DECIDED_EVENT = "review-decided"

BAD_ITEM = N_("A selected suggestion is not of the form passage:tag.")


def _decision(value: str) -> Decision:
    return "accepted" if value == "accepted" else "rejected"


def _fragment_wanted(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _back(target: str) -> str:
    """Back to the queue where the decision was made (never anywhere else)."""
    target = safe_next(target)
    return target if target == "/review" or target.startswith("/review?") else "/review"


def _address(params: ReviewParams) -> str:
    query = params.query()
    return "/review" + ("?" + urlencode(query) if query else "")


def _pairs(values: list[str]) -> list[tuple[int, str]]:
    """``passage:key`` values as (passage, key), once each; a malformed one is refused."""
    found: list[tuple[int, str]] = []
    for value in values:
        number, _, key = value.partition(":")
        if not (number.isdigit() and 1 <= int(number) <= MAX_INT and 0 < len(key) <= 200):
            raise HTTPException(400, BAD_ITEM)
        if (int(number), key) not in found:
            found.append((int(number), key))
    return found


def _options(request: Request) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The framework's themes, each with its outcomes, for the filter."""
    with web_state(request).store.session() as session:
        active = corpus.active_framework(session)
    outcomes: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for theme, _objective, outcome in active.outcomes():
        outcomes[theme].append((outcome.id, outcome.title))
    return [(t.id, t.title, outcomes.get(t.id, [])) for t in active.themes]


def _rows_of(items: list[ReviewItem]) -> dict[int, list[str]]:
    """For each passage on the page, the keys of its rows: a decision on one row can change
    another (accepting an outcome accepts its theme, rejecting a theme takes its outcomes
    off), so the answer to a decision redraws them all."""
    keys: dict[int, list[str]] = defaultdict(list)
    for item in items:
        keys[item.passage_id].append(item.key)
    return dict(keys)


@router.get("/review", response_class=HTMLResponse)
def review_page(
    request: Request,
    me: Reviewer,
    params: Annotated[ReviewParams, Depends(review_form_params)],
) -> HTMLResponse:
    with web_state(request).store.session() as session:
        labels = reviewing.labels(session)
        params.checked(labels)
        items, total = reviewing.queue(session, me.viewer, params, labels)
        document = (
            corpus.visible_document(session, me.viewer, params.document_id)
            if params.document_id
            else None
        )
        document_title = document.title if document is not None else None
    record_passages(web_state(request).store, me.actor, (i.passage_id for i in items), "review")
    end = params.offset + params.limit
    return render(
        request,
        "review.html",
        suggestions=items,
        total=total,
        params=params,
        here=_address(params),
        options=_options(request),
        rows_of=_rows_of(items),
        document_title=document_title,
        any_document=_address(replace(params, document_id=None, offset=0)),
        previous=_address(replace(params, offset=max(0, params.offset - params.limit)))
        if params.offset
        else None,
        next=_address(replace(params, offset=end)) if end < total else None,
        nav="review",
    )


def _redrawn(
    request: Request,
    me: Me,
    results: list[DecisionResult],
    shown: list[tuple[int, str]],
    labels: list[Label],
) -> list[ReviewItem]:
    """The rows on the page that the decisions may have changed, as they stand now."""
    touched = {r.passage_id for r in results if r.ok}
    with web_state(request).store.session() as session:
        rows = [
            reviewing.item(session, me.viewer, pid, key, labels)
            for pid, key in shown
            if pid in touched
        ]
    return [row for row in rows if row is not None]


def _answer(
    request: Request,
    me: Me,
    results: list[DecisionResult],
    shown: list[tuple[int, str]],
    labels: list[Label],
    back: str,
) -> Response:
    if not _fragment_wanted(request):
        return RedirectResponse(back, status_code=303)
    redrawn = _redrawn(request, me, results, shown, labels)
    return render(
        request,
        "review_decided.html",
        rows=redrawn,
        rows_of=_rows_of(redrawn),
        names={(row.passage_id, row.key): row.label for row in redrawn},
        here=back,
        results=results,
        accepted=sum(1 for r in results if r.ok and r.decision == "accepted"),
        rejected=sum(1 for r in results if r.ok and r.decision == "rejected"),
        failed=sum(1 for r in results if not r.ok),
        headers={"HX-Trigger": DECIDED_EVENT},
    )


@router.post("/review/decide", response_class=HTMLResponse)
def decide(
    request: Request,
    me: Reviewer,
    passage_id: Annotated[int, Form(ge=1, le=MAX_INT)],
    key: KeyField,
    decision: DecisionField,
    shown: Items = [],  # noqa: B006  (FastAPI copies defaults)
    next: NextField = "/review",
) -> Response:
    """One decision from the queue; the answer redraws the rows of that passage."""
    web = web_state(request)
    with web.store.session() as session:
        labels = reviewing.labels(session)
    result = reviewing.decide(web.store, me.viewer, passage_id, key, _decision(decision), labels)
    if result.error is not None and result.error.code == "not_found":
        raise HTTPException(404, PASSAGE_NOT_FOUND)
    if result.error is not None:
        raise HTTPException(400, result.error.message)
    rows = _pairs(shown)
    if (passage_id, key) not in rows:
        rows.insert(0, (passage_id, key))
    return _answer(request, me, [result], rows, labels, _back(next))


@router.post("/review/bulk", response_class=HTMLResponse)
def decide_many(
    request: Request,
    me: Reviewer,
    decision: DecisionField,
    item: Items = [],  # noqa: B006
    shown: Items = [],  # noqa: B006
    next: NextField = "/review",
) -> Response:
    """The same decision on every selected suggestion (each recorded on its own)."""
    chosen = _pairs(item)
    if not chosen:
        raise HTTPException(400, N_("Select at least one suggestion first."))
    web = web_state(request)
    with web.store.session() as session:
        labels = reviewing.labels(session)
    results = [
        reviewing.decide(web.store, me.viewer, pid, key, _decision(decision), labels)
        for pid, key in chosen
    ]
    rows = _pairs(shown)
    rows += [pair for pair in chosen if pair not in rows]
    return _answer(request, me, results, rows, labels, _back(next))


@router.post("/passages/{passage_id}/tags", response_class=HTMLResponse)
def decide_on_document(
    request: Request,
    me: Reviewer,
    passage_id: Id,
    key: KeyField,
    decision: DecisionField,
) -> Response:
    """A decision beside the passage on its document's page; the answer is the passage's
    tags as they are now."""
    web = web_state(request)
    with web.store.session() as session:
        labels = reviewing.labels(session)
        passage = corpus.visible_passage(session, me.viewer, passage_id)
        if passage is None:
            raise HTTPException(404, PASSAGE_NOT_FOUND)
        document_id = passage.document_id
    result = reviewing.decide(web.store, me.viewer, passage_id, key, _decision(decision), labels)
    if result.error is not None and result.error.code == "not_found":
        raise HTTPException(404, PASSAGE_NOT_FOUND)  # it went while we were deciding
    if result.error is not None:
        raise HTTPException(400, result.error.message)
    if not _fragment_wanted(request):
        return RedirectResponse(f"/documents/{document_id}#p-{passage_id}", status_code=303)
    with web.store.session() as session:
        tags = reviewing.passage_tags(session, passage_id, with_rejected=False)
    return render(
        request,
        "passage_tags.html",
        passage_id=passage_id,
        tags=tags,
        can_review=True,
        announce=result,
        announce_label=next((lab.title for lab in labels if lab.id == key), key),
        headers={"HX-Trigger": DECIDED_EVENT},
    )

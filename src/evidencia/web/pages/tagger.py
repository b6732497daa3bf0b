"""The tagger page (administrators): the versions on the shelf with their held-out figures,
retraining and rolling back, each a background job whose progress the page polls."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from evidencia.classify.model import ModelError
from evidencia.web.context import Me, web_state
from evidencia.web.guards import tagger_page
from evidencia.web.i18n import N_
from evidencia.web.rendering import render
from evidencia.web.tagger_jobs import TaggerBusy, TaggerJob, job_out, status

router = APIRouter()

Admin = Annotated[Me, Depends(tagger_page)]

BUSY = N_("A job is running already: wait for it to finish.")
NOTHING_TO_ROLL_BACK = N_(
    "The tagger shipped with Evidencia is in use: there is nothing to roll back to."
)


def _fragment_wanted(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _page(request: Request, *, status_code: int = 200, error: str | None = None) -> HTMLResponse:
    return render(
        request,
        "tagger.html",
        status_code=status_code,
        tagger=status(web_state(request).tagger),
        error=error,
        now=datetime.now(UTC),
        nav="tagger",
    )


def _job(request: Request, job: TaggerJob | None, *, notice: str | None = None) -> Response:
    """The job's box, to be swapped into the page; once the job is over it also brings the
    versions table, which it may have changed."""
    tagger = status(web_state(request).tagger) if job is None or not job.running else None
    return render(
        request,
        "tagger_job.html",
        job=job_out(job) if job is not None else None,
        tagger=tagger,
        oob=tagger is not None,
        notice=notice,
        now=datetime.now(UTC),
    )


@router.get("/admin/tagger", response_class=HTMLResponse)
def tagger_home(request: Request, _me: Admin) -> HTMLResponse:
    return _page(request)


@router.get("/admin/tagger/job", response_class=HTMLResponse)
def tagger_job(request: Request, _me: Admin) -> Response:
    """The latest job's progress (what the page polls); without htmx, the whole page."""
    if not _fragment_wanted(request):
        return _page(request)
    return _job(request, web_state(request).tagger.latest())


@router.post("/admin/tagger/train", response_class=HTMLResponse)
def train(request: Request, _me: Admin) -> Response:
    """Start a retrain (then a re-tagging, if the new version is kept)."""
    notice = None
    try:
        job = web_state(request).tagger.start_train()
    except TaggerBusy as exc:
        job, notice = exc.job, BUSY
    if _fragment_wanted(request):
        return _job(request, job, notice=notice)
    return RedirectResponse("/admin/tagger", status_code=303)


@router.post("/admin/tagger/rollback", response_class=HTMLResponse)
def rollback(request: Request, _me: Admin) -> Response:
    """Go back to the version the current one replaced, then re-tag with it."""
    tagger = web_state(request).tagger
    try:
        job = tagger.start_rollback()
    except TaggerBusy:
        return _page(request, status_code=409, error=BUSY)
    except ModelError:
        return _page(request, status_code=409, error=NOTHING_TO_ROLL_BACK)
    if _fragment_wanted(request):
        return _job(request, job)
    return RedirectResponse("/admin/tagger", status_code=303)

"""The theme tagger (administrators): its versions, retraining and rolling back, each a
background job to follow at its own address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from evidencia.classify.model import ModelError
from evidencia.web.api.auth import TaggerAdmin
from evidencia.web.api.errors import ApiError
from evidencia.web.context import web_state
from evidencia.web.models import ErrorBody, TaggerJobOut, TaggerStatus
from evidencia.web.tagger_jobs import TaggerBusy, TaggerJob, job_out, status

router = APIRouter(tags=["tagger"])

Wait = Annotated[
    float,
    Query(ge=0, le=600, description="Seconds to wait for the job to finish before answering."),
]
_JOB = {
    "model": TaggerJobOut,
    "description": "The job: finished (200) or still running (202; ask its `url` again).",
}
_BUSY = {"model": ErrorBody, "description": "Another job is running (its address is named)."}


def _answer(request: Request, job: TaggerJob, wait: float) -> JSONResponse:
    if wait:
        web_state(request).tagger.wait(job, wait)
    out = job_out(job)
    return JSONResponse(out.model_dump(mode="json"), status_code=202 if job.running else 200)


def _busy(exc: TaggerBusy) -> ApiError:
    return ApiError(
        409,
        "busy",
        f"A tagger job is running already: follow /api/v1/tagger/jobs/{exc.job.id}.",
    )


@router.get("/tagger", response_model=TaggerStatus, summary="The tagger's versions (admins)")
def tagger_status(request: Request, _admin: TaggerAdmin) -> TaggerStatus:
    """The version in use, every version with its held-out theme F1, and the latest job."""
    return status(web_state(request).tagger)


@router.post(
    "/tagger/train",
    summary="Retrain the tagger (admins)",
    response_model=TaggerJobOut,
    status_code=202,
    responses={200: _JOB, 202: _JOB, 409: _BUSY},
)
def train(request: Request, _admin: TaggerAdmin, wait: Wait = 0) -> JSONResponse:
    """Start a retrain from the starter set and people's decisions. The new version is
    kept only if it is not worse on held-out examples than the one in use; then every
    stored passage is tagged again with it (people's decisions stay)."""
    try:
        job = web_state(request).tagger.start_train()
    except TaggerBusy as exc:
        raise _busy(exc) from exc
    return _answer(request, job, wait)


@router.post(
    "/tagger/rollback",
    summary="Roll the tagger back (admins)",
    response_model=TaggerJobOut,
    status_code=202,
    responses={
        200: _JOB,
        202: _JOB,
        409: {
            "model": ErrorBody,
            "description": "Another job is running, or there is no earlier version.",
        },
    },
)
def rollback(request: Request, _admin: TaggerAdmin, wait: Wait = 0) -> JSONResponse:
    """Make the version the current one replaced current again, then tag the stored
    passages with it."""
    try:
        job = web_state(request).tagger.start_rollback()
    except TaggerBusy as exc:
        raise _busy(exc) from exc
    except ModelError as exc:
        raise ApiError(409, "nothing_to_roll_back", str(exc)) from exc
    return _answer(request, job, wait)


@router.get(
    "/tagger/jobs/{job_id}",
    summary="A tagger job's progress (admins)",
    response_model=TaggerJobOut,
    responses={200: _JOB, 202: _JOB},
)
def tagger_job(
    request: Request,
    _admin: TaggerAdmin,
    job_id: Annotated[str, Path(max_length=64, description="The job's id.")],
    wait: Wait = 0,
) -> JSONResponse:
    job = web_state(request).tagger.get(job_id)
    if job is None:
        raise ApiError(404, "not_found", f"There is no tagger job {job_id}.")
    return _answer(request, job, wait)

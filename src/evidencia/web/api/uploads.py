"""Uploading files through the API: the same queue and pipeline as the upload page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from evidencia.model import AccessLevel, DocumentType
from evidencia.web.api.auth import LoggedIn
from evidencia.web.api.errors import ApiError
from evidencia.web.context import web_state
from evidencia.web.models import ErrorBody, UploadBatch
from evidencia.web.pages.upload import UploadRefused, batch_out, owned_batch, upload_meta
from evidencia.web.params import DATE_PATTERN, Index

router = APIRouter(tags=["upload"])

Wait = Annotated[
    float,
    Query(ge=0, le=120, description="Seconds to wait for the batch to finish before answering."),
]


def _answer(request: Request, batch_id: str, me: LoggedIn, wait: float) -> JSONResponse:
    web = web_state(request)
    batch = owned_batch(request, me, batch_id)
    if wait:
        web.uploads.wait(batch, wait)
    out = batch_out(request, me, batch)
    for item in out.files:  # the API's retry address is its own
        if item.retry_url:
            index = item.retry_url.removesuffix("/retry").rsplit("/", 1)[-1]
            item.retry_url = f"/api/v1/uploads/{batch.id}/files/{index}/retry"
    return JSONResponse(out.model_dump(mode="json"), status_code=200 if out.done else 202)


_BATCH = {
    "model": UploadBatch,
    "description": "The batch: done (200) or still being ingested (202; ask again).",
}


@router.post(
    "/uploads",
    summary="Upload files",
    response_model=UploadBatch,
    status_code=202,
    responses={200: _BATCH, 202: _BATCH},
)
def upload(
    request: Request,
    me: LoggedIn,
    files: Annotated[
        list[UploadFile], File(min_length=1, description="One or more files to ingest.")
    ],
    access: Annotated[
        AccessLevel,
        Form(description="Who may see the documents (restricted unless said otherwise)."),
    ] = AccessLevel.RESTRICTED,
    organisation: Annotated[
        str, Form(max_length=200, description="Owning organisation (members: always theirs).")
    ] = "",
    doc_type: Annotated[DocumentType, Form(description="Document type.")] = DocumentType.OTHER,
    published: Annotated[str, Form(pattern=DATE_PATTERN, description="Publication date.")] = "",
    wait: Wait = 0,
) -> JSONResponse:
    """Queue files for ingestion; poll ``GET /uploads/{id}`` (or pass ``wait``) for each
    file's result, with the reason when it failed."""
    try:
        meta = upload_meta(
            request,
            me,
            access=access.value,
            organisation=organisation,
            doc_type=doc_type.value,
            published=published,
        )
    except UploadRefused as exc:
        raise ApiError(400, "bad_upload", str(exc)) from exc
    chosen = [f for f in files if f.filename]
    if not chosen:
        raise ApiError(400, "no_files", "Send at least one file (multipart field 'files').")
    assert me.user_id is not None
    batch = web_state(request).uploads.submit(
        me.user_id, meta, [(f.filename, f.file) for f in chosen]
    )
    return _answer(request, batch.id, me, wait)


@router.get(
    "/uploads/{batch_id}",
    summary="An upload's progress",
    response_model=UploadBatch,
    responses={200: _BATCH, 202: _BATCH},
)
def upload_status(request: Request, me: LoggedIn, batch_id: str, wait: Wait = 0) -> JSONResponse:
    return _answer(request, batch_id, me, wait)


@router.post(
    "/uploads/{batch_id}/files/{index}/retry",
    summary="Retry a failed file",
    response_model=UploadBatch,
    status_code=202,
    responses={
        200: _BATCH,
        202: _BATCH,
        409: {"model": ErrorBody, "description": "The file has not failed."},
    },
)
def retry(
    request: Request, me: LoggedIn, batch_id: str, index: Index, wait: Wait = 0
) -> JSONResponse:
    batch = owned_batch(request, me, batch_id)
    if not web_state(request).uploads.retry(batch, index):
        raise ApiError(409, "not_retryable", "This file has not failed, or cannot be retried.")
    return _answer(request, batch_id, me, wait)

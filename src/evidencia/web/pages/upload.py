"""Bringing files in from the browser: a plain multi-file form that works without
JavaScript, which ``static/app.js`` turns into drag-and-drop with progress per file.

Either way the files go to :class:`~evidencia.web.uploads.UploadQueue`, i.e. through the
same ingest pipeline as ``evidencia ingest``; the batch page then shows each file's result,
with the reason and a retry button for those that failed.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from evidencia import accounts
from evidencia.access import Role
from evidencia.model import AccessLevel, DocumentType
from evidencia.store.documents import DocumentMeta
from evidencia.web import corpus
from evidencia.web.context import Me, web_state
from evidencia.web.guards import login_page
from evidencia.web.i18n import N_
from evidencia.web.models import FileStatus, UploadBatch
from evidencia.web.params import Index
from evidencia.web.rendering import render
from evidencia.web.uploads import Batch

router = APIRouter()

BATCH_NOT_FOUND = N_("There is no upload with this number, or it was not yours.")


class UploadRefused(ValueError):
    """Upload settings that cannot be accepted; the message says which and why."""


def upload_meta(
    request: Request,
    me: Me,
    *,
    access: str,
    organisation: str,
    doc_type: str,
    published: str,
) -> DocumentMeta:
    """What the uploader says about the files, checked against who they are: a member's
    documents belong to their organisation; staff and admins pick an existing one."""
    try:
        level = AccessLevel(access)
        kind = DocumentType(doc_type or DocumentType.OTHER.value)
        when = date.fromisoformat(published) if published else None
    except ValueError as exc:
        raise UploadRefused(str(exc)) from exc
    org: str | None = organisation.strip() or None
    if me.role is Role.MEMBER:
        org = me.organisation
    elif org is not None:
        with web_state(request).store.session() as session:
            if accounts.find_organisation(session, org) is None:
                raise UploadRefused(f"no organisation named {org!r}; an admin can add it")
    return DocumentMeta(doc_type=kind, access=level, organisation=org, published=when)


def _duplicate_of(document_id: int | None, shown: set[int], reason: str | None) -> str | None:
    """Why a file was not stored again, naming the stored document only to those who may
    see it (the pipeline's own message names its number and the path it came from)."""
    if document_id is None:
        return reason  # a copy within the same batch, or a race: nothing to hide
    if document_id in shown:
        return f"same content as document {document_id}"
    return "same content as a document already stored"


def batch_out(request: Request, me: Me, batch: Batch) -> UploadBatch:
    """The batch as ``me`` may see it: a file that duplicates a document ``me`` may not see
    says so without telling which document (its number, address or file)."""
    duplicates = {f.document_id for f in batch.files if f.status == "duplicate" and f.document_id}
    with web_state(request).store.session() as session:
        shown = corpus.visible_ids(session, me.viewer, duplicates)
    files = []
    for i, f in enumerate(batch.files):
        document_id, error = f.document_id, f.error
        if f.status == "duplicate":
            error = _duplicate_of(document_id, shown, error)
            document_id = document_id if document_id in shown else None
        files.append(
            FileStatus(
                name=f.name,
                status=f.status,
                document_id=document_id,
                passages=f.passages,
                error=error,
                url=f"/documents/{document_id}" if document_id else None,
                retry_url=f"/upload/{batch.id}/{i}/retry"
                if f.status == "failed" and f.path.is_file()
                else None,
            )
        )
    return UploadBatch(
        id=batch.id,
        done=batch.done,
        access=batch.meta.access.value,
        organisation=batch.meta.organisation,
        files=files,
    )


def owned_batch(request: Request, me: Me, batch_id: str) -> Batch:
    """The batch if ``me`` made it (or is an admin); otherwise not found."""
    batch = web_state(request).uploads.get(batch_id)
    if batch is None or (batch.owner != me.user_id and not me.is_admin):
        raise HTTPException(404, BATCH_NOT_FOUND)
    return batch


def _organisations(request: Request) -> list[str]:
    with web_state(request).store.session() as session:
        return [o.name for o in accounts.list_organisations(session)]


def _form(request: Request, *, status_code: int = 200, error: str | None = None) -> HTMLResponse:
    return render(
        request,
        "upload.html",
        status_code=status_code,
        error=error,
        levels=[level.value for level in AccessLevel],
        doc_types=[t.value for t in DocumentType],
        organisations=_organisations(request),
        max_mb=web_state(request).uploads.limits.max_file_bytes // 2**20,
        nav="upload",
    )


def _fragment_wanted(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, _me: Annotated[Me, Depends(login_page)]) -> HTMLResponse:
    return _form(request)


@router.post("/upload", response_class=HTMLResponse)
def upload(
    request: Request,
    me: Annotated[Me, Depends(login_page)],
    files: Annotated[list[UploadFile], File(description="One or more files.")],
    access: Annotated[str, Form(max_length=16)] = AccessLevel.RESTRICTED.value,
    organisation: Annotated[str, Form(max_length=200)] = "",
    doc_type: Annotated[str, Form(max_length=32)] = DocumentType.OTHER.value,
    published: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    try:
        meta = upload_meta(
            request,
            me,
            access=access,
            organisation=organisation,
            doc_type=doc_type,
            published=published,
        )
    except UploadRefused as exc:
        return _form(request, status_code=400, error=str(exc))
    chosen = [f for f in files if f.filename]
    if not chosen:
        return _form(request, status_code=400, error="no_files")
    assert me.user_id is not None  # login_page guarantees it
    batch = web_state(request).uploads.submit(
        me.user_id, meta, [(f.filename, f.file) for f in chosen]
    )
    if _fragment_wanted(request):
        return render(
            request,
            "upload_batch_fragment.html",
            status_code=202,
            batch=batch_out(request, me, batch),
        )
    return RedirectResponse(f"/upload/{batch.id}", status_code=303)


@router.get("/upload/{batch_id}", response_class=HTMLResponse)
def batch_page(
    request: Request, batch_id: str, me: Annotated[Me, Depends(login_page)]
) -> HTMLResponse:
    batch = batch_out(request, me, owned_batch(request, me, batch_id))
    template = "upload_batch_fragment.html" if _fragment_wanted(request) else "upload_batch.html"
    return render(request, template, batch=batch, nav="upload")


@router.post("/upload/{batch_id}/{index}/retry")
def retry(
    request: Request, batch_id: str, index: Index, me: Annotated[Me, Depends(login_page)]
) -> Response:
    batch = owned_batch(request, me, batch_id)
    if not web_state(request).uploads.retry(batch, index):
        raise HTTPException(409, N_("This file has not failed, or it can no longer be retried."))
    if _fragment_wanted(request):
        return render(
            request,
            "upload_batch_fragment.html",
            status_code=202,
            batch=batch_out(request, me, batch),
        )
    return RedirectResponse(f"/upload/{batch.id}", status_code=303)

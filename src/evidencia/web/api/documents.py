"""Documents, their passages and original files; erasing one (admins); what one holds
about a pseudonymised person (its owners)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, Response

from evidencia import erasure
from evidencia.web import corpus, erasing
from evidencia.web.api.auth import Caller, Eraser
from evidencia.web.api.errors import ApiError
from evidencia.web.auditing import record_view
from evidencia.web.context import web_state
from evidencia.web.models import (
    DocumentDetail,
    DocumentSummary,
    ErrorBody,
    Page,
    PassageOut,
    SubjectExportOut,
)
from evidencia.web.pages.documents import (
    SUBJECT_NOT_FOUND,
    Pseudonym,
    original_response,
    subject_export,
)
from evidencia.web.params import Id, Skip

router = APIRouter(tags=["documents"])

Limit = Annotated[int, Query(ge=1, le=200, description="Items per page.")]
Offset = Skip


def _missing(what: str, number: int) -> ApiError:
    return ApiError(404, "not_found", f"There is no {what} {number} you may see.")


def _next(offset: int, limit: int, total: int) -> int | None:
    return offset + limit if offset + limit < total else None


@router.get("/documents", response_model=Page[DocumentSummary], summary="List documents")
def list_documents(
    request: Request,
    me: Caller,
    limit: Limit = 50,
    offset: Offset = 0,
    type: Annotated[str | None, Query(max_length=32, description="Document type.")] = None,
    lang: Annotated[str | None, Query(max_length=8, description="Main language.")] = None,
    org: Annotated[str | None, Query(max_length=200, description="Organisation name.")] = None,
) -> Page[DocumentSummary]:
    """Documents the caller may see, newest first; ``total`` counts only those."""
    with web_state(request).store.session() as session:
        total, docs = corpus.documents(
            session,
            me.viewer,
            limit=limit,
            offset=offset,
            doc_type=type,
            language=lang,
            organisation=org,
        )
    return Page[DocumentSummary](
        total=total, offset=offset, limit=limit, next_offset=_next(offset, limit, total), items=docs
    )


@router.get("/documents/{document_id}", response_model=DocumentDetail, summary="One document")
def get_document(request: Request, me: Caller, document_id: Id) -> DocumentDetail:
    with web_state(request).store.session() as session:
        found = corpus.document(session, me.viewer, document_id)
    if found is None:
        raise _missing("document", document_id)
    record_view(web_state(request).store, me.actor, document_id, "document")
    return found


@router.delete(
    "/documents/{document_id}",
    status_code=204,
    response_class=Response,
    summary="Erase a document for good (admins)",
)
def erase_document(request: Request, me: Eraser, document_id: Id) -> Response:
    """Remove the document everywhere: original, passages, footnotes, tags, vectors,
    indexes and the server's caches. The audit log records the erasure (by whom, how many
    passages), never the content. It cannot be undone."""
    try:
        erasing.erase(web_state(request), document_id, me.actor)
    except erasure.NoSuchDocument:
        raise _missing("document", document_id) from None
    return Response(status_code=204)


@router.get(
    "/documents/{document_id}/subject",
    response_model=SubjectExportOut,
    summary="What a document holds about one person (its owners)",
)
def subject(
    request: Request, response: Response, me: Caller, document_id: Id, pseudonym: Pseudonym
) -> SubjectExportOut:
    """A subject-access export: who the pseudonym stands for and every passage and footnote
    of the document that mentions it. Only the document's owners (its organisation's
    people, the network's staff for the network's own documents, admins) may ask; anyone
    else, a document that does not exist and a pseudonym it does not hold are all answered
    with the same 404. Every export is audited."""
    response.headers["Cache-Control"] = "no-store"  # personal data: kept by no cache
    try:
        return subject_export(request, me, document_id, pseudonym)
    except HTTPException:
        raise ApiError(404, "not_found", SUBJECT_NOT_FOUND) from None


@router.get(
    "/documents/{document_id}/passages",
    response_model=Page[PassageOut],
    summary="A document's passages",
)
def document_passages(
    request: Request, me: Caller, document_id: Id, limit: Limit = 100, offset: Offset = 0
) -> Page[PassageOut]:
    """Passages in reading order, each with page, headings, footnotes and tags."""
    with web_state(request).store.session() as session:
        found = corpus.passages(session, me.viewer, document_id, limit=limit, offset=offset)
    if found is None:
        raise _missing("document", document_id)
    record_view(web_state(request).store, me.actor, document_id, "passages")
    total, items = found
    return Page[PassageOut](
        total=total,
        offset=offset,
        limit=limit,
        next_offset=_next(offset, limit, total),
        items=items,
    )


@router.get(
    "/documents/{document_id}/original",
    response_class=FileResponse,
    summary="The original file",
    responses={
        200: {
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The file as it was ingested, as an attachment.",
        },
        410: {"model": ErrorBody, "description": "The file is missing from the data directory."},
    },
)
def document_original(request: Request, me: Caller, document_id: Id) -> Response:
    return original_response(request, document_id)


@router.get("/passages/{passage_id}", response_model=PassageOut, summary="One passage")
def get_passage(request: Request, me: Caller, passage_id: Id) -> PassageOut:
    with web_state(request).store.session() as session:
        found = corpus.passage(session, me.viewer, passage_id)
    if found is None:
        raise _missing("passage", passage_id)
    record_view(web_state(request).store, me.actor, found.document_id, "passage")
    return found

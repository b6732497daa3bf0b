"""Documents, their passages and original files."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response

from evidencia.web import corpus
from evidencia.web.api.auth import Caller
from evidencia.web.api.errors import ApiError
from evidencia.web.context import web_state
from evidencia.web.models import DocumentDetail, DocumentSummary, ErrorBody, Page, PassageOut
from evidencia.web.pages.documents import original_response
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
    return found


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
    return found

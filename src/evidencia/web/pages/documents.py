"""Documents: the list, one document with its passages by page, its original file, and
"more like this" for a passage. A document the visitor may not see is "not found".

Admins may erase a document for good from its page; its owners may export what it holds
about one pseudonymised person (a subject-access request)."""

from __future__ import annotations

import os
import re
from itertools import groupby
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)

from evidencia import audit, erasure, subject
from evidencia.access import protected
from evidencia.embed.base import EmbeddingError
from evidencia.model import DocumentType
from evidencia.search.modes import Request as SearchRequest
from evidencia.store import sealed
from evidencia.web import corpus, erasing, reviewing
from evidencia.web.auditing import record_hits, record_view
from evidencia.web.context import Me, current, web_state
from evidencia.web.guards import eraser_page
from evidencia.web.i18n import N_
from evidencia.web.models import HitOut, PassageOut, SubjectExportOut
from evidencia.web.params import Id, Skip
from evidencia.web.rendering import render
from evidencia.web.searching import search_slot

router = APIRouter()
PER_PAGE = 25

NOT_FOUND = N_("There is no document with this number, or you may not see it.")
PASSAGE_NOT_FOUND = N_("There is no passage with this number, or you may not see it.")
#: one answer whether the document is missing, hidden, not the caller's, or has no such
#: person in it: a subject-access export must not tell anyone else what a document holds
SUBJECT_NOT_FOUND = N_(
    "There is no such pseudonym in a document you own (only a document's owners may export "
    "what it holds about a person)."
)
#: what a subject-access export is asked with: "[PERSON 1]", as shown in the text
Pseudonym = Annotated[
    str,
    Query(
        max_length=64,
        description='A pseudonym as it appears in the text, e.g. "[PERSON 1]".',
    ),
]


def subject_export(request: Request, me: Me, document_id: int, pseudonym: str) -> SubjectExportOut:
    """What ``document_id`` holds about ``pseudonym``, for its owners (audited); a 404 with
    the same message for everything else."""
    try:
        found = subject.export(
            web_state(request).store, me.viewer, me.actor, document_id, pseudonym.strip()
        )
    except subject.SubjectError:
        raise HTTPException(404, SUBJECT_NOT_FOUND) from None
    return SubjectExportOut.model_validate(found.as_json())


def subject_filename(document_id: int, pseudonym: str) -> str:
    who = re.sub(r"[^A-Za-z0-9]+", "-", pseudonym).strip("-").lower() or "subject"
    return f"document-{document_id}-{who}.json"


def original_response(request: Request, document_id: int) -> Response:
    """The stored original as a download, for pages and API alike: always an attachment
    with a sandboxing CSP, so an uploaded HTML file can never run as part of the app.

    A sealed original (restricted, or a testimony) is opened on the way out, never written
    to disk in the clear, and every download of one is audited."""
    web = web_state(request)
    me = current(request)
    with web.store.session() as session, session.begin():
        doc = corpus.original(session, me.viewer, document_id)
        if doc is None:
            raise HTTPException(404, NOT_FOUND)
        path = web.store.home.root / doc.blob_path
        name, mime = os.path.basename(doc.origin) or f"document-{doc.id}", doc.mime
        if not path.is_file():
            raise HTTPException(410, N_("The original file is missing from the data directory."))
        if protected(doc.access, doc.doc_type):
            audit.record(session, me.actor, audit.Action.DOWNLOAD, doc.id)
    headers = {"Content-Security-Policy": "sandbox; default-src 'none'"}
    if path.name.endswith(sealed.SUFFIX):
        ring = sealed.KeyRing.load(web.store.home, create=False)
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return StreamingResponse(sealed.read_original(path, ring), media_type=mime, headers=headers)
    return FileResponse(
        path,
        media_type=mime,
        filename=name,
        content_disposition_type="attachment",
        headers=headers,
    )


@router.get("/documents", response_class=HTMLResponse)
def document_list(
    request: Request,
    type: Annotated[str | None, Query(max_length=32)] = None,
    offset: Skip = 0,
    erased: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> HTMLResponse:
    me = current(request)
    with web_state(request).store.session() as session:
        total, docs = corpus.documents(
            session, me.viewer, limit=PER_PAGE, offset=offset, doc_type=type or None
        )
        # after "Erase for good": said only to admins, and only if the log says it happened
        was_erased = (
            erased is not None
            and me.is_admin
            and audit.count(session, action=audit.Action.ERASE.value, document_id=erased) > 0
        )

    def href(at: int) -> str:
        query = [f"type={type}"] if type else []
        if at:
            query.append(f"offset={at}")
        return "/documents" + ("?" + "&".join(query) if query else "")

    return render(
        request,
        "documents.html",
        total=total,
        docs=docs,
        offset=offset,
        doc_type=type or "",
        doc_types=[t.value for t in DocumentType],
        previous=href(max(0, offset - PER_PAGE)) if offset else None,
        next=href(offset + PER_PAGE) if offset + PER_PAGE < total else None,
        erased=erased if was_erased else None,
        nav="documents",
    )


def _by_page(passages: list[PassageOut]) -> list[tuple[int | None, list[PassageOut]]]:
    return [(page, list(group)) for page, group in groupby(passages, key=lambda p: p.page)]


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def document_page(request: Request, document_id: Id) -> HTMLResponse:
    me = current(request)
    with web_state(request).store.session() as session:
        detail = corpus.document(session, me.viewer, document_id)
        found = corpus.passages(session, me.viewer, document_id, limit=None)
        if detail is None or found is None:
            raise HTTPException(404, NOT_FOUND)
        tags = reviewing.document_tags(session, document_id)
        subjects = corpus.exportable(session, me.viewer, document_id)
    record_view(web_state(request).store, me.actor, document_id, "document")
    return render(
        request,
        "document.html",
        doc=detail,
        pages=_by_page(found[1]),
        passage_count=found[0],
        passage_tags=tags,
        can_review=me.may_review,
        subjects=subjects,
        can_erase=me.is_admin,
        nav="documents",
    )


@router.post("/documents/{document_id}/erase")
def erase_document(
    request: Request,
    document_id: Id,
    me: Annotated[Me, Depends(eraser_page)],
    confirm: Annotated[str, Form(max_length=32)] = "",
) -> RedirectResponse:
    """Erase a document for good (admins), once its number has been typed to confirm."""
    if confirm.strip() != str(document_id):
        raise HTTPException(
            400, N_("Type the document's number in the box to confirm that it is to be erased.")
        )
    try:
        erasing.erase(web_state(request), document_id, me.actor)
    except erasure.NoSuchDocument:
        raise HTTPException(404, NOT_FOUND) from None
    return RedirectResponse(f"/documents?erased={document_id}", status_code=303)


@router.get("/documents/{document_id}/subject")
def subject_page(request: Request, document_id: Id, pseudonym: Pseudonym = "") -> JSONResponse:
    """The subject-access export as a JSON file, for the document's owners."""
    found = subject_export(request, current(request), document_id, pseudonym)
    return JSONResponse(
        found.model_dump(mode="json"),
        headers={
            "Content-Disposition": (
                f'attachment; filename="{subject_filename(document_id, pseudonym)}"'
            ),
            "Cache-Control": "no-store",
        },
    )


@router.get("/documents/{document_id}/original")
def document_original(request: Request, document_id: Id) -> Response:
    return original_response(request, document_id)


@router.get("/passages/{passage_id}")
def passage_page(request: Request, passage_id: Id) -> RedirectResponse:
    """A passage's permanent address: its place in its document."""
    with web_state(request).store.session() as session:
        found = corpus.passage(session, current(request).viewer, passage_id)
    if found is None:
        raise HTTPException(404, PASSAGE_NOT_FOUND)
    return RedirectResponse(found.url, status_code=303)


@router.get("/passages/{passage_id}/similar", response_class=HTMLResponse)
def similar_page(request: Request, passage_id: Id) -> HTMLResponse:
    """Passages nearest in meaning to one passage, in any language ("more like this")."""
    me = current(request)
    web = web_state(request)
    with web.store.session() as session:
        found = corpus.passage(session, me.viewer, passage_id)
    if found is None:
        raise HTTPException(404, PASSAGE_NOT_FOUND)
    record_view(web.store, me.actor, found.document_id, "passage")  # its text is shown too
    error = None
    hits: list[HitOut] = []
    try:
        with search_slot():
            found_hits = web.searcher.similar(passage_id, SearchRequest("", 10, viewer=me.viewer))
        hits = [HitOut.of(h) for h in found_hits]
        record_hits(web.store, me.actor, hits)
    except EmbeddingError:
        error = "no_vectors"
    fragment = request.headers.get("hx-request") == "true"
    return render(
        request,
        "similar_fragment.html" if fragment else "similar.html",
        passage=found,
        hits=hits,
        error=error,
        nav="search",
    )

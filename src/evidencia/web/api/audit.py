"""The audit log, for administrators: its entries newest first, the whole log as JSON lines
(as ``evidencia audit export`` writes it), and the chain verified."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from evidencia import audit
from evidencia.web.api.auth import AuditAdmin
from evidencia.web.auditing import AuditFilter, entries_page, export_lines, verification
from evidencia.web.context import web_state
from evidencia.web.models import AuditEntryOut, AuditVerification, Page
from evidencia.web.params import MAX_INT, Skip

router = APIRouter(tags=["audit"])


def audit_filter(
    action: Annotated[audit.Action | None, Query(description="Only this action.")] = None,
    document_id: Annotated[
        int | None, Query(ge=1, le=MAX_INT, description="Only entries about this document.")
    ] = None,
    since: Annotated[
        datetime | None,
        Query(description="Only entries from this moment on (ISO 8601; UTC if no zone)."),
    ] = None,
) -> AuditFilter:
    return AuditFilter(action=action, document_id=document_id, since=since)


Filter = Annotated[AuditFilter, Depends(audit_filter)]


@router.get("/audit", response_model=Page[AuditEntryOut], summary="The audit log (admins)")
def audit_log(
    request: Request,
    _admin: AuditAdmin,
    wanted: Filter,
    limit: Annotated[int, Query(ge=1, le=500, description="Entries per page.")] = 50,
    offset: Skip = 0,
) -> Page[AuditEntryOut]:
    """Entries newest first: who viewed, downloaded, exported or was shown restricted
    material, who changed who may see a document, who erased one. Never the content."""
    total, items = entries_page(web_state(request).store, wanted, limit=limit, offset=offset)
    return Page[AuditEntryOut](
        total=total,
        offset=offset,
        limit=limit,
        next_offset=offset + limit if offset + limit < total else None,
        items=items,
    )


@router.get(
    "/audit/export",
    response_class=StreamingResponse,
    summary="Export the audit log (admins)",
    responses={
        200: {
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
            "description": "One entry a line, oldest first, each with its hash.",
        }
    },
)
def audit_export(request: Request, admin: AuditAdmin, wanted: Filter) -> StreamingResponse:
    """Every entry (or those the filters keep), oldest first, as JSON lines with their
    hashes, so the chain can be checked elsewhere. The export itself is recorded (who,
    which filters)."""
    lines = export_lines(web_state(request).store, admin.actor, wanted)
    return StreamingResponse(
        lines,
        media_type="application/x-ndjson",
        headers={
            "Content-Disposition": 'attachment; filename="evidencia-audit.jsonl"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/audit/verify", response_model=AuditVerification, summary="Verify the audit log (admins)"
)
def audit_verify(request: Request, _admin: AuditAdmin) -> AuditVerification:
    """Recompute every entry's hash and link, and compare the end of the chain with the
    head written after the last commit: a changed, removed or moved entry is a problem."""
    return verification(web_state(request).store)

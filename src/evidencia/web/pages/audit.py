"""The audit log for administrators (the web side of ``evidencia audit``): entries newest
first, filtered by action and document, a page at a time, with links to the JSON-lines
export and to a check of the chain."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from evidencia import audit
from evidencia.web.auditing import AuditFilter, entries_page, verification
from evidencia.web.context import Me, web_state
from evidencia.web.guards import audit_page
from evidencia.web.params import Skip
from evidencia.web.rendering import render

router = APIRouter()

PER_PAGE = 50
ACTIONS = [a.value for a in audit.Action]
#: a blank form field is "any"
ACTION_PATTERN = "^(" + "|".join(ACTIONS) + ")?$"


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_log_page(
    request: Request,
    _me: Annotated[Me, Depends(audit_page)],
    action: Annotated[str, Query(pattern=ACTION_PATTERN)] = "",
    document: Annotated[str, Query(pattern=r"^\d{0,18}$")] = "",
    offset: Skip = 0,
    verify: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    wanted = AuditFilter(
        action=audit.Action(action) if action else None,
        document_id=int(document) if document and int(document) > 0 else None,
    )
    web = web_state(request)
    total, entries = entries_page(web.store, wanted, limit=PER_PAGE, offset=offset)

    def href(at: int) -> str:
        params = [("action", action), ("document", document)]
        params = [(k, v) for k, v in params if v]
        if at:
            params.append(("offset", str(at)))
        return "/admin/audit" + ("?" + urlencode(params) if params else "")

    filtered = wanted.as_query()
    return render(
        request,
        "admin_audit.html",
        entries=entries,
        total=total,
        offset=offset,
        actions=ACTIONS,
        action=action,
        document=document,
        previous=href(max(0, offset - PER_PAGE)) if offset else None,
        next=href(offset + PER_PAGE) if offset + PER_PAGE < total else None,
        export_all="/api/v1/audit/export",
        export_these="/api/v1/audit/export?" + urlencode(filtered) if filtered else None,
        verified=verification(web.store) if verify else None,
        nav="audit",
    )

"""Dependencies that stand in front of routes: CSRF on every state-changing request,
logged-in and admin-only pages and endpoints.

They are attached to whole routers (see ``app.py``), not to single routes, so a new form
cannot forget its CSRF check.
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from evidencia.classify.review import can_review
from evidencia.web.context import Me, current, session_of
from evidencia.web.i18n import N_
from evidencia.web.security import CSRF_FIELD, CSRF_HEADER, UNSAFE_METHODS, csrf_matches


class LoginRequired(Exception):
    """A page that needs a login: the page app answers with a redirect to the login form."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class CsrfRejected(HTTPException):
    def __init__(self) -> None:
        super().__init__(
            403,
            N_(
                "This form has expired or did not come from Evidencia (missing or wrong "
                "CSRF token). Reload the page and try again."
            ),
        )


async def _submitted_token(request: Request) -> str | None:
    token = request.headers.get(CSRF_HEADER)
    if token:
        return token
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # parsed once: FastAPI reuses it for the route's fields
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def page_csrf(request: Request) -> None:
    """Every unsafe request to a page must carry the session's CSRF token (form field or
    header, the header being what htmx sends)."""
    if request.method in UNSAFE_METHODS and not csrf_matches(
        session_of(request).csrf, await _submitted_token(request)
    ):
        raise CsrfRejected()


async def api_csrf(request: Request) -> None:
    """API writes authenticated by the browser's cookie need the CSRF header; a bearer
    token is not sent by browsers on their own, so it needs none."""
    if request.method not in UNSAFE_METHODS:
        return
    me = current(request)
    if me.via == "cookie" and not csrf_matches(
        session_of(request).csrf, request.headers.get(CSRF_HEADER)
    ):
        raise CsrfRejected()


def login_page(request: Request) -> Me:
    """The logged-in person, or a redirect to the login form that comes back here."""
    me = current(request)
    if not me.logged_in:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target if request.method == "GET" else request.url.path)
    return me


def admin_page(request: Request) -> Me:
    me = login_page(request)
    if not me.is_admin:
        raise HTTPException(403, N_("Only administrators may manage accounts."))
    return me


def reviewer_page(request: Request) -> Me:
    """The network's team (staff and admins), who decide on the tagger's suggestions."""
    me = login_page(request)
    if not can_review(me.viewer):
        raise HTTPException(403, N_("Reviewing tags is for the network's staff and admins."))
    return me


def tagger_page(request: Request) -> Me:
    me = login_page(request)
    if not me.is_admin:
        raise HTTPException(403, N_("Only administrators may train or roll back the tagger."))
    return me


def audit_page(request: Request) -> Me:
    me = login_page(request)
    if not me.is_admin:
        raise HTTPException(403, N_("Only administrators may read the audit log."))
    return me


def eraser_page(request: Request) -> Me:
    """Erasing a document for good is for admins; anyone else is refused the same way
    whatever the number, so the refusal says nothing about the document."""
    me = login_page(request)
    if not me.is_admin:
        raise HTTPException(403, N_("Only administrators may erase documents."))
    return me

"""Who calls the API: a bearer token (scripts) or the browser's session cookie (the pages'
own htmx calls). Declared as security schemes so the OpenAPI document says so."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from evidencia.access import Role
from evidencia.classify.review import can_review
from evidencia.web.api.errors import ApiError
from evidencia.web.context import Me, bearer_token, current
from evidencia.web.security import SESSION_COOKIE

bearer = HTTPBearer(
    auto_error=False,
    description="An API token from `/account` or `POST /api/v1/tokens`: "
    "`Authorization: Bearer evd_…`.",
)
cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description="The browser session; writes also need the `X-CSRF-Token` header.",
)


def caller(
    request: Request,
    _token: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
    _cookie: Annotated[str | None, Security(cookie)] = None,
) -> Me:
    """The caller; a bearer token that matches no active account is refused (401) rather
    than treated as anonymous, so a revoked token fails loudly."""
    me = current(request)
    if bearer_token(request) is not None and me.via != "token":
        raise ApiError(
            401,
            "invalid_token",
            "The bearer token is not valid (revoked, mistyped, or its account was removed).",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return me


Caller = Annotated[Me, Depends(caller)]


def logged_in(me: Caller) -> Me:
    if not me.logged_in:
        raise ApiError(
            401,
            "login_required",
            "This endpoint needs an account: send an API token as a bearer token.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return me


def admin(me: Annotated[Me, Depends(logged_in)]) -> Me:
    if me.role is not Role.ADMIN:
        raise ApiError(403, "admin_only", "Only administrators may manage accounts.")
    return me


def team(me: Annotated[Me, Depends(logged_in)]) -> Me:
    if not me.sees_ingestion_log:
        raise ApiError(403, "staff_only", "The ingestion log is for the network's staff.")
    return me


LoggedIn = Annotated[Me, Depends(logged_in)]
Admin = Annotated[Me, Depends(admin)]
Team = Annotated[Me, Depends(team)]


def reviewer(me: Annotated[Me, Depends(logged_in)]) -> Me:
    if not can_review(me.viewer):
        raise ApiError(403, "staff_only", "Reviewing tags is for the network's staff and admins.")
    return me


def tagger_admin(me: Annotated[Me, Depends(logged_in)]) -> Me:
    if me.role is not Role.ADMIN:
        raise ApiError(403, "admin_only", "Only administrators may train or roll back the tagger.")
    return me


Reviewer = Annotated[Me, Depends(reviewer)]
TaggerAdmin = Annotated[Me, Depends(tagger_admin)]


def audit_admin(me: Annotated[Me, Depends(logged_in)]) -> Me:
    if me.role is not Role.ADMIN:
        raise ApiError(403, "admin_only", "Only administrators may read the audit log.")
    return me


def eraser(me: Annotated[Me, Depends(logged_in)]) -> Me:
    """Admins only, refused before the document is looked at (no answer about it)."""
    if me.role is not Role.ADMIN:
        raise ApiError(403, "admin_only", "Only administrators may erase documents.")
    return me


AuditAdmin = Annotated[Me, Depends(audit_admin)]
Eraser = Annotated[Me, Depends(eraser)]

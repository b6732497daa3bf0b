"""Administrators manage accounts and organisations (the web side of ``evidencia user`` and
``evidencia org``)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from evidencia import accounts
from evidencia.access import Role
from evidencia.web.context import Me, web_state
from evidencia.web.guards import admin_page
from evidencia.web.rendering import render

router = APIRouter()

ROLES = [Role.ADMIN.value, Role.STAFF.value, Role.MEMBER.value]


def _page(
    request: Request,
    *,
    status_code: int = 200,
    notice: str | None = None,
    error: str | None = None,
    password: str | None = None,
) -> HTMLResponse:
    with web_state(request).store.session() as session:
        users = [
            {
                "email": u.email,
                "name": u.name,
                "role": u.role,
                "organisation": u.organisation.name if u.organisation else None,
                "last_login_at": u.last_login_at,
                "active": u.active,
            }
            for u in accounts.list_users(session)
        ]
        organisations = [
            {"name": o.name, "country": o.country} for o in accounts.list_organisations(session)
        ]
    return render(
        request,
        "admin_users.html",
        status_code=status_code,
        users=users,
        organisations=organisations,
        roles=ROLES,
        notice=notice,
        error=error,
        password=password,
        nav="admin",
    )


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, _me: Annotated[Me, Depends(admin_page)]) -> HTMLResponse:
    return _page(request)


@router.post("/admin/users", response_class=HTMLResponse)
def add_user(
    request: Request,
    _me: Annotated[Me, Depends(admin_page)],
    email: Annotated[str, Form(max_length=254)],
    role: Annotated[str, Form(max_length=16)],
    organisation: Annotated[str, Form(max_length=200)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=accounts.MAX_PASSWORD)] = "",
) -> HTMLResponse:
    """Add an account; with no password given, one is made and shown once."""
    made = None if password else secrets.token_urlsafe(15)
    with web_state(request).store.session() as session:
        try:
            user = accounts.create_user(
                session,
                email=email,
                password=password or made or "",
                role=Role(role) if role in ROLES else role,  # type: ignore[arg-type]
                organisation=organisation or None,
                name=name or None,
            )
            session.commit()
        except (accounts.AccountError, ValueError) as exc:
            session.rollback()
            return _page(request, status_code=400, error=str(exc))
        return _page(request, status_code=201, notice=user.email, password=made)


@router.post("/admin/users/remove", response_class=HTMLResponse)
def remove_user(
    request: Request,
    me: Annotated[Me, Depends(admin_page)],
    email: Annotated[str, Form(max_length=254)],
) -> HTMLResponse:
    with web_state(request).store.session() as session:
        try:
            accounts.remove_user(session, email)
            session.commit()
        except accounts.AccountError as exc:
            session.rollback()
            return _page(request, status_code=400, error=str(exc))
    return _page(request, notice=None)


@router.post("/admin/organisations", response_class=HTMLResponse)
def add_organisation(
    request: Request,
    _me: Annotated[Me, Depends(admin_page)],
    name: Annotated[str, Form(max_length=200)],
    country: Annotated[str, Form(max_length=2)] = "",
) -> HTMLResponse:
    with web_state(request).store.session() as session:
        try:
            accounts.add_organisation(session, name, country or None)
            session.commit()
        except accounts.AccountError as exc:
            session.rollback()
            return _page(request, status_code=400, error=str(exc))
    return _page(request, status_code=201)

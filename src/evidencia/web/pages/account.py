"""Logging in and out, and one's own API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from evidencia import accounts
from evidencia.store.schema import User
from evidencia.web.context import Me, current, session_of, set_session, web_state
from evidencia.web.guards import login_page
from evidencia.web.params import Id
from evidencia.web.rendering import render
from evidencia.web.security import SessionData

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Where to go after logging in: only a path on this site (never ``//host``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    if current(request).logged_in:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", next=safe_next(next), error=None, nav="login")


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=accounts.MAX_PASSWORD)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    web = web_state(request)
    address = client_address(request)
    wait = web.throttle.retry_after(email, address)
    if wait:
        minutes = max(1, (wait + 59) // 60)
        return render(
            request,
            "login.html",
            status_code=429,
            next=safe_next(next),
            email=email,
            error="throttled",
            minutes=minutes,
            nav="login",
        )
    with web.store.session() as session:
        user = accounts.authenticate(session, email, password)
        user_id = user.id if user is not None else None
        session.commit()
    if user_id is None:
        web.throttle.failed(email, address)
        return render(
            request,
            "login.html",
            status_code=401,
            next=safe_next(next),
            email=email,
            error="wrong",
            nav="login",
        )
    web.throttle.succeeded(email)
    old = session_of(request)
    web.sessions.revoke(old)
    set_session(request, old.as_login(user_id))
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    web_state(request).sessions.revoke(session_of(request))
    set_session(request, SessionData.fresh())
    return RedirectResponse("/", status_code=303)


def _tokens(request: Request, me: Me) -> list[dict[str, object]]:
    with web_state(request).store.session() as session:
        user = session.get(User, me.user_id)
        if user is None:
            return []
        return [
            {
                "id": t.id,
                "label": t.label,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
            }
            for t in accounts.list_tokens(session, user)
        ]


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, me: Annotated[Me, Depends(login_page)]) -> HTMLResponse:
    return render(
        request,
        "account.html",
        tokens=_tokens(request, me),
        new_token=None,
        error=None,
        nav="account",
    )


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    me: Annotated[Me, Depends(login_page)],
    label: Annotated[str, Form(max_length=100)],
) -> HTMLResponse:
    new_token, error = None, None
    with web_state(request).store.session() as session:
        user = session.get(User, me.user_id)
        try:
            if user is None:
                raise accounts.AccountError("your account no longer exists")
            new_token = accounts.issue_token(session, user, label)
            session.commit()
        except accounts.AccountError as exc:
            error = str(exc)
    return render(
        request,
        "account.html",
        status_code=201 if new_token else 400,
        tokens=_tokens(request, me),
        new_token=new_token,
        error=error,
        nav="account",
    )


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, token_id: Id, me: Annotated[Me, Depends(login_page)]
) -> RedirectResponse:
    with web_state(request).store.session() as session:
        user = session.get(User, me.user_id)
        if user is not None:
            accounts.revoke_token_id(session, user, token_id)
            session.commit()
    return RedirectResponse("/account", status_code=303)

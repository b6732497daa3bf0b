"""Who is asking, in which language: the per-request context every page and API call reads.

A small ASGI middleware reads the session cookie and the language choice (``?ui=``, cookie,
``Accept-Language``) before routing and writes them back after, so handlers only ever see
``request.state.session`` and ``request.state.lang``. :func:`current` then resolves the user
(from the session, or from a bearer token for the API) into the
:class:`~evidencia.access.Viewer` that every query is given: no handler decides visibility
itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs

from fastapi import Request

from evidencia import accounts, audit
from evidencia.access import ANONYMOUS, Role, Viewer
from evidencia.classify.review import can_review
from evidencia.store.schema import User
from evidencia.web import i18n
from evidencia.web.security import (
    SESSION_COOKIE,
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    SessionData,
)

if TYPE_CHECKING:
    from evidencia.web.state import WebState

#: a year: a language choice is a preference, not a secret
LANG_MAX_AGE = 365 * 24 * 3600


def _cookie_header(
    name: str, value: str, *, max_age: int, secure: bool, http_only: bool = True
) -> bytes:
    parts = [f"{name}={value}", "Path=/", f"Max-Age={max_age}", "SameSite=Lax"]
    if http_only:
        parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    return "; ".join(parts).encode("latin-1")


class RequestContext:
    """Loads the session and the language into ``scope["state"]``; sets the cookies back
    when they changed (a first visit, a login, a logout, ``?lang=``)."""

    def __init__(self, app: ASGIApp, state: WebState) -> None:
        self.app = app
        self.web = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        session = self.web.sessions.load(cookies.get(SESSION_COOKIE))
        fresh = session is None
        state = scope.setdefault("state", {})
        state["session"] = session or SessionData.fresh()
        state["session_changed"] = False
        wanted = _query_lang(scope)
        state["lang"] = i18n.choose(
            wanted, cookies.get(i18n.LANG_COOKIE), _header(scope, b"accept-language")
        )
        remember_lang = wanted in i18n.LANGUAGES and wanted != cookies.get(i18n.LANG_COOKIE)
        is_api = scope.get("path", "").startswith("/api/")
        secure = scope.get("scheme") == "https"

        async def with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if state["session_changed"] or (fresh and not is_api):
                    value = self.web.sessions.dump(state["session"])
                    headers.append(
                        (
                            b"set-cookie",
                            _cookie_header(
                                SESSION_COOKIE,
                                value,
                                max_age=self.web.sessions.max_age,
                                secure=secure,
                            ),
                        )
                    )
                if remember_lang and wanted:
                    headers.append(
                        (
                            b"set-cookie",
                            _cookie_header(
                                i18n.LANG_COOKIE, wanted, max_age=LANG_MAX_AGE, secure=secure
                            ),
                        )
                    )
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_cookies)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _cookies(scope: Scope) -> dict[str, str]:
    raw = _header(scope, b"cookie")
    if not raw:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed cookie header is the same as none
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def _query_lang(scope: Scope) -> str | None:
    query = parse_qs(bytes(scope.get("query_string", b"")).decode("latin-1"))
    values = query.get(i18n.LANG_PARAM)
    return values[-1].lower() if values else None


@dataclass(frozen=True)
class Me:
    """The person behind a request, detached from any database session."""

    viewer: Viewer
    user_id: int | None = None
    email: str | None = None
    name: str | None = None
    organisation: str | None = None
    via: Literal["cookie", "token"] | None = None

    @property
    def role(self) -> Role:
        return self.viewer.role

    @property
    def actor(self) -> audit.Actor:
        """Who the audit log says acted: the account, or an anonymous visitor."""
        return audit.Actor(self.email or "anonymous", self.user_id)

    @property
    def logged_in(self) -> bool:
        return self.user_id is not None

    @property
    def is_admin(self) -> bool:
        return self.viewer.role is Role.ADMIN

    @property
    def may_upload(self) -> bool:
        """Anyone with an account may bring evidence in; the public may not."""
        return self.logged_in

    @property
    def may_review(self) -> bool:
        """The network's team decides on the tagger's suggestions (see
        :func:`evidencia.classify.review.can_review`)."""
        return self.logged_in and can_review(self.viewer)

    @property
    def sees_ingestion_log(self) -> bool:
        """Failed files have no access level (they were never stored), and their names can
        say what they were about: the network's team sees the log, members their own
        uploads' results only."""
        return self.viewer.role in (Role.ADMIN, Role.STAFF)


NOBODY = Me(ANONYMOUS)


def _me(user: User | None, via: Literal["cookie", "token"]) -> Me:
    viewer = accounts.viewer_for(user)
    if user is None or viewer is ANONYMOUS:
        return NOBODY
    return Me(
        viewer=viewer,
        user_id=user.id,
        email=user.email,
        name=user.name,
        organisation=user.organisation.name if user.organisation else None,
        via=via,
    )


def web_state(request: Request) -> WebState:
    web: WebState = request.app.state.web
    return web


def session_of(request: Request) -> SessionData:
    data: SessionData = request.state.session
    return data


def set_session(request: Request, data: SessionData) -> None:
    request.state.session = data
    request.state.session_changed = True


def language(request: Request) -> str:
    lang: str = getattr(request.state, "lang", i18n.DEFAULT_LANGUAGE)
    return lang


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current(request: Request) -> Me:
    """The person making this request, resolved once and kept on the request.

    A bearer token wins over the cookie (an API client's identity is its token); a token
    that is not valid is an anonymous request, and the API answers 401 for it.
    """
    cached: Any = getattr(request.state, "me", None)
    if isinstance(cached, Me):
        return cached
    web = web_state(request)
    token = bearer_token(request)
    me = NOBODY
    with web.store.session() as db:
        if token is not None:
            me = _me(accounts.user_for_token(db, token), "token")
            db.commit()  # the token's last use
        else:
            uid = session_of(request).user_id
            if uid is not None:
                me = _me(db.get(User, uid), "cookie")
    request.state.me = me
    return me

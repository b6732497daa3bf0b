"""Security headers, CSRF, login throttling, cookies, the secret, redirects after login."""

from __future__ import annotations

import re
import stat

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from evidencia.store.db import Store
from evidencia.web.app import create_app
from evidencia.web.security import SECRET_FILE, LoginThrottle, load_secret
from tests.web.conftest import PASSWORD, csrf_of, logged_in


@pytest.mark.parametrize(
    "path", ["/", "/search?q=x", "/nope", "/static/app.css", "/api/v1/search?q=x", "/api/v1/x"]
)
def test_security_headers_everywhere(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert "camera=()" in headers["permissions-policy"]


def test_session_cookie_attributes(client: TestClient) -> None:
    cookie = client.get("/").headers["set-cookie"]
    assert cookie.startswith("evidencia_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on localhost
    https = TestClient(client.app, base_url="https://evidencia.example")
    assert "Secure" in https.get("/").headers["set-cookie"]
    assert "strict-transport-security" in https.get("/").headers


def test_secret_is_created_once_and_private(web_store: Store) -> None:
    path = web_store.home.root / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret(web_store.home.root) == load_secret(web_store.home.root)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/login", {"email": "admin@example.org", "password": PASSWORD}),
        ("/logout", {}),
        ("/account/tokens", {"label": "x"}),
        ("/admin/users", {"email": "x@example.org", "role": "staff"}),
        ("/admin/users/remove", {"email": "ana@puentes.example"}),
        ("/admin/organisations", {"name": "Evil"}),
        ("/upload/abc/0/retry", {}),
        ("/account/tokens/1/revoke", {}),
    ],
)
def test_forms_need_the_csrf_token(web_app: FastAPI, path: str, data: dict[str, str]) -> None:
    with logged_in(web_app, "admin@example.org") as admin:
        for token in (None, "forged"):
            sent = {**data, **({"csrf_token": token} if token else {})}
            response = admin.post(path, data=sent, follow_redirects=False)
            assert response.status_code == 403, (path, token, response.text[:300])
        assert "ana@puentes.example" in admin.get("/admin/users").text  # nothing happened


def test_upload_needs_the_csrf_token(web_app: FastAPI) -> None:
    with logged_in(web_app, "admin@example.org") as admin:
        response = admin.post("/upload", files={"files": ("a.md", b"# A\n\ntext")})
        assert response.status_code == 403


def test_cookie_api_writes_need_the_csrf_header(web_app: FastAPI) -> None:
    with logged_in(web_app, "admin@example.org") as admin:
        refused = admin.post("/api/v1/tokens", json={"label": "from the browser"})
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "csrf"
        token = csrf_of(admin, "/")
        made = admin.post(
            "/api/v1/tokens", json={"label": "from the browser"}, headers={"X-CSRF-Token": token}
        )
        assert made.status_code == 201
        bearer = made.json()["token"]
    with TestClient(web_app) as script:  # a bearer token needs no CSRF header
        response = script.post(
            "/api/v1/tokens",
            json={"label": "script"},
            headers={"Authorization": f"Bearer {bearer}"},
        )
        assert response.status_code == 201


def test_login_throttling(web_store: Store) -> None:
    app = create_app(web_store, embed_uploads=False, throttle=LoginThrottle(limit=3))
    with TestClient(app) as c:

        def attempt(email: str, password: str) -> int:
            token = csrf_of(c)
            return c.post(
                "/login",
                data={"email": email, "password": password, "csrf_token": token},
                follow_redirects=False,
            ).status_code

        assert [attempt("staff@example.org", "wrong password!") for _ in range(3)] == [401] * 3
        refused = c.post(
            "/login",
            data={"email": "staff@example.org", "password": PASSWORD, "csrf_token": csrf_of(c)},
        )
        assert refused.status_code == 429  # even the right password, for now
        assert re.search(r"Try again in \d+ minutes?", refused.text)
        # the address is throttled too: guessing another account from it is refused
        assert attempt("admin@example.org", PASSWORD) == 429


def test_throttle_window_and_success() -> None:
    now = [1000.0]
    throttle = LoginThrottle(limit=2, window=60, clock=lambda: now[0])
    throttle.failed("a@x", "1.2.3.4")
    throttle.failed("a@x", "5.6.7.8")
    assert throttle.retry_after("a@x", "9.9.9.9") > 0  # the account, from anywhere
    assert throttle.retry_after("b@x", "9.9.9.9") == 0
    now[0] += 61
    assert throttle.retry_after("a@x", "1.2.3.4") == 0
    throttle.failed("c@x", "1.1.1.1")
    throttle.succeeded("c@x")
    throttle.failed("c@x", "2.2.2.2")
    assert throttle.retry_after("c@x", "3.3.3.3") == 0


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil"])
def test_login_never_redirects_off_site(client: TestClient, target: str) -> None:
    response = client.post(
        "/login",
        data={
            "email": "staff@example.org",
            "password": PASSWORD,
            "next": target,
            "csrf_token": csrf_of(client),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_login_changes_the_session(client: TestClient) -> None:
    before = csrf_of(client)
    client.post(
        "/login",
        data={"email": "staff@example.org", "password": PASSWORD, "csrf_token": before},
    )
    assert csrf_of(client, "/") != before  # a token seen before login is worth nothing after


def test_tampered_cookie_is_anonymous(web_app: FastAPI) -> None:
    with logged_in(web_app, "admin@example.org") as admin:
        value = admin.cookies.get("evidencia_session") or ""
        admin.cookies.clear()
        admin.cookies.set("evidencia_session", value[:-2] + ("AA" if value[-2:] != "AA" else "BB"))
        assert "admin@example.org" not in admin.get("/").text


def test_every_unsafe_page_route_checks_csrf(web_app: FastAPI) -> None:
    """Not only the forms listed above: any POST route a page router has, now or later."""
    from fastapi.routing import APIRoute

    from evidencia.web.pages import MODULES

    unsafe = [
        (re.sub(r"{[^}]+}", "1", route.path), method)
        for module in MODULES
        for route in module.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
        if method in ("POST", "PUT", "PATCH", "DELETE")
    ]
    assert len(unsafe) >= 8
    with logged_in(web_app, "admin@example.org") as admin:
        for path, method in unsafe:
            response = admin.request(method, path, data={"csrf_token": "forged"})
            assert response.status_code == 403, (method, path)

"""What keeps the browser side safe: the server secret, signed session cookies, CSRF tokens,
login throttling and the security headers on every response.

Sessions are signed cookies, not server-side rows: the app runs on one laptop as often as on
a server, and a signed cookie needs no table and survives restarts. What a cookie cannot do
alone (be taken back at logout) is covered by a revocation list of session ids kept for the
cookie's lifetime, and by re-reading the user on every request, so a removed account's
cookie stops working at once.
"""

from __future__ import annotations

import hmac
import os
import secrets
import stat
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

SECRET_FILE = "web-secret.key"
SESSION_COOKIE = "evidencia_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
#: how long a login lasts without being renewed (seconds)
SESSION_MAX_AGE = 12 * 3600
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def load_secret(root: Path) -> bytes:
    """The data directory's signing secret, created on first use with mode 0600.

    Kept beside the data it protects so that a moved data directory keeps its users logged
    in and a fresh one starts with a fresh secret; created with O_EXCL so two processes
    starting at once agree on one secret.
    """
    path = root / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        fd = None
    if fd is not None:
        with os.fdopen(fd, "wb") as handle:
            value = secrets.token_hex(32).encode()
            handle.write(value + b"\n")
        return value
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)  # a copied data directory may have widened it
    value = path.read_bytes().strip()
    if len(value) < 32:
        raise RuntimeError(f"{path} is too short to be a secret: delete it to make a new one")
    return value


@dataclass(frozen=True)
class SessionData:
    """What the session cookie carries: an id (for revocation), the CSRF token, the user."""

    sid: str
    csrf: str
    user_id: int | None = None

    @classmethod
    def fresh(cls, user_id: int | None = None) -> SessionData:
        return cls(secrets.token_urlsafe(16), secrets.token_urlsafe(32), user_id)

    def as_login(self, user_id: int) -> SessionData:
        """A new session for ``user_id``: new id and new CSRF token, so a session fixed
        before login is worth nothing after it."""
        return replace(SessionData.fresh(), user_id=user_id)


@dataclass
class Sessions:
    """Signs and reads session cookies; remembers revoked session ids until they expire."""

    secret: bytes
    max_age: int = SESSION_MAX_AGE
    _revoked: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._signer = URLSafeTimedSerializer(self.secret, salt="evidencia.session")

    def dump(self, data: SessionData) -> str:
        return self._signer.dumps({"sid": data.sid, "csrf": data.csrf, "uid": data.user_id})

    def load(self, cookie: str | None) -> SessionData | None:
        if not cookie:
            return None
        try:
            raw = self._signer.loads(cookie, max_age=self.max_age)
        except BadSignature:  # also covers an expired signature
            return None
        if not isinstance(raw, dict):
            return None
        sid, csrf, uid = raw.get("sid"), raw.get("csrf"), raw.get("uid")
        if not isinstance(sid, str) or not isinstance(csrf, str):
            return None
        if uid is not None and not isinstance(uid, int):
            return None
        with self._lock:
            if sid in self._revoked:
                return None
        return SessionData(sid, csrf, uid)

    def revoke(self, data: SessionData) -> None:
        now = time.time()
        with self._lock:
            self._revoked = {s: t for s, t in self._revoked.items() if t > now}
            self._revoked[data.sid] = now + self.max_age


def csrf_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison, so the token cannot be guessed byte by byte."""
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


@dataclass
class LoginThrottle:
    """At most ``limit`` failed logins per ``window`` seconds, per account and per client
    address: one attacker cannot guess many passwords of one account, nor one password
    across many accounts. Kept in memory: a restart forgives, which is acceptable for one
    process and keeps the data directory free of attacker-controlled rows."""

    limit: int = 5
    window: float = 15 * 60
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def keys(email: str, address: str | None) -> list[str]:
        keys = [f"account:{email.strip().lower()}"]
        if address:
            keys.append(f"address:{address}")
        return keys

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def retry_after(self, email: str, address: str | None) -> int:
        """Seconds until another attempt is allowed; 0 when one is allowed now."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key in self.keys(email, address):
                times = self._recent(key, now)
                if len(times) >= self.limit:
                    wait = max(wait, times[0] + self.window - now)
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, email: str, address: str | None) -> None:
        now = self.clock()
        with self._lock:
            for key in self.keys(email, address):
                self._recent(key, now).append(now)

    def succeeded(self, email: str) -> None:
        """A right password clears the account's count (not the address's: one success
        must not reset an address that is guessing other accounts)."""
        with self._lock:
            self._failures.pop(self.keys(email, None)[0], None)


def content_security_policy() -> str:
    """No inline script or style anywhere: every script and stylesheet is a file of ours."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", content_security_policy().encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"permissions-policy",
        b"camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    ),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SecurityHeaders:
    """Adds the security headers to every HTTP response, pages, API, static files and
    errors alike (a plain ASGI middleware, so nothing can return around it). A header a
    route set itself (a stricter CSP on downloads) is kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                wanted = [*SECURITY_HEADERS, HSTS] if https else SECURITY_HEADERS
                headers.extend((n, v) for n, v in wanted if n not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)

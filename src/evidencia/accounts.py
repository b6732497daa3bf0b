"""Accounts: organisations, users, passwords and API tokens.

What a user may *see* is decided in :mod:`evidencia.access`; this module only says who they
are (:func:`viewer_for`). Functions take a session and flush, never commit: the caller's
transaction decides, so a web request or a command line either does all of its work or none.

Decisions kept here:

- Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's low-memory
  profile). Logging in with an unknown address costs the same hash as a wrong password, and a
  hash made with older parameters is replaced at the next successful login.
- API tokens are 32 random bytes shown once; only their SHA-256 is stored.
- Staff belong to the network's own organisation. Unless one is named when the user is
  created, it is the organisation named by ``$EVIDENCIA_NETWORK_ORG`` (default "Network"),
  created on first use. Members must name their organisation; admins may.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evidencia.access import ANONYMOUS, Role, Viewer
from evidencia.store.schema import ApiToken, Organisation, User, utcnow

MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # a bound on what a login form makes the server hash
TOKEN_PREFIX = "evd_"  # lets secret scanners and people recognise an Evidencia token
FIRST_ADMIN_EMAIL = "admin@localhost"
NETWORK_ORG_ENV = "EVIDENCIA_NETWORK_ORG"
DEFAULT_NETWORK_ORG = "Network"
#: how stale ``last_used_at`` may get before a token use writes it again (spares a write per call)
TOKEN_TOUCH = timedelta(minutes=5)

#: replace (in tests, or to raise the cost) to change how new passwords are hashed
HASHER = PasswordHasher()

_dummy_hashes: dict[tuple[int, int, int], str] = {}


class AccountError(ValueError):
    """A request about accounts that cannot be met; the message is meant for the user."""


# ---------------------------------------------------------------- organisations


def network_organisation_name() -> str:
    return os.environ.get(NETWORK_ORG_ENV, "").strip() or DEFAULT_NETWORK_ORG


def find_organisation(session: Session, name: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.name == name.strip()))


def network_organisation(session: Session) -> Organisation:
    """The network's own organisation, created the first time it is needed."""
    name = network_organisation_name()
    org = find_organisation(session, name)
    if org is None:
        org = Organisation(name=name)
        session.add(org)
        session.flush()
    return org


def add_organisation(session: Session, name: str, country: str | None = None) -> Organisation:
    name = name.strip()
    if not name or len(name) > 200:
        raise AccountError("an organisation needs a name of 1 to 200 characters")
    if country is not None:
        country = country.strip().upper()
        if not (len(country) == 2 and country.isascii() and country.isalpha()):
            raise AccountError(f"country must be a two-letter ISO code such as BE, not {country!r}")
    if find_organisation(session, name) is not None:
        raise AccountError(f"organisation {name!r} already exists")
    org = Organisation(name=name, country=country)
    session.add(org)
    session.flush()
    return org


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


# ---------------------------------------------------------------- users


def normalise_email(email: str) -> str:
    """Lower-case and trimmed, so that one person cannot hold two accounts by capitals."""
    email = email.strip().lower()
    local, at, domain = email.partition("@")
    if not (at and local and domain) or "@" in domain or any(c.isspace() for c in email):
        raise AccountError(f"{email!r} is not an email address")
    if len(email) > 254:
        raise AccountError("an email address has at most 254 characters")
    return email


def check_password(password: str) -> None:
    """The password policy: long enough to resist guessing, short enough to hash cheaply."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"a password has at most {MAX_PASSWORD} characters")


def get_user(session: Session, email: str) -> User | None:
    try:
        email = normalise_email(email)
    except AccountError:
        return None
    return session.scalar(select(User).where(User.email == email))


def _organisation_for(session: Session, role: Role, name: str | None) -> Organisation | None:
    if name is not None and name.strip():
        org = find_organisation(session, name)
        if org is None:
            raise AccountError(f"no organisation named {name.strip()!r}; add it first")
        return org
    if role is Role.MEMBER:
        raise AccountError("a member belongs to an organisation: name it")
    if role is Role.STAFF:
        return network_organisation(session)
    return None


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: Role,
    organisation: str | None = None,
    name: str | None = None,
) -> User:
    """Add an account. Raises :class:`AccountError` (a ValueError) with a message for people."""
    email = normalise_email(email)
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(f"unknown role {role!r}") from None
    if role is Role.PUBLIC:
        raise AccountError("'public' is anyone not logged in; a user is admin, staff or member")
    check_password(password)
    if get_user(session, email) is not None:
        raise AccountError(f"a user with email {email} already exists")
    org = _organisation_for(session, role, organisation)
    user = User(
        email=email,
        name=(name or "").strip() or None,
        password_hash=HASHER.hash(password),
        role=role.value,
        organisation_id=org.id if org else None,
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def remove_user(session: Session, email: str) -> None:
    """Delete an account and its tokens; the last active admin cannot be removed, so that
    someone can always manage the others from the web."""
    user = get_user(session, email)
    if user is None:
        raise AccountError(f"no user with email {email.strip().lower()}")
    if user.role == Role.ADMIN and user.active:
        admins = session.scalar(
            select(func.count()).where(User.role == Role.ADMIN.value, User.active.is_(True))
        )
        if (admins or 0) <= 1:
            raise AccountError(f"{user.email} is the last admin; add another admin first")
    session.delete(user)
    session.flush()


def set_password(session: Session, email: str, password: str) -> None:
    user = get_user(session, email)
    if user is None:
        raise AccountError(f"no user with email {email.strip().lower()}")
    check_password(password)
    user.password_hash = HASHER.hash(password)
    session.flush()


def _dummy_hash() -> str:
    """A hash made with the current parameters, to verify against when the address is
    unknown: the answer then takes as long as for a known address."""
    key = (HASHER.time_cost, HASHER.memory_cost, HASHER.parallelism)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = HASHER.hash(secrets.token_urlsafe(16))
    return _dummy_hashes[key]


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this address and password, or None (never says which was wrong)."""
    user = get_user(session, email)
    if user is None or not user.active:
        _verify(_dummy_hash(), password)
        return None
    if not _verify(user.password_hash, password):
        return None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    user.last_login_at = utcnow()
    session.flush()
    return user


def viewer_for(user: User | None) -> Viewer:
    """What the access rule needs to know about a user; anonymous when logged out,
    deactivated, or holding a role this version does not know (fail closed)."""
    if user is None or not user.active:
        return ANONYMOUS
    try:
        role = Role(user.role)
    except ValueError:
        return ANONYMOUS
    return Viewer(role=role, organisation_id=user.organisation_id, user_id=user.id)


def ensure_first_admin(session: Session, email: str = FIRST_ADMIN_EMAIL) -> tuple[str, str] | None:
    """On a data directory with no account, create an admin with a random password and
    return (email, password) to show once; otherwise None."""
    if session.scalar(select(User.id).limit(1)) is not None:
        return None
    password = secrets.token_urlsafe(18)  # 24 characters
    user = create_user(
        session, email=email, password=password, role=Role.ADMIN, name="Administrator"
    )
    return user.email, password


# ---------------------------------------------------------------- API tokens


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def issue_token(session: Session, user: User, label: str) -> str:
    """A new API token for ``user``; the plaintext is returned here and never again."""
    label = label.strip()
    if not label or len(label) > 100:
        raise AccountError("a token needs a label of 1 to 100 characters (what it is for)")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, label=label, token_hash=_token_hash(token)))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The active user holding ``token``, or None."""
    token = token.strip()
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if record is None or not record.user.active:
        return None
    now = utcnow()
    if record.last_used_at is None or now - _aware(record.last_used_at) > TOKEN_TOUCH:
        record.last_used_at = now
        session.flush()
    return record.user


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )


def revoke_token(session: Session, token: str) -> bool:
    """Forget a token given in plaintext (an API client logging itself out)."""
    record = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _token_hash(token.strip()))
    )
    if record is None:
        return False
    session.delete(record)
    session.flush()
    return True


def revoke_token_id(session: Session, user: User, token_id: int) -> bool:
    """Forget one of ``user``'s tokens by its id (a settings page listing them)."""
    record = session.get(ApiToken, token_id)
    if record is None or record.user_id != user.id:
        return False
    session.delete(record)
    session.flush()
    return True

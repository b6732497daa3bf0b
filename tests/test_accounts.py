"""Accounts: passwords hashed with argon2id and checked the same way for unknown addresses,
tokens stored only as hashes, the first admin created once, and clear refusals."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from evidencia import accounts
from evidencia.access import ANONYMOUS, Role, Viewer
from evidencia.accounts import AccountError
from evidencia.store.db import Store
from evidencia.store.schema import ApiToken, Organisation, User

PASSWORD = "correct horse battery"


class CountingHasher(PasswordHasher):
    """Cheap parameters (tests hash a lot) and a count of verifications."""

    def __init__(self, time_cost: int = 1) -> None:
        super().__init__(time_cost=time_cost, memory_cost=1024, parallelism=1)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    fast = CountingHasher()
    monkeypatch.setattr(accounts, "HASHER", fast)
    return fast


@pytest.fixture
def session(store: Store, hasher: CountingHasher) -> Iterator[Session]:
    with store.session() as s, s.begin():
        s.add(Organisation(name="Casa Aberta"))
        yield s


def test_password_is_stored_as_argon2id_only(session: Session) -> None:
    user = accounts.create_user(
        session, email="  Ana@Example.ORG ", password=PASSWORD, role=Role.MEMBER,
        organisation="Casa Aberta", name="Ana",
    )  # fmt: skip
    assert user.email == "ana@example.org"
    assert user.password_hash.startswith("$argon2id$")
    row = session.execute(text("SELECT * FROM account")).one()
    assert all(PASSWORD not in str(value) for value in row)


def test_authenticate(session: Session, hasher: CountingHasher) -> None:
    accounts.create_user(session, email="ana@example.org", password=PASSWORD, role=Role.ADMIN)
    user = accounts.authenticate(session, "ANA@example.org", PASSWORD)
    assert user is not None and user.last_login_at is not None
    assert accounts.authenticate(session, "ana@example.org", PASSWORD + "!") is None
    before = hasher.verified
    # an unknown address costs a verification too, so timing does not tell addresses apart
    assert accounts.authenticate(session, "nobody@example.org", PASSWORD) is None
    assert accounts.authenticate(session, "not an address", PASSWORD) is None
    assert hasher.verified == before + 2


def test_inactive_users_are_nobody(session: Session) -> None:
    user = accounts.create_user(session, email="a@b.org", password=PASSWORD, role=Role.STAFF)
    token = accounts.issue_token(session, user, "laptop")
    user.active = False
    assert accounts.authenticate(session, "a@b.org", PASSWORD) is None
    assert accounts.user_for_token(session, token) is None
    assert accounts.viewer_for(user) == ANONYMOUS


def test_rehash_when_parameters_change(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    user = accounts.create_user(session, email="a@b.org", password=PASSWORD, role=Role.ADMIN)
    old = user.password_hash
    assert "t=1" in old
    monkeypatch.setattr(accounts, "HASHER", CountingHasher(time_cost=2))
    assert accounts.authenticate(session, "a@b.org", PASSWORD) is user
    assert user.password_hash != old and "t=2" in user.password_hash
    assert accounts.authenticate(session, "a@b.org", PASSWORD) is user


def test_viewer_for(session: Session) -> None:
    member = accounts.create_user(
        session, email="m@b.org", password=PASSWORD, role=Role.MEMBER, organisation="Casa Aberta"
    )
    assert accounts.viewer_for(member) == Viewer(Role.MEMBER, member.organisation_id, member.id)
    assert member.organisation is not None and member.organisation.name == "Casa Aberta"
    assert accounts.viewer_for(None) == ANONYMOUS
    admin = accounts.create_user(session, email="x@b.org", password=PASSWORD, role=Role.ADMIN)
    assert accounts.viewer_for(admin).sees_everything


def test_staff_belong_to_the_network(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    staff = accounts.create_user(session, email="s@b.org", password=PASSWORD, role=Role.STAFF)
    assert staff.organisation is not None and staff.organisation.name == "Network"
    monkeypatch.setenv(accounts.NETWORK_ORG_ENV, "Network Secretariat")
    other = accounts.create_user(session, email="t@b.org", password=PASSWORD, role=Role.STAFF)
    assert other.organisation is not None and other.organisation.name == "Network Secretariat"
    named = accounts.create_user(
        session, email="u@b.org", password=PASSWORD, role=Role.STAFF, organisation="Casa Aberta"
    )
    assert named.organisation is not None and named.organisation.name == "Casa Aberta"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"password": "short"}, "at least 12 characters"),
        ({"password": "x" * 2000}, "at most"),
        ({"role": Role.MEMBER}, "member belongs to an organisation"),
        ({"role": Role.MEMBER, "organisation": "Nowhere"}, "no organisation named 'Nowhere'"),
        ({"role": Role.PUBLIC}, "anyone not logged in"),
        ({"role": "owner"}, "unknown role"),
        ({"email": "not-an-address"}, "not an email address"),
        ({"email": "taken@b.org"}, "already exists"),
        ({"email": "TAKEN@b.org "}, "already exists"),
    ],
)
def test_refusals(session: Session, kwargs: dict[str, object], message: str) -> None:
    accounts.create_user(session, email="taken@b.org", password=PASSWORD, role=Role.ADMIN)
    args: dict[str, object] = {"email": "new@b.org", "password": PASSWORD, "role": Role.ADMIN}
    with pytest.raises(ValueError, match=message):
        accounts.create_user(session, **{**args, **kwargs})  # type: ignore[arg-type]


def test_tokens(session: Session) -> None:
    user = accounts.create_user(session, email="a@b.org", password=PASSWORD, role=Role.STAFF)
    other = accounts.create_user(session, email="c@b.org", password=PASSWORD, role=Role.ADMIN)
    token = accounts.issue_token(session, user, "script")
    assert token.startswith("evd_") and len(token) > 40
    [record] = session.scalars(select(ApiToken)).all()
    assert record.token_hash == hashlib.sha256(token.encode()).hexdigest()
    row = session.execute(text("SELECT * FROM api_token")).one()
    assert all(token not in str(value) for value in row)

    assert accounts.user_for_token(session, token) is user
    assert record.last_used_at is not None
    assert accounts.user_for_token(session, token + "x") is None
    assert accounts.user_for_token(session, "not-a-token") is None
    assert accounts.issue_token(session, user, "second") != token
    assert [t.label for t in accounts.list_tokens(session, user)] == ["script", "second"]

    assert accounts.revoke_token_id(session, other, record.id) is False  # not theirs
    assert accounts.revoke_token(session, token) is True
    assert accounts.user_for_token(session, token) is None
    assert accounts.revoke_token(session, token) is False
    with pytest.raises(AccountError, match="label"):
        accounts.issue_token(session, user, "  ")


def test_first_admin_only_once(session: Session) -> None:
    created = accounts.ensure_first_admin(session)
    assert created is not None
    email, password = created
    assert email == "admin@localhost" and len(password) >= accounts.MIN_PASSWORD
    admin = accounts.authenticate(session, email, password)
    assert admin is not None and admin.role == Role.ADMIN
    assert accounts.ensure_first_admin(session) is None
    assert len(accounts.list_users(session)) == 1


def test_first_admin_not_created_when_users_exist(session: Session) -> None:
    accounts.create_user(session, email="a@b.org", password=PASSWORD, role=Role.STAFF)
    assert accounts.ensure_first_admin(session) is None


def test_remove_user_and_password(session: Session) -> None:
    admin = accounts.create_user(session, email="a@b.org", password=PASSWORD, role=Role.ADMIN)
    staff = accounts.create_user(session, email="s@b.org", password=PASSWORD, role=Role.STAFF)
    accounts.issue_token(session, staff, "t")
    with pytest.raises(AccountError, match="last admin"):
        accounts.remove_user(session, "a@b.org")
    accounts.remove_user(session, "S@b.org")
    assert [u.email for u in accounts.list_users(session)] == [admin.email]
    assert session.scalars(select(ApiToken)).all() == []  # the tokens went with the user
    with pytest.raises(AccountError, match="no user"):
        accounts.remove_user(session, "s@b.org")

    accounts.set_password(session, "a@b.org", "a brand new passphrase")
    assert accounts.authenticate(session, "a@b.org", PASSWORD) is None
    assert accounts.authenticate(session, "a@b.org", "a brand new passphrase") is admin
    with pytest.raises(AccountError, match="at least"):
        accounts.set_password(session, "a@b.org", "short")


def test_organisations(session: Session) -> None:
    org = accounts.add_organisation(session, " Puentes ", "es")
    assert (org.name, org.country) == ("Puentes", "ES")
    with pytest.raises(AccountError, match="already exists"):
        accounts.add_organisation(session, "Puentes")
    with pytest.raises(AccountError, match="two-letter"):
        accounts.add_organisation(session, "Elsewhere", "Spain")
    names = [o.name for o in accounts.list_organisations(session)]
    assert names == ["Casa Aberta", "Puentes"]
    assert session.scalar(select(User).limit(1)) is None

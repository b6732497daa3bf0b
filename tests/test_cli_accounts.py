"""``evidencia user``, ``org``, ``share`` as an administrator types them: clear one-line
refusals, no tracebacks, no password or hash ever printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from evidencia import accounts
from evidencia.access import Role, Viewer, can_see
from evidencia.cli import app
from evidencia.config import Home
from evidencia.store.db import Store
from evidencia.store.schema import Document, Organisation

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(1, 1024, 1))


def run(cli: CliRunner, home: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = cli.invoke(app, [*args, "--home", str(home)], input=stdin, env={"COLUMNS": "200"})
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_org_and_user_lifecycle(cli: CliRunner, home: Path) -> None:
    assert run(cli, home, "org", "add", "Casa Aberta", "--country", "pt")[0] == 0
    code, output = run(cli, home, "org", "add", "Casa Aberta")
    assert code == 1 and "already exists" in output and len(output.strip().splitlines()) == 1

    code, output = run(
        cli, home, "user", "add", "Ana@Example.org", "--role", "member", "--org", "Casa Aberta",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0 and "member ana@example.org of Casa Aberta" in output
    code, output = run(
        cli, home, "user", "add", "boss@example.org", "--role", "admin", "--name", "Boss",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    assert code == 0, output
    code, output = run(
        cli, home, "user", "add", "team@example.org", "--role", "staff", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0 and "of Network" in output

    code, output = run(cli, home, "user", "list")
    assert code == 0
    for expected in ("ana@example.org", "boss@example.org", "Casa Aberta", "Network", "Boss"):
        assert expected in output
    assert PASSWORD not in output and "argon2" not in output

    code, output = run(cli, home, "org", "list")
    assert code == 0 and "Casa Aberta" in output and "PT" in output


def test_refusals_are_one_line(cli: CliRunner, home: Path) -> None:
    cases = [
        (["user", "add", "a@b.org", "--role", "member"], PASSWORD, "give --org"),
        (["user", "add", "a@b.org", "--role", "member", "--org", "Nope"], PASSWORD, "Nope"),
        (["user", "add", "a@b.org", "--role", "admin"], "short", "at least 12"),
        (["user", "add", "not-an-email", "--role", "admin"], PASSWORD, "not an email"),
        (["user", "remove", "nobody@b.org"], None, "no user"),
        (["org", "add", "X", "--country", "Spain"], None, "two-letter"),
        (["share", "1", "Nope"], None, "no organisation"),
    ]
    for args, password, message in cases:
        password_args = ["--password-stdin"] if password else []
        code, output = run(cli, home, *args, *password_args, stdin=(password or "") + "\n")
        assert code == 1, (args, output)
        assert message in output and output.strip().startswith("error:"), (args, output)
    code, output = run(cli, home, "user", "add", "a@b.org", "--role", "public")
    assert code == 2  # not a choice, said by the option parser


def test_remove_and_token(cli: CliRunner, home: Path) -> None:
    for email, role in (("a@b.org", "admin"), ("s@b.org", "staff")):
        args = ["user", "add", email, "--role", role, "--password-stdin"]
        assert run(cli, home, *args, stdin=PASSWORD + "\n")[0] == 0
    code, output = run(cli, home, "user", "token", "s@b.org", "--label", "script")
    token = output.strip().splitlines()[-1]
    assert code == 0 and token.startswith("evd_")
    store = Store(Home(home))
    with store.session() as session:
        user = accounts.user_for_token(session, token)
        assert user is not None and user.email == "s@b.org"
    code, output = run(cli, home, "user", "remove", "a@b.org")
    assert code == 1 and "last admin" in output
    assert run(cli, home, "user", "remove", "S@b.org")[0] == 0
    with store.session() as session:
        assert accounts.user_for_token(session, token) is None
        assert [u.email for u in accounts.list_users(session)] == ["a@b.org"]
    code, output = run(cli, home, "user", "password", "a@b.org", "--password-stdin",
                       stdin="another long passphrase\n")  # fmt: skip
    assert code == 0
    with store.session() as session:
        assert accounts.authenticate(session, "a@b.org", "another long passphrase") is not None
    store.close()


def test_share_opens_a_restricted_document(cli: CliRunner, home: Path, tmp_path: Path) -> None:
    doc = tmp_path / "testimony.md"
    doc.write_text("# Testimony\n\nThey asked for my papers before my complaint.\n")
    ingest = ["ingest", str(doc), "--access", "restricted", "--org", "Casa Aberta"]
    code, output = run(cli, home, *ingest)
    assert code == 0, output
    assert run(cli, home, "org", "add", "Puentes")[0] == 0
    store = Store(Home(home))
    with store.session() as session:
        doc_id = session.scalars(select(Document.id)).one()
        puentes = session.scalars(
            select(Organisation.id).where(Organisation.name == "Puentes")
        ).one()
    member = Viewer(Role.MEMBER, puentes)

    code, output = run(cli, home, "share", str(doc_id), "Puentes")
    assert code == 0 and "shared with Puentes" in output
    with store.session() as session:
        assert can_see(session, member, doc_id)
    code, output = run(cli, home, "unshare", str(doc_id), "Puentes")
    assert code == 0
    with store.session() as session:
        assert not can_see(session, member, doc_id)
    code, output = run(cli, home, "share", "999", "Puentes")
    assert code == 1 and "no document with id 999" in output
    store.close()

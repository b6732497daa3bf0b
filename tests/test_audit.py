"""The audit log: append-only from the application, and any change made from outside
(an entry modified, deleted or moved, the newest entries cut off) found by verify."""

from __future__ import annotations

import json
import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from typer.testing import CliRunner

from evidencia import audit
from evidencia.cli import app
from evidencia.store.db import Store


def _fill(store: Store, n: int = 5) -> None:
    actor = audit.Actor("ana@example.org", 7)
    for i in range(n):
        with store.session() as session, session.begin():
            audit.record(session, actor, audit.Action.VIEW, document_id=i + 1, detail={"i": i})


def _raw(store: Store) -> sqlite3.Connection:
    """The database as someone with the file would open it: triggers dropped first."""
    conn = sqlite3.connect(store.home.database)
    conn.execute("DROP TRIGGER audit_event_no_update")
    conn.execute("DROP TRIGGER audit_event_no_delete")
    return conn


def test_an_untouched_log_verifies(store: Store, cli: CliRunner) -> None:
    _fill(store)
    assert audit.verify(store).ok and audit.verify(store).entries == 5
    result = cli.invoke(app, ["audit", "verify", "--home", str(store.home.root)])
    assert result.exit_code == 0 and "5 entries" in result.output
    exported = cli.invoke(app, ["audit", "export", "--home", str(store.home.root)])
    lines = [json.loads(line) for line in exported.output.splitlines()]
    assert [e["document_id"] for e in lines] == [1, 2, 3, 4, 5]
    assert lines[0]["actor"] == "ana@example.org" and lines[0]["detail"] == {"i": 0}


def test_the_application_cannot_rewrite_history(store: Store) -> None:
    _fill(store, 2)
    with store.session() as session, pytest.raises(DatabaseError, match="append-only"):
        session.execute(text("UPDATE audit_event SET actor = 'someone else'"))
    with store.session() as session, pytest.raises(DatabaseError, match="append-only"):
        session.execute(text("DELETE FROM audit_event"))


def test_a_rolled_back_transaction_leaves_no_entry(store: Store) -> None:
    with store.session() as session:
        session.begin()
        audit.record(session, audit.command_line(), audit.Action.ERASE, 3)
        session.rollback()
    assert audit.verify(store).entries == 0 and audit.verify(store).ok


@pytest.mark.parametrize(
    ("tamper", "says"),
    [
        (
            "UPDATE audit_event SET actor = 'nobody' WHERE id = 3",
            "entry 3: its content was changed",
        ),
        ("UPDATE audit_event SET detail = '{\"i\":9}' WHERE id = 2", "entry 2: its content"),
        ("DELETE FROM audit_event WHERE id = 2", "entry 3: does not follow"),
        ("DELETE FROM audit_event WHERE id = 5", "entries were removed from the end"),
        # moving entries: swap the content of 2 and 4, hashes and all
        (
            "UPDATE audit_event SET id = 99 WHERE id = 2; "
            "UPDATE audit_event SET id = 2 WHERE id = 4; "
            "UPDATE audit_event SET id = 4 WHERE id = 99",
            "does not follow",
        ),
    ],
)
def test_verify_finds_every_kind_of_tampering(
    store: Store, cli: CliRunner, tamper: str, says: str
) -> None:
    _fill(store)
    conn = _raw(store)
    conn.executescript(tamper)
    conn.commit()
    conn.close()
    report = audit.verify(store)
    assert not report.ok
    assert any(says in problem for problem in report.problems), report.problems
    result = cli.invoke(app, ["audit", "verify", "--home", str(store.home.root)])
    assert result.exit_code == 1 and "tampered" in result.output


def test_sharing_and_unsharing_are_audited(store: Store) -> None:
    from evidencia import accounts
    from evidencia.access import share, unshare
    from evidencia.store.schema import Document

    with store.session() as session, session.begin():
        org = accounts.add_organisation(session, "Fundación Puentes")
        doc = Document(
            title="t", sha256="0" * 64, blob_path="x", origin="x", size_bytes=1, mime="text/plain"
        )
        session.add(doc)
        session.flush()
        share(session, doc.id, org.id, audit.Actor("staff@example.org", 3))
        share(session, doc.id, org.id)  # already shared: nothing changes, nothing recorded
        unshare(session, doc.id, org.id)
        unshare(session, doc.id, org.id)
    with store.session() as session:
        logged = list(audit.entries(session, action="access_change"))
    assert [(e["actor"], e["detail"]["change"]) for e in logged] == [
        ("staff@example.org", "shared"),
        (audit.command_line().name, "unshared"),
    ]
    assert audit.verify(store).ok

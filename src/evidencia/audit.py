"""The audit log: every view, download, export and search hit of restricted material, every
change of who may see a document, every erasure; append-only and hash-chained.

Each entry's hash covers its content and the previous entry's hash, so changing, removing
or reordering an entry breaks the chain from there on. Removing the newest entries leaves a
shorter chain that is still whole, so the head (how many entries, the last hash) is also
written to a file beside the database after each commit; :func:`verify` checks both. The
log records what happened to which document, never the content.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, event, func, insert, select, update
from sqlalchemy.orm import Session

from evidencia.config import Home
from evidencia.store.db import Store
from evidencia.store.schema import AuditEvent, Generation

GENESIS = "0" * 64
HEAD_FILE = "audit.head"


class Action(StrEnum):
    VIEW = "view"
    DOWNLOAD = "download"
    EXPORT = "export"
    SEARCH_HIT = "search_hit"
    ACCESS_CHANGE = "access_change"
    ERASE = "erase"
    KEY_ROTATION = "key_rotation"
    SUBJECT_EXPORT = "subject_export"


@dataclass(frozen=True)
class Actor:
    """Who acted: a user of the web app or API, or whoever ran the command line."""

    name: str
    user_id: int | None = None


def command_line() -> Actor:
    try:
        return Actor(f"cli:{getpass.getuser()}")
    except (KeyError, OSError):
        return Actor("cli")


def _canonical(detail: Mapping[str, Any]) -> str:
    return json.dumps(detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    prev_hash: str,
    at: datetime,
    actor: str,
    user_id: int | None,
    action: str,
    document_id: int | None,
    detail: str,
) -> str:
    fields = [
        prev_hash,
        at.astimezone(UTC).isoformat(),
        actor,
        str(user_id),
        action,
        str(document_id),
        detail,
    ]
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()


def record(
    session: Session,
    actor: Actor,
    action: Action,
    document_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Append one entry inside the caller's transaction (it is kept only if that commits)."""
    text = _canonical(detail or {})
    # take the write lock first (SQLite: the database's; PostgreSQL: this row's), so no
    # other writer can append after the same entry between reading it and inserting
    session.execute(
        update(Generation).where(Generation.name == "audit").values(value=Generation.value + 1)
    )
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    prev = prev or GENESIS
    at = datetime.now(UTC).replace(microsecond=0)
    session.execute(
        insert(AuditEvent).values(
            at=at,
            actor=actor.name,
            user_id=actor.user_id,
            action=str(action),
            document_id=document_id,
            detail=text,
            prev_hash=prev,
            hash=entry_hash(prev, at, actor.name, actor.user_id, str(action), document_id, text),
        )
    )
    home = session.info.get("home")
    if isinstance(home, Home) and not session.info.get("audit_anchor"):
        session.info["audit_anchor"] = True
        event.listen(session, "after_commit", _anchor_after_commit, once=True)


def _anchor_after_commit(session: Session) -> None:
    session.info.pop("audit_anchor", None)
    home = session.info.get("home")
    if not isinstance(home, Home):
        return
    with Session(session.get_bind()) as fresh:
        count = fresh.scalar(select(func.count()).select_from(AuditEvent)) or 0
        last = fresh.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    write_head(home, int(count), last or GENESIS)


def write_head(home: Home, count: int, last: str) -> None:
    path = home.root / HEAD_FILE
    partial = path.with_name(HEAD_FILE + ".partial")
    partial.write_text(f"{count} {last}\n", encoding="utf-8")
    os.replace(partial, path)


def read_head(home: Home) -> tuple[int, str] | None:
    path = home.root / HEAD_FILE
    if not path.exists():
        return None
    count, last = path.read_text(encoding="utf-8").split()
    return int(count), last


@dataclass
class Verification:
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(store: Store) -> Verification:
    """Walk the chain from the first entry: every hash recomputed, every link checked, and
    the end compared with the head written after the last commit."""
    report = Verification()
    expected_prev = GENESIS
    with store.session() as session:
        for row in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
            report.entries += 1
            if row.prev_hash != expected_prev:
                report.problems.append(
                    f"entry {row.id}: does not follow the entry before it "
                    "(an entry was removed, inserted or moved)"
                )
            at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
            again = entry_hash(
                row.prev_hash, at, row.actor, row.user_id, row.action, row.document_id, row.detail
            )
            if again != row.hash:
                report.problems.append(f"entry {row.id}: its content was changed")
            expected_prev = row.hash
    head = read_head(store.home)
    if head is None:
        if report.entries:
            report.problems.append(f"the head file {HEAD_FILE} is missing")
    elif head != (report.entries, expected_prev):
        report.problems.append(
            f"the log ends at entry {report.entries} but its head says {head[0]} entries: "
            "entries were removed from the end (or added without the application)"
        )
    return report


def _selected(
    action: str | None, document_id: int | None, since: datetime | None
) -> Select[AuditEvent]:
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if document_id is not None:
        query = query.where(AuditEvent.document_id == document_id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    return query


def count(
    session: Session,
    *,
    action: str | None = None,
    document_id: int | None = None,
    since: datetime | None = None,
) -> int:
    """How many entries :func:`entries` would give with these filters (for paging)."""
    query = _selected(action, document_id, since).with_only_columns(
        func.count(), maintain_column_froms=True
    )
    return int(session.scalar(query) or 0)


def entries(
    session: Session,
    *,
    action: str | None = None,
    document_id: int | None = None,
    since: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = False,
) -> Iterator[dict[str, Any]]:
    """Entries as JSON-ready dicts, for admins to read and export."""
    query = _selected(action, document_id, since)
    query = query.order_by(AuditEvent.id.desc() if newest_first else AuditEvent.id)
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    for row in session.scalars(query):
        yield {
            "id": row.id,
            "at": row.at.isoformat(),
            "actor": row.actor,
            "user_id": row.user_id,
            "action": row.action,
            "document_id": row.document_id,
            "detail": json.loads(row.detail),
            "hash": row.hash,
        }

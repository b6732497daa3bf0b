"""Read the change counters that derived indexes and kept scopes follow (migrations 0005
and 0006).

The counters are bumped by SQLite triggers. On another database, until it has triggers of
its own, every read returns a value never seen before, so nothing derived is ever taken for
current: slower, never stale.
"""

from __future__ import annotations

import itertools

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidencia.store.schema import Generation

_never_seen = itertools.count(-1, -1)
#: rows of the table that are locks, not change counters: the audit log takes "audit" to
#: append, and an audit entry must not make every kept search result stale
LOCKS = ("audit",)


def _followed(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def generation(session: Session, name: str) -> int:
    """How many changes ``name`` (a followed table) has seen; any change makes it differ."""
    if not _followed(session):
        return next(_never_seen)
    value = session.scalar(select(Generation.value).where(Generation.name == name))
    if value is None:
        raise LookupError(f"no change counter for {name!r}: is the schema current?")
    return int(value)


def generations(session: Session) -> tuple[tuple[str, int], ...]:
    """Every counter, as one value that any change anywhere followed makes differ."""
    if not _followed(session):
        return (("unfollowed", next(_never_seen)),)
    rows = session.execute(
        select(Generation.name, Generation.value)
        .where(Generation.name.not_in(LOCKS))
        .order_by(Generation.name)
    )
    return tuple((str(name), int(value)) for name, value in rows)

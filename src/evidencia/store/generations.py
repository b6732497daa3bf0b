"""Read the change counters that derived indexes follow (see migration 0005)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidencia.store.schema import Generation


def generation(session: Session, name: str) -> int:
    """How many changes ``name`` (a followed table) has seen; any change makes it differ."""
    value = session.scalar(select(Generation.value).where(Generation.name == name))
    if value is None:
        raise LookupError(f"no change counter for {name!r}: is the schema current?")
    return int(value)


def generations(session: Session) -> tuple[tuple[str, int], ...]:
    """Every counter, as one value that any change anywhere followed makes differ."""
    rows = session.execute(select(Generation.name, Generation.value).order_by(Generation.name))
    return tuple((str(name), int(value)) for name, value in rows)

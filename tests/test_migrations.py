"""The migrations build exactly the tables the models describe, so a model changed without
its migration (or the reverse) fails here rather than in a user's data directory."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from evidencia.store.db import Store
from evidencia.store.schema import Base


def test_migrations_match_models(store: Store) -> None:
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # the FTS5 index and its shadow tables live outside the ORM on purpose
    unexpected = [
        d for d in diffs if not (d[0] == "remove_table" and d[1].name.startswith("passage_fts"))
    ]
    assert unexpected == []

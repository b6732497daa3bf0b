"""Open the database, bring its schema to the latest migration, hand out sessions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from evidencia.config import Home

MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """WAL keeps readers unblocked during ingest; foreign keys make cascades real."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str) -> Engine:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine) -> None:
    """Apply pending migrations (a no-op when the schema is current)."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def schema_is_current(engine: Engine) -> tuple[str | None, str | None]:
    """(revision in the database, newest revision shipped)."""
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, head


class Store:
    """A data directory opened for use: engine, sessions, and the originals folder."""

    def __init__(self, home: Home, *, migrate: bool = True) -> None:
        self.home = home
        self.engine = make_engine(home.url)
        if migrate:
            upgrade(self.engine)
        # sessions know their data directory: the audit log anchors its head in a file there
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info={"home": home})

    def session(self) -> Session:
        return self.sessions()

    def optimize(self) -> None:
        """Refresh the query planner's statistics after large writes.

        Without them SQLite guesses, and for "which of these 400 passages may this viewer
        see" it guessed wrong: it walked every public document instead of the 400 ids, 60
        times slower at 100,000 passages. ``analysis_limit`` samples each index, so this
        takes milliseconds whatever the size of the store.
        """
        if self.engine.dialect.name != "sqlite":
            return
        with self.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA analysis_limit=1000")
            conn.exec_driver_sql("ANALYZE")

    def close(self) -> None:
        self.engine.dispose()


from evidencia.store import embeddings  # noqa: E402, F401  (its table is part of the schema)

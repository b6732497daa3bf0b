"""Where the data lives: ``--home``, else ``EVIDENCIA_HOME``, else a per-user data directory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs


@dataclass(frozen=True)
class Home:
    """A data directory: the database and the originals, movable as one folder."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "evidencia.db"

    @property
    def files(self) -> Path:
        return self.root / "files"

    @property
    def url(self) -> str:
        return os.environ.get("EVIDENCIA_DATABASE_URL") or f"sqlite:///{self.database}"


def resolve_home(explicit: Path | None = None) -> Home:
    raw = explicit or os.environ.get("EVIDENCIA_HOME") or platformdirs.user_data_dir("evidencia")
    root = Path(raw).expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    return Home(root)

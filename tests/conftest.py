"""Shared fixtures: a fresh data directory per test, the CLI, and the network's seed documents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidencia.config import Home
from evidencia.store.db import Store

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
SUBMISSION = SEEDS / "002_562ba18454ebe768.txt"
STRATEGY = SEEDS / "000_19aa9e853c358b3a.txt"

needs_seeds = pytest.mark.skipif(
    not SUBMISSION.is_file(),
    reason=f"the network's seed documents are not at {SEEDS} (a checkout without ../shared)",
)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def store(home: Path) -> Iterator[Store]:
    s = Store(Home(home))
    yield s
    s.close()


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()

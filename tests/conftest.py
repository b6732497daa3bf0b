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

#: a second, different strategy framework: the system must not be tied to the first one
TINY_FRAMEWORK = """\
id: tiny-network
title: A tiny network's plan
goal: People are safe whatever their papers.
themes:
  - id: housing
    title: Housing for all
    keywords: [homelessness, sans-abri]
  - {id: schools, title: Schools}
areas:
  - id: area.shelter
    title: Shelter
    themes:
      - theme: housing
        objectives:
          - id: housing.shelters
            title: Shelters open to everyone
            outcomes:
              - {id: housing.shelters.o1, title: Cities fund shelters without status checks}
              - {id: housing.shelters.o2, title: Shelter staff trained on data protection}
      - theme: schools
        objectives:
          - id: schools.enrolment
            title: Every child enrolled
            outcomes:
              - {id: schools.enrolment.o1, title: Schools stop asking for papers}
"""

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

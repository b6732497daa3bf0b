"""Shared fixtures: a fresh data directory per test, the CLI, and the network's seed documents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidencia.cli import app
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


ROOT = Path(__file__).resolve().parents[1]
#: what demo/build.py renders (``make test`` runs it first); the demo store needs them
GENERATED = [
    ROOT / "demo" / "corpus" / "report-firewalls.pdf",
    ROOT / "demo" / "corpus" / "report-firewalls.docx",
    ROOT / "demo" / "corpus" / "rapport-sante.pdf",
    ROOT / "demo" / "seeds" / "000_19aa9e853c358b3a.pdf",
    ROOT / "demo" / "seeds" / "002_562ba18454ebe768.pdf",
]


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The demo corpus and the seeds ingested as `make demo` does (about 25 seconds)."""
    absent = [str(p.relative_to(ROOT)) for p in GENERATED if not p.is_file()]
    if absent:
        pytest.skip(f"run `python demo/build.py` (or `make demo`) first: {', '.join(absent)}")
    home = tmp_path_factory.mktemp("demo-home")
    cli = CliRunner()
    for manifest in ("demo/corpus/manifest.yaml", "demo/seeds.yaml"):
        result = cli.invoke(
            app, ["ingest", "--home", str(home), "--manifest", str(ROOT / manifest)]
        )
        assert result.exit_code == 0, result.output
    store = Store(Home(home))
    yield store
    store.close()

"""Search quality gate: recall@5 and nDCG@10 of each mode on the judged queries over the
demo corpus and the seeds, held to the floors in ``eval/search-baseline.json`` (record new
floors with ``evidencia evaluate-search --home var/demo --update-baseline`` after an
improvement)."""

from __future__ import annotations

import json

import pytest

from evidencia.cli.search import below_floors, evaluate_modes
from evidencia.embed import registry
from evidencia.embed.run import embed_missing
from evidencia.search.evaluate import DEFAULT_QUERIES
from evidencia.search.modes import MODES, Searcher
from evidencia.store.db import Store
from tests.conftest import ROOT, needs_seeds

BASELINE = ROOT / "eval" / "search-baseline.json"


@needs_seeds
@pytest.mark.slow
def test_search_modes_hold_their_floors(demo_store: Store) -> None:
    backend = registry.get()
    embed_missing(demo_store, backend)
    results = evaluate_modes(Searcher(demo_store, backend), list(MODES), ROOT / DEFAULT_QUERIES)
    figures = {mode: result.means() for mode, result in results.items()}
    assert all(not r.unresolved and not r.skipped for r in results.values())
    assert below_floors(figures, BASELINE) == [], json.dumps(figures, indent=1)
    assert figures["hybrid"]["ndcg@10"] >= figures["lexical"]["ndcg@10"]

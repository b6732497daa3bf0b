"""Many searches at once finish: found by the load test (bench/web_load.py), where 50
concurrent searches waited 30 s on the database pool and failed.

A hybrid search holds one pooled connection while the semantic index checks its freshness
on a second; with more searches in flight than the pool has connections, each held one and
waited for another. The web layer now runs at most ``SEARCHES_AT_ONCE`` at a time. Here the
index check is made to take 0.2 s, so that searches overlap there as they do under load.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from evidencia.access import ANONYMOUS
from evidencia.config import Home
from evidencia.embed.run import embed_missing
from evidencia.ingest.pipeline import Ingestor
from evidencia.search import semantic
from evidencia.search.modes import Searcher
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta
from evidencia.web import searching
from evidencia.web.searching import SearchParams
from tests.web.conftest import HashBackend

CALLERS = 24  # more than the pool's 15 connections


@pytest.fixture(scope="module")
def slow_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    root: Path = tmp_path_factory.mktemp("concurrency")
    (root / "home").mkdir()
    store = Store(Home(root / "home"))
    notes = []
    for n, topic in enumerate(("shelters", "clinics", "schools")):
        path = root / f"{topic}.md"
        path.write_text(f"# Note {n}\n\nAccess to {topic} for people without papers.\n")
        notes.append(path)
    Ingestor(store, workers=1).run(notes, lambda _p: DocumentMeta())
    embed_missing(store, HashBackend())
    yield store
    store.close()


def test_many_hybrid_searches_at_once_all_finish(
    slow_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_manifest = semantic.read_manifest
    running, most = 0, 0
    lock = threading.Lock()

    def slow_read_manifest(store: Store, model: str) -> Any:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.2)
        with lock:
            running -= 1
        return read_manifest(store, model)

    monkeypatch.setattr(semantic, "read_manifest", slow_read_manifest)
    searcher = Searcher(slow_store, HashBackend())
    params = SearchParams(q="access for people without papers", mode="hybrid")
    started = time.monotonic()
    with ThreadPoolExecutor(CALLERS) as pool:
        results = list(
            pool.map(
                lambda _i: searching.run(searcher, ANONYMOUS, params, facets=True),
                range(CALLERS),
            )
        )
    elapsed = time.monotonic() - started
    assert all(r.hits for r in results)
    assert 1 < most <= searching.SEARCHES_AT_ONCE
    # one after another would take CALLERS x 0.2 s; a stuck pool gives up after 30 s
    assert elapsed < CALLERS * 0.2, elapsed

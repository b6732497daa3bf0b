"""Search at scale: hybrid search on generated stores of 100k and 1M passages, against
tantivy alone (the lexical floor) and usearch alone (the semantic floor), in the same run.

The corpus is the demo store's real passages, varied: every generated document copies a real
one under another title, date, access level and organisation, and half of its passages gain
a sentence from another real passage in the same language (with that passage's countries).
Vectors are the real stored embeddings, mixed the same way and perturbed, so they cluster as
real documents do; uniform random vectors would make the graph index's job unrealistically
easy or hard.

Each query is embedded once, up front, with the real model, and the same vector is given to
both Evidencia and usearch, so the comparison measures search, not the model (the model's
time per query is printed on its own line). Latencies are measured in a fresh process per
store, after one warm-up pass, and that process's peak memory is reported.

Run: ``.venv/bin/python bench/search_scale.py [--sizes 100000,1000000] [--source var/demo]``
(needs ``make demo`` first and the bench extra: ``pip install -e '.[bench]'``). Stores are
kept under ``var/bench/`` and reused; ``--rebuild`` makes them again.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rich.console import Console
from rich.table import Table

from evidencia.access import ANONYMOUS, OWNER
from evidencia.config import resolve_home
from evidencia.embed import registry
from evidencia.search import semantic, word_index
from evidencia.search.evaluate import load_queries
from evidencia.search.modes import Request, Searcher
from evidencia.search.query import words_of
from evidencia.search.scope import NO_FILTERS, Filters
from evidencia.store.db import Store
from evidencia.store.embeddings import VECTOR_DTYPE, text_hash

GENERATOR = 1  # bump when the generated corpus changes, so old stores are rebuilt
PASSAGES_PER_BATCH = 20_000
ACCESS_MIX = (("public", 0.7), ("network", 0.2), ("restricted", 0.1))
ORGANISATIONS = ("PICUM", "Fundación Cepaim", "LSAP", "Gisti", "Medibus", "KOK")
SENTENCE = re.compile(r"(?<=[.!?])\s+")
console = Console()


@dataclass
class Source:
    """The real passages copied, with their document, vector and countries."""

    texts: list[str]
    headings: list[str]
    pages: list[int | None]
    languages: list[str | None]
    doc_of: list[int]
    vectors: NDArray[np.float32]
    annotations: list[list[tuple[str, str, str, str, str]]]
    documents: dict[int, tuple[str, str, str | None]]  # id -> title, type, language
    by_language: dict[str | None, list[int]]
    by_document: dict[int, list[int]]
    model: str
    created_at: str


def read_source(home: Path) -> Source:
    db = sqlite3.connect(home / "evidencia.db")
    model = registry.get().name
    rows = db.execute(
        "SELECT p.id, p.document_id, p.text, p.heading_path, p.page, p.language, e.vector,"
        " e.created_at FROM passage p JOIN embedding e ON e.passage_id = p.id"
        " WHERE e.model = ? ORDER BY p.id",
        (model,),
    ).fetchall()
    if not rows:
        sys.exit(f"{home}: no embedded passages for {model}: run `make demo` first")
    index = {row[0]: i for i, row in enumerate(rows)}
    notes: list[list[tuple[str, str, str, str, str]]] = [[] for _ in rows]
    for pid, enricher, version, kind, key, label in db.execute(
        "SELECT passage_id, enricher, version, kind, key, label FROM annotation"
        " WHERE passage_id IS NOT NULL"
    ):
        if pid in index:
            notes[index[pid]].append((enricher, version, kind, key, label))
    documents = {
        int(i): (str(t), str(k), lang)
        for i, t, k, lang in db.execute("SELECT id, title, doc_type, language FROM document")
    }
    by_language: dict[str | None, list[int]] = defaultdict(list)
    by_document: dict[int, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_language[row[5]].append(i)
        by_document[row[1]].append(i)
    return Source(
        texts=[r[2] for r in rows],
        headings=[r[3] or "[]" for r in rows],
        pages=[r[4] for r in rows],
        languages=[r[5] for r in rows],
        doc_of=[r[1] for r in rows],
        vectors=np.vstack([np.frombuffer(r[6], dtype=VECTOR_DTYPE) for r in rows]).astype(
            np.float32
        ),
        annotations=notes,
        documents=documents,
        by_language=dict(by_language),
        by_document=dict(by_document),
        model=model,
        created_at=str(rows[0][7]),
    )


def generate(source: Source, home: Path, size: int, seed: int = 7) -> float:
    """Write a store of ``size`` passages varied from ``source``; returns seconds taken
    (passages, full-text index through the store's own triggers, annotations, vectors)."""
    home.mkdir(parents=True, exist_ok=True)
    Store(resolve_home(home)).close()  # the real schema, by the real migrations
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    db = sqlite3.connect(home / "evidencia.db")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.executemany(
        "INSERT INTO organisation(name, created_at) VALUES (?, ?)",
        [(name, source.created_at) for name in ORGANISATIONS],
    )
    levels, weights = zip(*ACCESS_MIX, strict=True)
    docs = list(source.by_document)
    started = time.perf_counter()
    made = 0
    copy = 0
    passage_rows: list[tuple[Any, ...]] = []
    note_rows: list[tuple[Any, ...]] = []
    mixes: list[tuple[int, int, int]] = []  # (new passage id, source row, donor row or -1)
    while made < size:
        copy += 1
        original = docs[copy % len(docs)]
        title, doc_type, language = source.documents[original]
        published = date(2015, 1, 1) + timedelta(days=rng.randrange(4000))
        cur = db.execute(
            "INSERT INTO document(title, doc_type, language, languages, published, origin,"
            " sha256, blob_path, mime, size_bytes, access, organisation_id, meta, created_at)"
            " VALUES (?, ?, ?, '[]', ?, 'generated', ?, '', 'text/plain', 0, ?, ?, '{}', ?)",
            (
                f"{title} — {rng.choice(('update', 'regional edition', 'annex', 'summary'))}"
                f" {published.year} #{copy}",
                doc_type,
                language,
                published.isoformat(),
                f"{copy:064x}",
                rng.choices(levels, weights)[0],
                rng.randrange(1, len(ORGANISATIONS) + 1),
                source.created_at,
            ),
        )
        doc_id = int(cur.lastrowid or 0)
        for order, row in enumerate(source.by_document[original]):
            if made >= size:
                break
            made += 1
            text, donor = source.texts[row], -1
            if rng.random() < 0.5:
                donor = rng.choice(source.by_language[source.languages[row]])
                sentences = SENTENCE.split(source.texts[donor])
                text = f"{text} {rng.choice(sentences)}"
            passage_rows.append(
                (made, doc_id, order, source.pages[row], source.headings[row], text, 0,
                 len(text), source.languages[row])
            )  # fmt: skip
            keep = source.annotations[row] + (source.annotations[donor] if donor >= 0 else [])
            for enricher, version, kind, key, label in keep:
                note_rows.append((doc_id, made, enricher, version, kind, key, label))
            mixes.append((made, row, donor))
        if len(passage_rows) >= PASSAGES_PER_BATCH or made >= size:
            _flush(db, source, passage_rows, note_rows, mixes, nrng)
            passage_rows, note_rows, mixes = [], [], []
    db.commit()
    db.close()
    Store(resolve_home(home)).optimize()  # as the ingest pipeline does after a run
    return time.perf_counter() - started


def _flush(
    db: sqlite3.Connection,
    source: Source,
    passages: list[tuple[Any, ...]],
    notes: list[tuple[Any, ...]],
    mixes: list[tuple[int, int, int]],
    nrng: np.random.Generator,
) -> None:
    db.executemany(
        "INSERT INTO passage(id, document_id, ord, page, heading_path, text, char_start,"
        " char_end, language) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        passages,
    )
    db.executemany(
        "INSERT INTO annotation(document_id, passage_id, enricher, version, kind, key, label,"
        " start, end, attrs) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, '{}')",
        notes,
    )
    ids = np.array([m[0] for m in mixes])
    rows = np.array([m[1] for m in mixes])
    donors = np.array([m[2] for m in mixes])
    vectors = source.vectors[rows].copy()
    mixed = donors >= 0
    vectors[mixed] += 0.35 * source.vectors[donors[mixed]]
    vectors += nrng.normal(0.0, 0.3 / np.sqrt(vectors.shape[1]), vectors.shape)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    blobs = vectors.astype(VECTOR_DTYPE)
    db.executemany(
        "INSERT INTO embedding(passage_id, model, dim, text_hash, vector, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (int(pid), source.model, blobs.shape[1], text_hash(p[5]), blobs[i].tobytes(),
             source.created_at)
            for i, (pid, p) in enumerate(zip(ids, passages, strict=True))
        ],
    )  # fmt: skip
    db.commit()


def build_tantivy(home: Path) -> float:
    """The lexical floor's index over the same texts; returns seconds taken."""
    import tantivy

    folder = home / "tantivy"
    if folder.exists():
        for path in folder.iterdir():
            path.unlink()
    folder.mkdir(exist_ok=True)
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=False, fast=True)
    builder.add_text_field("text", stored=False)
    index = tantivy.Index(builder.build(), path=str(folder))
    started = time.perf_counter()
    writer = index.writer(heap_size=512_000_000, num_threads=2)
    db = sqlite3.connect(home / "evidencia.db")
    for pid, text in db.execute("SELECT id, text FROM passage"):
        writer.add_document(tantivy.Document(id=pid, text=text))
    writer.commit()
    writer.wait_merging_threads()
    return time.perf_counter() - started


class Precomputed:
    """The real backend's name and size, with query vectors computed before timing."""

    def __init__(self, name: str, vectors: dict[str, NDArray[np.float32]]) -> None:
        self._name = name
        self.vectors = vectors

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return len(next(iter(self.vectors.values())))

    def embed_passages(self, texts: Any) -> NDArray[np.float32]:
        raise RuntimeError("the benchmark embeds no passages")

    def embed_query(self, text: str) -> NDArray[np.float32]:
        return self.vectors[text]


def percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in seconds)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]


def measure(home: Path, vectors_file: Path) -> dict[str, Any]:
    """Runs in its own process: latencies of every way to search, and peak memory."""
    import tantivy

    payload = np.load(vectors_file)
    texts = [str(t) for t in payload["texts"]]
    vectors = {t: payload["vectors"][i] for i, t in enumerate(texts)}
    model = str(payload["model"])
    store = Store(resolve_home(home))
    searcher = Searcher(store, Precomputed(model, vectors))
    manifest, _ = semantic.ensure_index(store, model)
    graph = semantic._usearch().Index.restore(
        str(semantic.index_dir(store, model) / "vectors.usearch"), view=True
    )
    lexical_index = tantivy.Index.open(str(home / "tantivy"))
    lexical_index.reload()
    lexical_searcher = lexical_index.searcher()
    filtered = [Filters(countries=(cc,)) for cc in ("ES", "BE", "NL", "FR", "DE")]
    filtered += [Filters(languages=("en",)), Filters(since=date(2020, 1, 1))]

    def tantivy_search(text: str) -> None:
        """The best 50 by BM25 and their ids: the least a lexical search must do."""
        terms = " ".join(words_of(text))
        query = lexical_index.parse_query(terms, ["text"])
        hits = lexical_searcher.search(query, 50, count=False).hits
        lexical_searcher.fast_field_values("id", [address for _, address in hits])

    def usearch_search(text: str) -> None:
        graph.search(vectors[text], 50)

    def ours(text: str, i: int, with_filters: bool) -> None:
        if with_filters:
            request = Request(text, 10, filtered[i % len(filtered)], ANONYMOUS)
        else:
            request = Request(text, 10, NO_FILTERS, OWNER)
        searcher.search(request, "hybrid")

    ways: dict[str, Callable[[str, int], None]] = {
        "tantivy": lambda text, _i: tantivy_search(text),
        "usearch": lambda text, _i: usearch_search(text),
        "hybrid": lambda text, i: ours(text, i, False),
        "hybrid+filters": lambda text, i: ours(text, i, True),
    }
    runs: dict[str, list[float]] = defaultdict(list)
    for timed in (False, True):  # the first pass warms caches and the page cache
        for i, text in enumerate(texts):
            for name, way in ways.items():
                started = time.perf_counter()
                way(text, i)
                if timed:
                    runs[name].append(time.perf_counter() - started)
    return {
        "count": manifest.count,
        "latency": {name: percentiles(values) for name, values in runs.items()},
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--source", type=Path, default=Path("var/demo"))
    parser.add_argument("--work", type=Path, default=Path("var/bench"))
    parser.add_argument("--rebuild", action="store_true", help="generate the stores again")
    parser.add_argument(
        "--keep-indexes", action="store_true", help="reuse current indexes: time searches only"
    )
    parser.add_argument("--measure", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    source = read_source(args.source)
    backend = registry.get()
    texts = [q.text for q in load_queries()]
    started = time.perf_counter()
    query_vectors = np.vstack([backend.embed_query(t) for t in texts])
    embed_ms = (time.perf_counter() - started) * 1000 / len(texts)
    args.work.mkdir(parents=True, exist_ok=True)
    vectors_file = args.work / "queries.npz"
    np.savez(vectors_file, texts=np.array(texts), vectors=query_vectors, model=source.model)
    console.print(
        f"{len(source.texts)} real passages in {args.source}; {len(texts)} queries, "
        f"embedded by {backend.name} in {embed_ms:.1f} ms each (not in the timings below)"
    )
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        home = args.work / f"scale-{size}"
        marker = home / f"generated-{GENERATOR}"
        build: dict[str, float] = {}
        if args.rebuild or not marker.exists():
            if home.exists():
                subprocess.run(["rm", "-rf", str(home)], check=True)
            with console.status(f"generating {size:,} passages"):
                build["store (passages, FTS5, vectors)"] = generate(source, home, size)
            with console.status("building the tantivy index"):
                build["tantivy index (floor)"] = build_tantivy(home)
            marker.touch()
        store = Store(resolve_home(home))
        with store.session() as session:
            words_current = word_index.is_current(store, session)
        vectors_current = semantic.index_status(store, source.model) == "current"
        if args.keep_indexes and words_current and vectors_current:
            console.print(f"{size:,}: indexes kept from an earlier run (their build not timed)")
        else:
            with console.status("building the vector index"):
                started = time.perf_counter()
                semantic.build_index(store, source.model)
                build["vector index (usearch, from the store)"] = time.perf_counter() - started
            with console.status("building the word index"):
                started = time.perf_counter()
                word_index.build(store)
                build["word index (tantivy, from the store)"] = time.perf_counter() - started
        with console.status(f"searching {size:,} passages"):
            out = subprocess.run(
                [sys.executable, __file__, "--measure", str(home), str(vectors_file)],
                check=True,
                capture_output=True,
                text=True,
            )
        measured = json.loads(out.stdout.strip().splitlines()[-1])
        results.append((size, build, measured))
        report(size, build, measured)
    (args.work / "search_scale.json").write_text(json.dumps(results, indent=2))


def report(size: int, build: dict[str, float], measured: dict[str, Any]) -> None:
    table = Table(title=f"{size:,} passages ({measured['count']:,} vectors)")
    table.add_column("what")
    table.add_column("p50 ms", justify="right")
    table.add_column("p95 ms", justify="right")
    table.add_column("p95 / floors", justify="right")
    latency = measured["latency"]
    floors = latency["tantivy"][1] + latency["usearch"][1]
    for name in ("tantivy", "usearch", "hybrid", "hybrid+filters"):
        p50, p95 = latency[name]
        ratio = f"{p95 / floors:.2f}×" if name.startswith("hybrid") else ""
        table.add_row(name, f"{p50:.1f}", f"{p95:.1f}", ratio)
    console.print(table)
    for what, seconds in build.items():
        console.print(f"  build: {what}: {seconds:.1f} s")
    console.print(f"  peak memory of the search process: {measured['peak_rss_mib']:.0f} MiB")


if __name__ == "__main__":
    main()

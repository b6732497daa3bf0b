"""The word index of a large store: a tantivy index over the passages, derived from the
database the way the vector index is, for ranking plain-word queries fast.

SQLite's FTS5 scores *every* passage that matches before it can return the best fifty: at a
million passages a common word ("children", "detention") matches hundreds of thousands of
them, and a query takes a second. tantivy skips the passages that cannot reach the top
(block-max WAND), so the same query takes milliseconds. FTS5 remains the lexical engine of
record: it answers small stores, queries with operators, phrases or prefixes, and any query
while this index is out of date; this index only ranks plain words in large stores.

What a viewer may see is not in this index: it proposes candidates, and the caller keeps
those :class:`~evidencia.search.scope.Scope` admits, exactly as for vectors. Words are folded
here (case, accents), before tantivy's tokenizer sees them, so queries and passages are
folded by the same function.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
import unicodedata
from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evidencia.store.db import Store
from evidencia.store.generations import generation
from evidencia.store.schema import Passage

#: from this many passages on, plain-word queries are ranked by this index
USE_FROM = 50_000
#: weight of a word found in the heading path, against 1 in the text (as in FTS5's bm25)
HEADING_WEIGHT = 0.3
FORMAT = 2
_FOLDER = "words-tantivy"


@dataclass(frozen=True)
class Manifest:
    count: int
    generation: int
    built_at: str
    format: int = FORMAT


def fold(text: str) -> str:
    """Lower case without accents: "Régularisation" and "regularisation" are one word, as
    FTS5's ``remove_diacritics`` makes them."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def index_dir(store: Store) -> Path:
    return store.home.root / "indexes" / _FOLDER


def read_manifest(store: Store) -> Manifest | None:
    try:
        raw = json.loads((index_dir(store) / "current" / "manifest.json").read_text("utf-8"))
        manifest = Manifest(**raw)
    except (OSError, ValueError, TypeError):
        return None
    return manifest if manifest.format == FORMAT else None


def is_current(store: Store, session: Session) -> bool:
    """Whether the index holds exactly the passages the database holds (one row read)."""
    manifest = read_manifest(store)
    return manifest is not None and manifest.generation == generation(session, "passage")


def wanted(session: Session) -> bool:
    """Whether the store is large enough for this index to pay."""
    return (session.scalar(select(func.count()).select_from(Passage)) or 0) >= USE_FROM


def _schema() -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=False, fast=True, indexed=True)
    builder.add_text_field("text", stored=False)
    builder.add_text_field("headings", stored=False)
    return builder.build()


def build(store: Store, *, progress: Any = None) -> Manifest:
    """(Re)build the index from the database, beside the old one, then swap it in.

    The change counter is read before the passages, so a passage stored meanwhile makes the
    new index look stale (a rebuild later), never current while missing something.
    """
    import tantivy

    root = index_dir(store)
    root.mkdir(parents=True, exist_ok=True)
    fresh = root / f"build-{threading.get_ident()}"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    index = tantivy.Index(_schema(), path=str(fresh))
    writer = index.writer(heap_size=256_000_000, num_threads=1)
    count = 0
    with store.session() as session:
        at = generation(session, "passage")
        rows = session.execute(
            select(Passage.id, Passage.text, Passage.heading_path).execution_options(
                yield_per=10_000
            )
        )
        for pid, text, headings in rows:
            writer.add_document(
                tantivy.Document(
                    id=int(pid), text=fold(text), headings=fold(" ".join(headings or []))
                )
            )
            count += 1
            if progress is not None and count % 10_000 == 0:
                progress(count)
    writer.commit()
    writer.wait_merging_threads()
    manifest = Manifest(count, at, datetime.now(UTC).isoformat(timespec="seconds"))
    (fresh / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2), "utf-8")
    current, old = root / "current", root / f"old-{threading.get_ident()}"
    with contextlib.suppress(FileNotFoundError):
        current.rename(old)
    fresh.rename(current)
    shutil.rmtree(old, ignore_errors=True)
    with _lock:
        _cache.pop(root, None)
    return manifest


@dataclass(frozen=True)
class Found:
    """The best matches, and how many passages match in all (when counted)."""

    hits: list[tuple[int, float]]
    total: int | None = None


def search(
    store: Store,
    words: list[str],
    *,
    every: bool,
    limit: int,
    among: Collection[int] | None = None,
    count: bool = False,
) -> Found:
    """(passage id, BM25 score) of the best ``limit`` passages with any (``every``: all) of
    ``words``, best first; only passages ``among`` these ids when given; with ``count``, the
    number of matches too (which costs a walk over all of them). The caller checks
    :func:`is_current` first."""
    import tantivy

    index, schema = _open(store)
    clauses = []
    for word in dict.fromkeys(fold(w) for w in words):
        in_text = tantivy.Query.term_query(schema, "text", word)
        in_headings = tantivy.Query.boost_query(
            tantivy.Query.term_query(schema, "headings", word), HEADING_WEIGHT
        )
        either = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, in_text), (tantivy.Occur.Should, in_headings)]
        )
        clauses.append((tantivy.Occur.Must if every else tantivy.Occur.Should, either))
    if not clauses:
        return Found([], 0)
    if among is not None:
        only = tantivy.Query.term_set_query(schema, "id", list(among))
        clauses.append((tantivy.Occur.Must, tantivy.Query.const_score_query(only, 0.0)))
    searcher = index.searcher()
    result = searcher.search(tantivy.Query.boolean_query(clauses), limit, count=count)
    ids = searcher.fast_field_values("id", [address for _, address in result.hits])
    hits = [(int(pid), float(score)) for (score, _), pid in zip(result.hits, ids, strict=True)]
    return Found(hits, result.count if count else None)


_cache: dict[Path, tuple[str, Any, Any]] = {}
_lock = threading.Lock()


def forget_opened() -> None:
    """Close every opened index (after an erasure: one opened before reads the old build)."""
    with _lock:
        _cache.clear()


def _open(store: Store) -> tuple[Any, Any]:
    """The opened index, kept while the folder holds the same build."""
    import tantivy

    root = index_dir(store)
    manifest = read_manifest(store)
    built = manifest.built_at + str(manifest.generation) if manifest else ""
    with _lock:
        cached = _cache.get(root)
        if cached and cached[0] == built:
            return cached[1], cached[2]
        index = tantivy.Index.open(str(root / "current"))
        index.reload()
        _cache[root] = (built, index, index.schema)
        return index, index.schema

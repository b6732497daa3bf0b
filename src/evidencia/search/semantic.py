"""Search by meaning: the passages whose vectors lie nearest a query's.

The vectors in the database are the truth; the index under ``<data dir>/indexes/`` is a cache
derived from them, with a manifest (model, dimension, count, fingerprint of the rows it
holds, build time). It is rebuilt whenever it no longer matches the stored vectors: by
``evidencia embed``, or at query time.

Below ``EXACT_BELOW`` vectors the "index" is the matrix itself (``vectors.npy``): a matrix
product over 20,000 × 384 floats takes milliseconds, is exact, and filters for free. Above
it, a graph index (HNSW) answers in sub-linear time. It is built with **usearch** rather than
hnswlib because usearch is maintained, ships wheels for current Pythons and NumPy 2, saves
one file that can be memory-mapped instead of read (``view=True``), and stores half-precision
vectors (f16: half the memory, no measurable loss in ranking for unit vectors); hnswlib's
last release predates NumPy 2. Scores are inner products of unit vectors, i.e. cosines.

Who may see what is enforced here, not left to the caller: with a ``scope`` given, nothing
outside it is returned. A graph index cannot filter while it walks, so it proposes more
neighbours than wanted and the scope admits some (one indexed query over the candidates);
when too few are admitted, the scope is listed, and a narrow one is scored exactly.

Whether the index is current is asked on every query, so it must be cheap: the manifest
records the ``embedding`` change counter (migration 0005) it was built at, and only when the
counter moved is the fingerprint of the model's rows computed.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Literal, Protocol

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from evidencia.embed.base import EmbeddingBackend, EmbeddingError
from evidencia.search.scope import Scope
from evidencia.store.db import Store
from evidencia.store.embeddings import Embedding, from_blob, iter_vectors, model_dim, stamp
from evidencia.store.generations import generation

#: below this many vectors, search is an exact matrix product
EXACT_BELOW = 20_000
#: neighbours asked of the graph index per wanted result when the viewer may see everything
ANN_MARGIN = 2
#: ... and when a scope must admit them (filters, or a viewer who may not see everything)
SCOPED_MARGIN = 8
#: neighbours asked of the graph index when the first candidates mostly fall outside a scope
ANN_MAX_K = 5_000
#: neighbours asked of the graph, in turn, for a wide scope its nearest mostly lie outside
WIDE_ASKS = (ANN_MAX_K, 20_000)
FORMAT = 3

Status = Literal["current", "stale", "missing"]
Hits = list[tuple[int, float]]


@dataclass(frozen=True)
class Manifest:
    model: str
    dim: int
    count: int
    fingerprint: str
    built_at: str
    kind: Literal["exact", "usearch"]
    generation: int = -1
    format: int = FORMAT


def index_dir(store: Store, model: str) -> Path:
    """One folder per model, named readably plus a digest (so no two names collide)."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", model).strip("-")[:80]
    digest = hashlib.blake2b(model.encode(), digest_size=4).hexdigest()
    return store.home.root / "indexes" / f"{readable}-{digest}"


def _files(kind: str) -> tuple[str, ...]:
    return ("exact.npz",) if kind == "exact" else ("vectors.usearch", "ids.npy", "matrix.f16")


def read_manifest(store: Store, model: str) -> Manifest | None:
    """The manifest of ``model``'s index, or None if there is no usable index."""
    folder = index_dir(store, model)
    try:
        raw = json.loads((folder / "manifest.json").read_text("utf-8"))
        manifest = Manifest(**raw)
    except (OSError, ValueError, TypeError):
        return None
    if manifest.format != FORMAT or manifest.model != model:
        return None
    if not all((folder / name).is_file() for name in _files(manifest.kind)):
        return None
    return manifest


def index_status(store: Store, model: str) -> Status:
    """Whether ``model``'s index holds exactly the vectors the database holds."""
    return _status(store, model, read_manifest(store, model))


def _status(
    store: Store, model: str, manifest: Manifest | None, session: Session | None = None
) -> Status:
    if manifest is None:
        return "missing"
    if session is None:
        with store.session() as own:
            return _status(store, model, manifest, own)
    if manifest.generation == generation(session, "embedding"):
        return "current"  # nothing stored or removed since the build
    current = stamp(session, model).fingerprint
    return "current" if manifest.fingerprint == current else "stale"


def build_index(store: Store, model: str) -> Manifest:
    """(Re)build ``model``'s index from the stored vectors and return its manifest.

    The fingerprint is read *before* the vectors: vectors stored in between make the index
    hold more than its manifest says, which only costs a rebuild later, never a stale index
    taken for current. Files are written under temporary names and renamed, the manifest
    last, so a reader never sees half an index.
    """
    folder = index_dir(store, model)
    folder.mkdir(parents=True, exist_ok=True)
    with store.session() as session:
        counter = generation(session, "embedding")
        current = stamp(session, model)
        dim = model_dim(session, model) or 0
        kind: Literal["exact", "usearch"] = "exact" if current.count < EXACT_BELOW else "usearch"
        chunks = iter_vectors(session, model, dim) if dim else iter(())
        if kind == "exact":
            count = _write_exact(folder, dim, chunks)
        else:
            count = _write_usearch(folder, dim, chunks)
    manifest = Manifest(
        model=model,
        dim=dim,
        count=count,
        fingerprint=current.fingerprint,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        kind=kind,
        generation=counter,
    )
    _replace(folder / "manifest.json", json.dumps(asdict(manifest), indent=2).encode())
    for stale in set(_files("exact") + _files("usearch")) - set(_files(kind)):
        (folder / stale).unlink(missing_ok=True)
    return manifest


def ensure_index(store: Store, model: str, session: Session | None = None) -> tuple[Manifest, bool]:
    """``model``'s index, rebuilt first if it is not current; and whether it was rebuilt.

    A search passes its own ``session``: opening a second connection while holding one lets
    concurrent searches exhaust the connection pool, each waiting for another's.
    """
    manifest = read_manifest(store, model)
    if manifest is not None and _status(store, model, manifest, session) == "current":
        return manifest, False
    return build_index(store, model), True


def semantic_search(
    store: Store,
    backend: EmbeddingBackend,
    query: str,
    *,
    limit: int,
    scope: Scope | None,
    session: Session | None = None,
) -> Hits:
    """(passage id, cosine) of the ``limit`` passages nearest ``query``, best first.

    ``scope``: the passages the viewer may see and that pass the filters; None means all.
    Only passages with a stored vector from ``backend`` can be found: run ``evidencia
    embed`` after ingesting.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    if not query.strip():
        raise ValueError("the query is empty")
    manifest, _ = ensure_index(store, backend.name, session)
    if manifest.count == 0:
        return []
    if manifest.dim != backend.dim:
        raise EmbeddingError(
            f"the stored vectors of {backend.name} have {manifest.dim} dimensions, "
            f"the backend makes {backend.dim}: re-embed with `evidencia embed`"
        )
    return _nearest(store, manifest, backend.embed_query(query), limit, scope)


def more_like(
    store: Store, backend: EmbeddingBackend, passage_id: int, *, limit: int, scope: Scope | None
) -> Hits:
    """(passage id, cosine) of the passages nearest a stored passage, itself left out: "more
    like this", with no model call (the passage's vector is already stored)."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    with store.session() as session:
        row = session.get(Embedding, passage_id)
    if row is None or row.model != backend.name:
        raise EmbeddingError(
            f"passage {passage_id} has no vector from {backend.name}: run `evidencia embed`"
        )
    manifest, _ = ensure_index(store, backend.name)
    vector = from_blob(row.vector, row.dim)
    found = _nearest(store, manifest, vector, limit + 1, scope)
    return [hit for hit in found if hit[0] != passage_id][:limit]


def _nearest(
    store: Store, manifest: Manifest, vector: NDArray[np.float32], limit: int, scope: Scope | None
) -> Hits:
    hits = _searcher(store, manifest).search(vector, limit, scope)
    if scope is None:
        return hits[:limit]
    admitted = scope.admit(pid for pid, _ in hits)  # the guarantee, whatever the searcher did
    return [hit for hit in hits if hit[0] in admitted][:limit]


# -- searchers -------------------------------------------------------------------------------


class _Searcher(Protocol):
    def search(self, query: NDArray[np.float32], limit: int, scope: Scope | None) -> Hits: ...


def _top(ids: NDArray[np.int64], scores: NDArray[np.float32], limit: int) -> Hits:
    """The best ``limit`` (id, score) pairs, ties broken by id so results are repeatable."""
    if len(ids) > limit:
        keep = np.argpartition(-scores, limit - 1)[:limit]
        ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))
    return [(int(ids[i]), round(float(scores[i]), 6)) for i in order[:limit]]


def _id_array(ids: Iterable[int]) -> NDArray[np.int64]:
    return np.fromiter(ids, dtype=np.int64)


class _Exact:
    """Ids and vectors in one file, so a reader can never pair one build's ids with
    another's vectors; at most 30 MB, read whole. Small enough to list the scope."""

    def __init__(self, folder: Path) -> None:
        with np.load(folder / "exact.npz") as data:
            self.ids: NDArray[np.int64] = data["ids"]
            self.vectors: NDArray[np.float32] = data["vectors"]

    def search(self, query: NDArray[np.float32], limit: int, scope: Scope | None) -> Hits:
        if scope is None or scope.everything:
            return _top(self.ids, self.vectors @ query, limit)
        rows = np.flatnonzero(np.isin(self.ids, scope.listed().array, assume_unique=True))
        return _top(self.ids[rows], self.vectors[rows] @ query, limit)


class _Graph:
    """The graph for nearest neighbours, and beside it the same vectors as a memory-mapped
    half-precision matrix in id order, from which a narrow scope is scored exactly: reading
    20,000 rows of a mapped matrix takes milliseconds, asking the graph for them ten times
    as long."""

    def __init__(self, folder: Path, count: int) -> None:
        index = _usearch().Index.restore(str(folder / "vectors.usearch"), view=True)
        if index is None:
            raise OSError(f"cannot read the index in {folder}")
        self.index = index
        self.count = count
        self.ids: NDArray[np.int64] = np.load(folder / "ids.npy", mmap_mode="r")
        self.matrix = np.memmap(
            folder / "matrix.f16", dtype=np.float16, mode="r", shape=(len(self.ids), index.ndim)
        )

    def _ann(
        self, query: NDArray[np.float32], want: int
    ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        matches = self.index.search(query, min(self.count, want))
        keys = np.asarray(matches.keys, dtype=np.int64)
        return keys, (1.0 - np.asarray(matches.distances, dtype=np.float32)).astype(np.float32)

    def search(self, query: NDArray[np.float32], limit: int, scope: Scope | None) -> Hits:
        if scope is None or scope.everything:
            return _top(*self._ann(query, limit * ANN_MARGIN), limit)
        # most requests: candidates from the graph, admitted by one query over them alone
        keys, scores = self._ann(query, limit * SCOPED_MARGIN)
        keep = np.isin(keys, _id_array(scope.admit(keys.tolist())))
        if keep.sum() >= min(limit, scope.shown) or len(keys) == self.count:
            return _top(keys[keep], scores[keep], limit)
        # the nearest lie outside the scope: list it; score a narrow one exactly, and ask the
        # graph for many more neighbours of a wide one (English passages, a French query)
        allowed = scope.listed().array
        if len(allowed) <= EXACT_BELOW:
            return self._exact(query, limit, allowed)
        for want in WIDE_ASKS:
            keys, scores = self._ann(query, want)
            keep = np.isin(keys, allowed)
            if keep.sum() >= min(limit, scope.shown):
                break
        # still short: the best of the scope among the 20,000 nearest; scoring hundreds of
        # thousands of vectors exactly would take a second
        return _top(keys[keep], scores[keep], limit)

    def _exact(self, query: NDArray[np.float32], limit: int, allowed: NDArray[np.int64]) -> Hits:
        """Score every allowed vector the index holds (``allowed``: ids in ascending order),
        with usearch's brute-force search (SIMD on half precision; NumPy would first convert
        every row to single precision, ten times slower)."""
        rows = np.searchsorted(self.ids, allowed)
        inside = rows < len(self.ids)
        rows, allowed = rows[inside], allowed[inside]
        rows = rows[self.ids[rows] == allowed]
        if not len(rows):
            return []
        brute = _usearch()
        matches = brute.search(
            np.ascontiguousarray(self.matrix[rows]),
            query.astype(np.float16),
            min(limit, len(rows)),
            brute.MetricKind.IP,
            exact=True,
        )
        found = np.asarray(matches.keys, dtype=np.int64)
        scores = 1.0 - np.asarray(matches.distances, dtype=np.float32)
        return _top(np.asarray(self.ids[rows[found]]), scores.astype(np.float32), limit)


_cache: dict[Path, tuple[str, _Searcher]] = {}
_cache_lock = threading.Lock()


def forget_loaded() -> None:
    """Drop every loaded index (after an erasure: one loaded before holds the erased
    passages' vectors in memory until a search replaces it)."""
    with _cache_lock:
        _cache.clear()


def _searcher(store: Store, manifest: Manifest) -> _Searcher:
    """The loaded index, kept for the life of the process while its fingerprint holds."""
    folder = index_dir(store, manifest.model)
    with _cache_lock:
        cached = _cache.get(folder)
        if cached and cached[0] == manifest.fingerprint:
            return cached[1]
        searcher: _Searcher = (
            _Exact(folder) if manifest.kind == "exact" else _Graph(folder, manifest.count)
        )
        _cache[folder] = (manifest.fingerprint, searcher)
        return searcher


# -- writing ---------------------------------------------------------------------------------


def _usearch() -> ModuleType:
    """usearch, imported only when a graph index is needed, and after onnxruntime: loading
    usearch first and onnxruntime (which PyMuPDF 2 imports) later crashes the process with a
    segmentation fault (usearch 2.26, onnxruntime 1.32), so onnxruntime goes first."""
    with contextlib.suppress(ImportError):  # absent with PyMuPDF 1.x: nothing to order
        importlib.import_module("onnxruntime")
    return importlib.import_module("usearch.index")


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _write_exact(
    folder: Path,
    dim: int,
    chunks: Iterable[tuple[NDArray[np.int64], NDArray[np.float32]]],
) -> int:
    parts = list(chunks)
    ids = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    vectors = (
        np.concatenate([p[1] for p in parts]) if parts else np.zeros((0, dim), dtype=np.float32)
    )
    tmp = folder / f".exact.npz.{os.getpid()}.{threading.get_ident()}.tmp"
    with tmp.open("wb") as handle:
        np.savez(handle, ids=ids, vectors=vectors)
    os.replace(tmp, folder / "exact.npz")
    return len(ids)


def _write_usearch(
    folder: Path,
    dim: int,
    chunks: Iterable[tuple[NDArray[np.int64], NDArray[np.float32]]],
) -> int:
    index = _usearch().Index(ndim=dim, metric="ip", dtype="f16")
    suffix = f".{os.getpid()}.{threading.get_ident()}.tmp"
    matrix_tmp = folder / f".matrix.f16{suffix}"
    all_ids: list[NDArray[np.int64]] = []
    with matrix_tmp.open("wb") as matrix:
        for ids, vectors in chunks:  # in id order, which the matrix keeps
            if len(ids):
                index.add(ids.astype(np.uint64), vectors)
                matrix.write(np.ascontiguousarray(vectors, dtype="<f2").tobytes())
                all_ids.append(ids)
    ids = np.concatenate(all_ids) if all_ids else np.zeros(0, dtype=np.int64)
    ids_tmp = folder / f".ids.npy{suffix}"
    with ids_tmp.open("wb") as handle:
        np.save(handle, ids)
    index_tmp = folder / f".vectors.usearch{suffix}"
    index.save(str(index_tmp))
    os.replace(matrix_tmp, folder / "matrix.f16")
    os.replace(ids_tmp, folder / "ids.npy")
    os.replace(index_tmp, folder / "vectors.usearch")
    return len(ids)

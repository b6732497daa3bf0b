"""Embedding the passages that lack a vector from the current model (``evidencia embed``).

The run is incremental, batched and resumable: it pages through the passages with no vector
from this model (none at all, or one from another model) in id order, embeds a batch outside
any transaction (so ingestion is never blocked by the model), and commits that batch's
vectors in one short transaction. A run killed at any moment loses at most the batch in hand;
running it again carries on from what is stored.

A passage whose exact text already has a vector from this model (the same paragraph in
another version of a document, or twice in one batch) gets a copy of that vector instead of
another trip through the model, which is by far the slowest step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from evidencia.embed.base import EmbeddingBackend, checked
from evidencia.store.db import Store
from evidencia.store.embeddings import (
    VECTOR_DTYPE,
    NewVector,
    count_due,
    due_passages,
    store_vectors,
    text_hash,
    to_blob,
    vectors_by_text,
)
from evidencia.store.schema import utcnow

#: ``on_progress(done, total)``: passages handled so far, and in all (it may grow when
#: passages are stored during the run)
Progress = Callable[[int, int], None]


@dataclass
class EmbedReport:
    model: str
    #: passages that needed a vector when the run started
    due: int = 0
    #: vectors written
    embedded: int = 0
    #: texts sent through the model
    computed: int = 0
    #: vectors copied from an identical text instead
    reused: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Passages given a vector per second of the whole run."""
        return self.embedded / self.seconds if self.seconds > 0 else 0.0


def embed_missing(
    store: Store,
    backend: EmbeddingBackend,
    *,
    batch: int = 64,
    on_progress: Progress | None = None,
) -> EmbedReport:
    """Give every passage a vector from ``backend``, ``batch`` passages per transaction."""
    if batch < 1:
        raise ValueError(f"batch must be at least 1, not {batch}")
    started = time.perf_counter()
    model, dim = backend.name, backend.dim
    blob_size = dim * VECTOR_DTYPE.itemsize
    report = EmbedReport(model=model)
    with store.session() as session:
        report.due = count_due(session, model, dim)
    if on_progress:
        on_progress(0, report.due)
    after = done = 0
    while True:
        with store.session() as session:
            rows = due_passages(session, model, dim, after=after, limit=batch)
            if not rows:
                break
            hashes = [text_hash(text) for _, text in rows]
            known = {
                digest: blob
                for digest, blob in vectors_by_text(session, model, hashes).items()
                if len(blob) == blob_size
            }
        todo: dict[str, str] = {}
        for (_, text), digest in zip(rows, hashes, strict=True):
            if digest not in known:
                todo.setdefault(digest, text)
        if todo:
            vectors = checked(backend.embed_passages(list(todo.values())), len(todo), dim, model)
            known.update(
                (digest, to_blob(vector)) for digest, vector in zip(todo, vectors, strict=True)
            )
        new = [
            NewVector(pid, digest, known[digest])
            for (pid, _), digest in zip(rows, hashes, strict=True)
        ]
        with store.session() as session, session.begin():
            written = store_vectors(session, model, dim, new, at=utcnow())
        report.embedded += written
        report.computed += len(todo)
        report.reused += len(rows) - len(todo)
        after = rows[-1][0]
        done += len(rows)
        if on_progress:
            on_progress(done, max(report.due, done))
    report.seconds = time.perf_counter() - started
    return report

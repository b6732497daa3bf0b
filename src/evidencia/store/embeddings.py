"""Passage embeddings: one vector per passage, for the model that made it.

The database is the source of truth for vectors; the search index under ``indexes/`` is
derived from this table and can be thrown away. A passage has at most one vector: switching
model re-embeds every passage, and ``model`` (name *and* version) says which vectors are due.

``text_hash`` is a digest of the embedded text. It lets a passage whose text was already
embedded under the same model (the same paragraph in another version of a document) reuse
that vector instead of paying the model again.

Both indexes start with ``model``, so every query by model alone uses them too:
``(model, text_hash)`` serves that look-up, and ``(model, created_at)`` answers the
fingerprint the search index is checked against (:func:`stamp`) from the index alone, about
five times faster than from the table (10 ms for 50,000 vectors).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import (
    ColumnElement,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    delete,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from evidencia.store.schema import Base, Document, Passage, utcnow

#: little-endian float32, whatever the machine: a data directory can be moved between machines
VECTOR_DTYPE = np.dtype("<f4")


class Embedding(Base):
    """The vector of one passage under one model (float32 little-endian bytes)."""

    __tablename__ = "embedding"
    __table_args__ = (
        Index("ix_embedding_model_text", "model", "text_hash"),
        Index("ix_embedding_model_created", "model", "created_at"),
    )

    passage_id: Mapped[int] = mapped_column(
        ForeignKey("passage.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(100))
    dim: Mapped[int] = mapped_column(Integer)
    text_hash: Mapped[str] = mapped_column(String(32))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def text_hash(text: str) -> str:
    """A 128-bit digest of a passage's text: collisions are not a practical concern."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def to_blob(vector: NDArray[np.floating]) -> bytes:
    return np.ascontiguousarray(vector, dtype=VECTOR_DTYPE).tobytes()


def from_blob(blob: bytes, dim: int) -> NDArray[np.float32]:
    """One stored vector; raises ``ValueError`` when the bytes do not hold ``dim`` floats."""
    if len(blob) != dim * VECTOR_DTYPE.itemsize:
        raise ValueError(f"vector of {len(blob)} bytes, expected {dim} float32 values")
    return np.frombuffer(blob, dtype=VECTOR_DTYPE).astype(np.float32)


def _due(model: str, dim: int) -> ColumnElement[bool]:
    """No vector, or one from another model, or one not of ``dim`` float32 values."""
    return or_(
        Embedding.passage_id.is_(None),
        Embedding.model != model,
        Embedding.dim != dim,
        func.length(Embedding.vector) != dim * VECTOR_DTYPE.itemsize,
    )


def due_passages(
    session: Session, model: str, dim: int, *, after: int = 0, limit: int
) -> list[tuple[int, str]]:
    """(id, what the model reads) of passages after ``after`` that need a vector from
    ``model``, in id order: see :func:`model_input`.

    Paging by id (rather than OFFSET) keeps each call cheap on a large store and lets a run
    pick up passages stored while it is running.
    """
    rows = session.execute(
        select(Passage.id, Passage.text, Passage.heading_path, Document.title)
        .join(Document, Document.id == Passage.document_id)
        .outerjoin(Embedding, Embedding.passage_id == Passage.id)
        .where(Passage.id > after, _due(model, dim))
        .order_by(Passage.id)
        .limit(limit)
    ).all()
    return [
        (int(pid), model_input(str(title), list(headings or []), str(text)))
        for pid, text, headings, title in rows
    ]


def model_input(title: str, headings: list[str], text: str) -> str:
    """A passage as the model reads it: under its document title and nearest two headings.

    A paragraph alone often never names its subject ("the police there..."); its headings
    do. On the judged queries this raised semantic recall@5 from 0.356 to 0.403 and nDCG@10
    from 0.457 to 0.527 (measured on the demo corpus, bench-style, on 2026-11-23).
    """
    context = " › ".join(part for part in [title, *headings[-2:]] if part)
    return f"{context}\n{text}" if context else text


def count_due(session: Session, model: str, dim: int) -> int:
    """How many passages need a vector from ``model``."""
    total = session.scalar(
        select(func.count())
        .select_from(Passage)
        .outerjoin(Embedding, Embedding.passage_id == Passage.id)
        .where(_due(model, dim))
    )
    return int(total or 0)


def vectors_by_text(session: Session, model: str, hashes: Iterable[str]) -> dict[str, bytes]:
    """Stored vectors from ``model`` for texts with these digests (any passage's)."""
    wanted = sorted(set(hashes))
    found: dict[str, bytes] = {}
    for start in range(0, len(wanted), 500):  # stay under SQLite's bound-parameter limit
        rows = session.execute(
            select(Embedding.text_hash, Embedding.vector).where(
                Embedding.model == model, Embedding.text_hash.in_(wanted[start : start + 500])
            )
        )
        found.update({str(digest): bytes(blob) for digest, blob in rows})
    return found


@dataclass(frozen=True)
class NewVector:
    passage_id: int
    text_hash: str
    vector: bytes


def store_vectors(
    session: Session, model: str, dim: int, rows: Sequence[NewVector], *, at: datetime
) -> int:
    """Replace the vectors of these passages (whatever model made them); returns rows written.

    Passages deleted since they were read are skipped rather than breaking the batch on the
    foreign key. Delete-then-insert is used instead of an upsert so that any SQL database
    SQLAlchemy speaks will do.
    """
    ids = [r.passage_id for r in rows]
    alive = set(session.scalars(select(Passage.id).where(Passage.id.in_(ids))))
    kept = [r for r in rows if r.passage_id in alive]
    if not kept:
        return 0
    session.execute(delete(Embedding).where(Embedding.passage_id.in_([r.passage_id for r in kept])))
    session.execute(
        insert(Embedding),
        [
            {
                "passage_id": r.passage_id,
                "model": model,
                "dim": dim,
                "text_hash": r.text_hash,
                "vector": r.vector,
                "created_at": at,
            }
            for r in kept
        ],
    )
    return len(kept)


@dataclass(frozen=True)
class Stamp:
    """What identifies the set of vectors a model has in the store, cheaply.

    Rows are only ever added (with a later ``created_at``) or removed, so two moments with
    the same count and the same newest row hold the same rows; the id sum and maximum guard
    against a clock set back between the two.
    """

    count: int
    id_sum: int
    id_max: int
    newest: str

    @property
    def fingerprint(self) -> str:
        raw = f"{self.count}:{self.id_sum}:{self.id_max}:{self.newest}"
        return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()


def stamp(session: Session, model: str) -> Stamp:
    count, id_sum, id_max, newest = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(Embedding.passage_id), 0),
            func.coalesce(func.max(Embedding.passage_id), 0),
            func.max(Embedding.created_at),
        ).where(Embedding.model == model)
    ).one()
    return Stamp(int(count), int(id_sum), int(id_max), str(newest or ""))


def model_dim(session: Session, model: str) -> int | None:
    """The dimension of ``model``'s vectors (the commonest, should rows disagree)."""
    row = session.execute(
        select(Embedding.dim)
        .where(Embedding.model == model)
        .group_by(Embedding.dim)
        .order_by(func.count().desc())
        .limit(1)
    ).first()
    return int(row[0]) if row else None


def _matrix(
    rows: Sequence[tuple[int, int, bytes]], dim: int
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Rows of (id, dim, blob) as ids and a matrix; rows of another size are left out
    (``evidencia check`` reports them)."""
    size = dim * VECTOR_DTYPE.itemsize
    good = [(pid, blob) for pid, d, blob in rows if d == dim and len(blob) == size]
    ids = np.fromiter((pid for pid, _ in good), dtype=np.int64, count=len(good))
    flat = np.frombuffer(b"".join(blob for _, blob in good), dtype=VECTOR_DTYPE)
    return ids, flat.reshape(len(good), dim).astype(np.float32)


def iter_vectors(
    session: Session, model: str, dim: int, *, chunk: int = 4096
) -> Iterator[tuple[NDArray[np.int64], NDArray[np.float32]]]:
    """All of ``model``'s ``dim``-sized vectors as (ids, matrix) chunks in id order."""
    after = 0
    while True:
        rows = session.execute(
            select(Embedding.passage_id, Embedding.dim, Embedding.vector)
            .where(Embedding.model == model, Embedding.passage_id > after)
            .order_by(Embedding.passage_id)
            .limit(chunk)
        ).all()
        if not rows:
            return
        after = int(rows[-1][0])
        yield _matrix([(int(p), int(d), bytes(b)) for p, d, b in rows], dim)


def select_vectors(
    session: Session, model: str, dim: int, ids: Sequence[int]
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """The vectors of just these passages (those that have one from ``model``)."""
    rows: list[tuple[int, int, bytes]] = []
    for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
        rows.extend(
            (int(p), int(d), bytes(b))
            for p, d, b in session.execute(
                select(Embedding.passage_id, Embedding.dim, Embedding.vector).where(
                    Embedding.model == model, Embedding.passage_id.in_(ids[start : start + 500])
                )
            )
        )
    return _matrix(rows, dim)


def wrong_size(session: Session) -> int:
    """Vectors whose bytes do not hold ``dim`` float32 values: damage, not staleness."""
    bad = session.scalar(
        select(func.count())
        .select_from(Embedding)
        .where(func.length(Embedding.vector) != Embedding.dim * VECTOR_DTYPE.itemsize)
    )
    return int(bad or 0)


def models(session: Session) -> dict[str, int]:
    """Vectors per model."""
    rows = session.execute(select(Embedding.model, func.count()).group_by(Embedding.model))
    return {str(model): int(n) for model, n in rows}

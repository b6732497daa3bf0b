"""Erasing a document everywhere (``evidencia erase``), recording that it happened.

A document lives in many places: its row, passages, footnotes, tags and decisions, vectors,
the full-text index, the vector and word indexes on disk, the original file, the record of
its ingestion, and the server's caches. Erasure removes it from each, and makes sure the
bytes are gone rather than only unlinked: SQLite overwrites freed pages (``secure_delete``),
the full-text index is rewritten without the deleted entries, the write-ahead log is
truncated, and derived indexes are rebuilt from what remains. The audit log keeps that the
document was erased, by whom, and how much went, never what it said.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from evidencia import audit
from evidencia.search import semantic, word_index
from evidencia.store import sealed
from evidencia.store.db import Store
from evidencia.store.embeddings import models
from evidencia.store.schema import Document, Footnote, Ingestion, Passage


class NoSuchDocument(LookupError):
    def __str__(self) -> str:
        return f"no document {self.args[0]}"


@dataclass(frozen=True)
class Erased:
    document_id: int
    passages: int
    footnotes: int
    original_removed: bool


def erase(store: Store, document_id: int, actor: audit.Actor) -> Erased:
    """Remove one document everywhere; raise :class:`NoSuchDocument` if there is none."""
    sqlite = store.engine.dialect.name == "sqlite"
    with store.session() as session, session.begin():
        if sqlite:
            session.execute(select(func.count()).select_from(Document))  # open the connection
            session.connection().exec_driver_sql("PRAGMA secure_delete=ON")
        document = session.get(Document, document_id)
        if document is None:
            raise NoSuchDocument(document_id)
        sha, blob = document.sha256, document.blob_path
        passages = session.scalar(
            select(func.count()).select_from(Passage).where(Passage.document_id == document_id)
        )
        footnotes = session.scalar(
            select(func.count()).select_from(Footnote).where(Footnote.document_id == document_id)
        )
        # cascades take passages (and, by trigger, their full-text rows), footnotes,
        # annotations, tag decisions, vectors, shares and links
        session.execute(delete(Document).where(Document.id == document_id))
        session.execute(delete(Ingestion).where(Ingestion.sha256 == sha))
        audit.record(
            session,
            actor,
            audit.Action.ERASE,
            document_id,
            {"passages": int(passages or 0), "footnotes": int(footnotes or 0)},
        )
    removed = _remove_original(store, blob)
    _scrub(store)
    _rebuild_indexes(store)
    return Erased(document_id, int(passages or 0), int(footnotes or 0), removed)


def _remove_original(store: Store, blob: str) -> bool:
    """Delete the original file (content-addressed, so no other document holds it now)."""
    removed = False
    plain = blob.removesuffix(sealed.SUFFIX)
    for suffix in ("", sealed.SUFFIX, sealed.PSEUDONYMS):
        path = store.home.root / (plain + suffix)
        if path.exists():
            path.unlink()
            removed = True
    return removed


def _scrub(store: Store) -> None:
    """Make SQLite forget the deleted bytes: rewrite the full-text index, copy the database
    into fresh pages, and empty the write-ahead log."""
    if store.engine.dialect.name != "sqlite":
        return
    with store.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("INSERT INTO passage_fts(passage_fts) VALUES ('optimize')")
        conn.exec_driver_sql("PRAGMA secure_delete=ON")
        conn.exec_driver_sql("VACUUM")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _rebuild_indexes(store: Store) -> None:
    """Derived indexes rebuilt from what remains (or removed when no longer wanted)."""
    with store.session() as session:
        held = list(models(session))
        words_wanted = word_index.wanted(session)
    for model in held:
        semantic.build_index(store, model)
    indexes = store.home.root / "indexes"
    for folder in indexes.iterdir() if indexes.exists() else []:
        if folder.is_dir() and not any(folder == semantic.index_dir(store, m) for m in held):
            if folder == word_index.index_dir(store) and words_wanted:
                continue
            shutil.rmtree(folder)
    if words_wanted:
        word_index.build(store)

"""Files brought in from the browser or the API, ingested by the one ingest pipeline.

Uploads are staged under ``<data dir>/uploads/<batch>/`` and handed to a single background
thread that runs :class:`~evidencia.ingest.pipeline.Ingestor` on them, one batch after
another. One writer at a time is what the pipeline supports (two ingest runs on one data
directory are not), it keeps web requests short (the page polls the batch for progress),
and SQLite likes one writer. A failed file stays staged so it can be retried without being
sent again; the rest are removed once stored (the store keeps its own copy).

Batches live in memory: after a restart the ``ingestion`` table still records every attempt.
"""

from __future__ import annotations

import logging
import queue
import re
import secrets
import shutil
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from evidencia.embed.base import EmbeddingBackend
from evidencia.ingest.limits import Limits
from evidencia.ingest.pipeline import FileResult, Ingestor
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta

log = logging.getLogger(__name__)

Status = Literal["queued", "running", "ok", "duplicate", "failed"]
CHUNK = 1 << 20
#: how many finished batches are remembered for their pages
KEEP_BATCHES = 500
#: the name a file's entry keeps once the document it became was erased
ERASED = "(erased)"


@dataclass
class StagedFile:
    name: str
    path: Path
    status: Status = "queued"
    document_id: int | None = None
    passages: int = 0
    error: str | None = None


@dataclass
class Batch:
    id: str
    owner: int
    meta: DocumentMeta
    files: list[StagedFile]
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def done(self) -> bool:
        return all(f.status not in ("queued", "running") for f in self.files)


def safe_name(raw: str | None) -> str:
    """A file name that is only a name: no folders, no control characters, not hidden,
    not too long; the extension is kept (people recognise their files by it)."""
    name = unicodedata.normalize("NFC", (raw or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    name = re.sub(r"\s+", " ", name)
    if not name:
        return "upload"
    stem, dot, ext = name.rpartition(".")
    if dot and len(ext) <= 10:
        return stem[: 120 - len(ext)] + "." + ext
    return name[:120]


class UploadQueue:
    """Stages uploaded files and ingests them on one background thread."""

    def __init__(
        self,
        store: Store,
        *,
        limits: Limits | None = None,
        backend: Callable[[], EmbeddingBackend] | None = None,
        tagging: threading.Lock | None = None,
    ) -> None:
        self.store = store
        self.limits = limits or Limits()
        # when given, new passages are embedded after each batch, then tagged with themes
        self._backend = backend
        #: held while tagging, shared with the tagger's retrain and rollback jobs
        self.tagging = tagging or threading.Lock()
        self._batches: dict[str, Batch] = {}
        self._lock = threading.Lock()
        self._jobs: queue.Queue[tuple[str, list[int]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.root = store.home.root / "uploads"
        self._sweep()

    # -------------------------------------------------------------- requests

    def submit(
        self, owner: int, meta: DocumentMeta, files: list[tuple[str | None, BinaryIO]]
    ) -> Batch:
        """Stage ``files`` and queue them; a file over the size limit fails at once."""
        batch_id = secrets.token_urlsafe(12)
        folder = self.root / batch_id
        folder.mkdir(parents=True, exist_ok=True)
        staged: list[StagedFile] = []
        for index, (raw_name, stream) in enumerate(files):
            name = safe_name(raw_name)
            target = folder / f"{index:03d}" / name
            target.parent.mkdir()
            item = StagedFile(name=name, path=target)
            if not self._copy(stream, target):
                item.status = "failed"
                item.error = f"file is over the limit of {self.limits.max_file_bytes // 2**20} MiB"
                target.unlink(missing_ok=True)
            staged.append(item)
        batch = Batch(batch_id, owner, meta, staged)
        with self._lock:
            self._batches[batch_id] = batch
            self._forget_old()
        self._enqueue(batch, [i for i, f in enumerate(staged) if f.status == "queued"])
        return batch

    def get(self, batch_id: str) -> Batch | None:
        with self._lock:
            return self._batches.get(batch_id)

    def retry(self, batch: Batch, index: int) -> bool:
        """Queue a failed file again; False when there is nothing to retry."""
        if not 0 <= index < len(batch.files):
            return False
        item = batch.files[index]
        if item.status != "failed" or not item.path.is_file():
            return False
        item.status, item.error = "queued", None
        batch.finished.clear()
        self._enqueue(batch, [index])
        return True

    def forget_document(self, document_id: int) -> int:
        """Forget what the batches in memory say about an erased document: the name of
        every file that was stored as it (or found to be a copy of it) and its number.
        Returns how many files were forgotten."""
        forgotten = 0
        with self._lock:
            for batch in self._batches.values():
                for item in batch.files:
                    if item.document_id == document_id:
                        item.name, item.document_id, item.passages = ERASED, None, 0
                        item.error = None
                        forgotten += 1
        return forgotten

    def wait(self, batch: Batch, timeout: float) -> bool:
        """Block until the batch is done (tests, and API callers who ask to wait)."""
        return batch.finished.wait(timeout)

    def close(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(timeout=30)

    # -------------------------------------------------------------- the worker

    def _copy(self, stream: BinaryIO, target: Path) -> bool:
        copied = 0
        with target.open("wb") as out:
            while chunk := stream.read(CHUNK):
                copied += len(chunk)
                if copied > self.limits.max_file_bytes:
                    return False
                out.write(chunk)
        return True

    def _enqueue(self, batch: Batch, indexes: list[int]) -> None:
        if not indexes:
            batch.finished.set()
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._work, name="evidencia-uploads", daemon=True
                )
                self._thread.start()
        self._jobs.put((batch.id, indexes))

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            batch = self.get(job[0])
            if batch is None:
                continue
            try:
                self._ingest(batch, job[1])
            except Exception as exc:  # the thread must survive whatever one batch does
                log.exception("upload batch %s failed", batch.id)
                for i in job[1]:
                    if batch.files[i].status in ("queued", "running"):
                        batch.files[i].status = "failed"
                        batch.files[i].error = f"unexpected {type(exc).__name__}: {exc}"
            finally:
                if batch.done:
                    batch.finished.set()

    def _ingest(self, batch: Batch, indexes: list[int]) -> None:
        by_path = {str(batch.files[i].path): batch.files[i] for i in indexes}
        for item in by_path.values():
            item.status = "running"

        def on_result(result: FileResult) -> None:
            item = by_path.get(result.path)
            if item is None:
                return
            item.document_id = result.document_id
            item.passages = result.passages
            item.error = result.error if result.status != "ok" else None
            item.status = (
                "ok"
                if result.status == "ok"
                else "duplicate"
                if result.status == "duplicate"
                else "failed"
            )
            if item.status != "failed":
                shutil.rmtree(item.path.parent, ignore_errors=True)

        Ingestor(self.store, self.limits, workers=1).run(
            [batch.files[i].path for i in indexes], lambda _p: batch.meta, on_result
        )
        for item in by_path.values():  # a result the pipeline never reported
            if item.status == "running":
                item.status, item.error = "failed", "the ingest run ended without a result"
        stored = [f.document_id for f in by_path.values() if f.status == "ok" and f.document_id]
        if self._backend is not None and stored:
            try:
                from evidencia.embed.run import embed_missing

                embed_missing(self.store, self._backend())
            except Exception:  # search by words still works; `evidencia embed` catches up
                log.exception("embedding after upload batch %s failed", batch.id)
            else:
                self._tag(batch, stored)

    def _tag(self, batch: Batch, document_ids: list[int]) -> None:
        """Tag the batch's new documents with themes and outcomes, by the tagger in use
        (read under the lock, so never one a retrain has just replaced). A failure costs
        only the tags: search works without them, and `evidencia tag` catches up."""
        try:
            from evidencia.classify import rules
            from evidencia.classify.shelf import Shelf
            from evidencia.classify.tagging import tag_document

            assert self._backend is not None
            backend = self._backend()
            book = rules.default()
            with self.tagging:
                model = Shelf(self.store.home).current()
                model.check_rules(book)
                for document_id in document_ids:
                    with self.store.session() as session, session.begin():
                        tag_document(session, document_id, model, book, backend)
        except Exception:
            log.exception("tagging after upload batch %s failed", batch.id)

    def _sweep(self, older_than: float = 24 * 3600) -> None:
        """Remove staging folders a previous server process left behind (its batches,
        and so their retry buttons, died with it)."""
        if not self.root.is_dir():
            return
        cutoff = time.time() - older_than
        for folder in self.root.iterdir():
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)

    def _forget_old(self) -> None:
        finished = [b for b in self._batches.values() if b.done]
        for old in finished[: max(0, len(finished) - KEEP_BATCHES)]:
            del self._batches[old.id]
            shutil.rmtree(self.root / old.id, ignore_errors=True)

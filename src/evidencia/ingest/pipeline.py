"""Ingest files into the store: the one place where a file becomes stored passages.

    paths ─ expand ─ copy into store, hashing ─┬─ already stored ──────► duplicate
                                               └─ worker reads the copy:
                                       sniff → read → passages → language → signature
                                       │ (separate process, memory and time limits)
                                       ▼
                   parent: one transaction per document ──► ok / failed

Every attempt leaves an ``ingestion`` row, so failures are visible, countable and
re-runnable; an attempt cut short by a crash is marked ``interrupted`` on the next run.
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, TimeoutError
from dataclasses import dataclass, field
from pathlib import Path

from pebble import ProcessExpired, ProcessPool
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evidencia.access import protected
from evidencia.ingest.dedup import SignatureIndex
from evidencia.ingest.limits import Limits
from evidencia.ingest.worker import Parsed, prepare_worker, read_file, warm_enrichers
from evidencia.model import ReadError
from evidencia.redact.gazetteer import prepare as prepare_redaction
from evidencia.store import files, sealed
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta, by_sha, write_document
from evidencia.store.schema import Document, Ingestion, utcnow

OK, DUPLICATE, FAILED, RUNNING, INTERRUPTED = "ok", "duplicate", "failed", "running", "interrupted"


@dataclass
class FileResult:
    """The outcome for one path, as printed by ``evidencia ingest --json``."""

    path: str
    status: str
    document_id: int | None = None
    passages: int = 0
    error: str | None = None
    reader: str | None = None
    versions: list[int] = field(default_factory=list)
    #: problems that did not stop the file being stored (an enricher that failed on it)
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "status": self.status,
            "document_id": self.document_id,
            "passages": self.passages,
            "error": self.error,
            "reader": self.reader,
            "versions_of": self.versions,
            "warnings": self.warnings,
        }


@dataclass
class _Job:
    path: Path
    sha: str
    blob: str
    size: int
    meta: DocumentMeta
    ingestion_id: int
    started: float


MetaFor = Callable[[Path], DocumentMeta]


def expand(paths: Iterable[Path]) -> Iterator[Path | FileResult]:
    """Files under ``paths`` in a stable order; links and special files become failures.

    Links are never followed, so ingesting a folder cannot read anything outside it.
    """
    for root in paths:
        try:
            st = os.lstat(root)
        except OSError as exc:
            yield FileResult(str(root), FAILED, error=f"cannot open: {exc.strerror}")
            continue
        if stat.S_ISDIR(st.st_mode):
            for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
                for name in links:
                    yield FileResult(os.path.join(dirpath, name), FAILED, error=_special(True))
                dirnames[:] = [d for d in dirnames if d not in links]
                for name in sorted(f for f in filenames if not f.startswith(".")):
                    yield from _check_file(Path(dirpath) / name)
        else:
            yield from _check_file(root)


def _check_file(path: Path) -> Iterator[Path | FileResult]:
    try:
        st = os.lstat(path)
    except OSError as exc:
        yield FileResult(str(path), FAILED, error=f"cannot open: {exc.strerror}")
        return
    if not stat.S_ISREG(st.st_mode):
        yield FileResult(str(path), FAILED, error=_special(stat.S_ISLNK(st.st_mode), st.st_mode))
    else:
        yield path


def _size(n: int) -> str:
    value, unit = (n / 2**20, "MiB") if n >= 2**20 else (n / 2**10, "KiB")
    return f"{value:,.1f}".removesuffix(".0") + f" {unit}"


def _special(is_link: bool, mode: int = 0) -> str:
    if is_link:
        return "symbolic link: not followed (ingest the target itself if it is wanted)"
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    return f"not a regular file ({kind})"


class Ingestor:
    """One ingest run: a worker pool for reading, this process for writing."""

    def __init__(self, store: Store, limits: Limits | None = None, workers: int | None = None):
        self.store = store
        self.limits = limits or Limits()
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.index = SignatureIndex()
        self._ring: sealed.KeyRing | None = None

    def _keys(self) -> sealed.KeyRing:
        """The keys originals of restricted documents are sealed with (read when first
        needed: most runs store nothing restricted)."""
        if self._ring is None:
            self._ring = sealed.KeyRing.load(self.store.home)
        return self._ring

    def run(
        self,
        paths: Iterable[Path],
        meta_for: MetaFor,
        on_result: Callable[[FileResult], None] = lambda _r: None,
    ) -> list[FileResult]:
        self._mark_interrupted()
        self._load_signatures()
        results: list[FileResult] = []

        def report(result: FileResult) -> None:
            results.append(result)
            on_result(result)

        pending: dict[Future[Parsed], _Job] = {}
        in_flight_shas: set[str] = set()
        warm_enrichers()
        # the redactor's name and place tables are derived once per machine (about 20 s and
        # 1 GB, then a cache file): here, not in a worker under its memory limit
        prepare_redaction()
        with ProcessPool(
            max_workers=self.workers,
            initializer=prepare_worker,
            initargs=(self.limits.max_memory_bytes,),
        ) as pool:
            for item in expand(paths):
                if isinstance(item, FileResult):
                    report(self._record_failure(item))
                    continue
                job_or_result = self._prepare(item, meta_for, in_flight_shas)
                if isinstance(job_or_result, FileResult):
                    report(job_or_result)
                    continue
                future = pool.schedule(
                    read_file,
                    args=(
                        self.store.home.root / job_or_result.blob,
                        self.limits,
                        item.name,
                        protected(job_or_result.meta.access, job_or_result.meta.doc_type),
                    ),
                    timeout=self.limits.max_seconds,
                )
                pending[future] = job_or_result
                while len(pending) >= self.workers * 2:
                    report(self._finish_one(pending))
            while pending:
                report(self._finish_one(pending))
        if results:
            self.store.optimize()
        return results

    def _prepare(self, path: Path, meta_for: MetaFor, in_flight: set[str]) -> _Job | FileResult:
        limit = self.limits.max_file_bytes
        try:
            size = path.stat().st_size
            if size > limit:
                raise files.TooLarge(size)
            sha, blob = files.store_copy(self.store.home.root, path, limit)
        except files.TooLarge as exc:
            error = (
                f"file is {_size(exc.args[0])}{'+' if size <= limit else ''}, over the limit "
                f"of {_size(limit)} (--max-file-mb)"
            )
            return self._record_failure(FileResult(str(path), FAILED, error=error))
        except OSError as exc:
            return self._record_failure(
                FileResult(str(path), FAILED, error=f"cannot read: {exc.strerror or exc}")
            )
        with self.store.session() as session:
            existing = by_sha(session, sha)
            if existing is not None or sha in in_flight:
                where = f"document {existing.id} ({existing.origin})" if existing else None
                result = FileResult(
                    str(path),
                    DUPLICATE,
                    document_id=existing.id if existing else None,
                    error=f"same content as {where or 'another file in this run'}",
                )
                self._record(session, result, sha=sha)
                session.commit()
                return result
            ingestion = Ingestion(path=str(path), sha256=sha, status=RUNNING)
            session.add(ingestion)
            session.commit()
            in_flight.add(sha)
            return _Job(path, sha, blob, size, meta_for(path), ingestion.id, time.perf_counter())

    def _finish_one(self, pending: dict[Future[Parsed], _Job]) -> FileResult:
        future = next(iter(pending))  # oldest first keeps the output in input order
        job = pending.pop(future)
        try:
            parsed = future.result()
        except TimeoutError:
            return self._fail(job, f"reading took longer than {self.limits.max_seconds:g} s")
        except ProcessExpired as exc:
            return self._fail(
                job,
                f"the reader process died (exit code {exc.exitcode}); "
                "the file may be malformed or need more memory",
            )
        except ReadError as exc:
            return self._fail(job, str(exc))
        except Exception as exc:  # a reader bug must not end the run: record it on the file
            return self._fail(job, f"unexpected {type(exc).__name__}: {exc}")
        try:
            return self._store(job, parsed)
        except IntegrityError:  # another run stored the same content meanwhile
            return self._fail(job, "stored meanwhile by another ingest run", status=DUPLICATE)
        except Exception as exc:
            return self._fail(job, f"could not store: {type(exc).__name__}: {exc}")

    def _store(self, job: _Job, parsed: Parsed) -> FileResult:
        versions = self.index.similar(parsed.signature)
        blob = job.blob
        if protected(job.meta.access, job.meta.doc_type):  # sealed before it is recorded
            root = self.store.home.root
            blob = str(sealed.seal_file(root / job.blob, self._keys()).relative_to(root))
            if parsed.pseudonyms:  # who the pseudonyms stand for: sealed beside the original
                names = json.dumps(parsed.pseudonyms, ensure_ascii=False).encode("utf-8")
                sealed.seal_bytes(names, root / (job.blob + sealed.PSEUDONYMS), self._keys())
        with self.store.session() as session:
            doc = write_document(
                session,
                sha=job.sha,
                blob_path=blob,
                origin=str(job.path),
                size=job.size,
                parsed=parsed,
                meta=job.meta,
                fallback_title=job.path.stem,
                versions=versions,
            )
            result = FileResult(
                str(job.path),
                OK,
                document_id=doc.id,
                passages=len(parsed.passages),
                reader=parsed.reader,
                versions=[v for v, _ in versions],
                warnings=[
                    f"enricher {name!r} failed, run `evidencia enrich` to retry: {error}"
                    for name, error in parsed.enriched.errors.items()
                ],
            )
            session.execute(
                update(Ingestion)
                .where(Ingestion.id == job.ingestion_id)
                .values(
                    status=OK,
                    document_id=doc.id,
                    passages=result.passages,
                    reader=parsed.reader,
                    mime=parsed.mime,
                    read_seconds=parsed.seconds,
                    total_seconds=time.perf_counter() - job.started,
                    finished_at=utcnow(),
                )
            )
            session.commit()
            self.index.add(doc.id, parsed.signature)
        return result

    def _fail(self, job: _Job, error: str, status: str = FAILED) -> FileResult:
        result = FileResult(str(job.path), status, error=error)
        with self.store.session() as session:
            if session.scalar(select(Document.id).where(Document.sha256 == job.sha)) is None:
                (self.store.home.root / job.blob).unlink(missing_ok=True)
                for suffix in (sealed.SUFFIX, sealed.PSEUDONYMS):
                    (self.store.home.root / (job.blob + suffix)).unlink(missing_ok=True)
            session.execute(
                update(Ingestion)
                .where(Ingestion.id == job.ingestion_id)
                .values(
                    status=status,
                    error=error,
                    finished_at=utcnow(),
                    total_seconds=time.perf_counter() - job.started,
                )
            )
            session.commit()
        return result

    def _record_failure(self, result: FileResult) -> FileResult:
        with self.store.session() as session:
            self._record(session, result)
            session.commit()
        return result

    @staticmethod
    def _record(session: Session, result: FileResult, sha: str | None = None) -> None:
        session.add(
            Ingestion(
                path=result.path,
                sha256=sha,
                status=result.status,
                error=result.error,
                document_id=result.document_id,
                finished_at=utcnow(),
            )
        )

    def _mark_interrupted(self) -> None:
        """Attempts left 'running' by a killed process are closed so they can be re-run."""
        with self.store.session() as session:
            session.execute(
                update(Ingestion)
                .where(Ingestion.status == RUNNING)
                .values(
                    status=INTERRUPTED, error="interrupted before it finished", finished_at=utcnow()
                )
            )
            session.commit()

    def _load_signatures(self) -> None:
        with self.store.session() as session:
            rows = session.execute(
                select(Document.id, Document.minhash).where(Document.minhash.is_not(None))
            )
            for doc_id, sig in rows:
                if sig:
                    self.index.add(doc_id, sig)

"""Retraining and rolling back the tagger from the web, in the background, one job at a time.

A retrain embeds the starter set the first time (a minute or more on a laptop), fits a new
version and, when it is not worse than the one in use, re-tags every stored passage with it;
a rollback re-tags with the version it goes back to. Neither fits in a web request, so each
runs on a thread of its own while the tagger page polls :meth:`TaggerJobs.get` for its
progress. Two at once would race for the shelf's pointer, so a second is refused
(:class:`TaggerBusy`) while one runs.

Re-tagging holds ``tagging`` (a lock shared with the upload queue, which tags new documents),
so a document is never tagged with a version that has just been replaced. Jobs live in
memory, like upload batches: the shelf and the store keep what a finished job did.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from evidencia.classify import rules as tagger_rules
from evidencia.classify.metrics import Scores
from evidencia.classify.model import TaggerModel
from evidencia.classify.rules import RuleBook
from evidencia.classify.shelf import Shelf
from evidencia.classify.tagging import tag_stored
from evidencia.embed.base import EmbeddingBackend
from evidencia.store.db import Store
from evidencia.web.models import HeldOut, TaggerJobOut, TaggerStatus, TaggerVersionOut

log = logging.getLogger(__name__)

JobKind = Literal["train", "rollback"]
JobState = Literal["running", "done", "failed", "cancelled"]
#: finished jobs remembered for their status addresses
KEEP_JOBS = 20


class TaggerBusy(RuntimeError):
    """Another job is running; it is named so the caller can follow it instead."""

    def __init__(self, job: TaggerJob) -> None:
        super().__init__(f"tagger job {job.id} ({job.kind}) is still running")
        self.job = job


class Cancelled(Exception):
    """The app is shutting down: the job stops at its next step."""


@dataclass
class TaggerJob:
    id: str
    kind: JobKind
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    state: JobState = "running"
    #: starting, embedding examples, fitting, tagging, finished
    phase: str = "starting"
    done: int = 0
    total: int = 0
    finished_at: datetime | None = None
    #: the version trained, or the one rolled back to
    version: str | None = None
    #: the version in use when the job started
    replaced: str | None = None
    promoted: bool | None = None
    reason: str | None = None
    held_out: tuple[float, float] | None = None
    before: tuple[float, float] | None = None
    tagged_documents: int = 0
    error: str | None = None
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def running(self) -> bool:
        return self.state == "running"

    def step(self, phase: str, done: int, total: int) -> None:
        self.phase, self.done, self.total = phase, done, total


def _figures(scores: Scores | None) -> tuple[float, float] | None:
    return None if scores is None else (round(scores.micro_f1, 4), round(scores.macro_f1, 4))


class TaggerJobs:
    """Starts tagger jobs on a background thread, one at a time, and remembers them."""

    def __init__(
        self,
        store: Store,
        backend: Callable[[], EmbeddingBackend],
        *,
        tagging: threading.Lock | None = None,
        rules: Callable[[], RuleBook] = tagger_rules.default,
    ) -> None:
        self.store = store
        self.shelf = Shelf(store.home)
        self._backend = backend
        self._rules = rules
        self.tagging = tagging or threading.Lock()
        self._jobs: dict[str, TaggerJob] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closing = threading.Event()

    # -------------------------------------------------------------- requests

    def get(self, job_id: str) -> TaggerJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def latest(self) -> TaggerJob | None:
        with self._lock:
            return next(reversed(self._jobs.values()), None)

    def running(self) -> TaggerJob | None:
        job = self.latest()
        return job if job is not None and job.running else None

    def start_train(self) -> TaggerJob:
        """Retrain, and re-tag the stored passages if the new version is kept."""
        return self._start("train", None)

    def start_rollback(self) -> TaggerJob:
        """Go back to the version the current one replaced (raises
        :class:`~evidencia.classify.model.ModelError` when there is none), then re-tag."""
        return self._start("rollback", self.shelf.rollback)

    def wait(self, job: TaggerJob, timeout: float) -> bool:
        return job.finished.wait(timeout)

    def close(self, timeout: float = 30) -> None:
        """Stop a running job at its next step (the store stays consistent: each document
        is tagged in a transaction of its own) and wait for its thread."""
        self._closing.set()
        thread = self._thread
        if thread is not None and thread.is_alive():
            thread.join(timeout)

    # -------------------------------------------------------------- the work

    def _start(self, kind: JobKind, before: Callable[[], TaggerModel] | None) -> TaggerJob:
        with self._lock:
            busy = next((j for j in self._jobs.values() if j.running), None)
            if busy is not None:
                raise TaggerBusy(busy)
            replaced = self.shelf.current_version()
            model = before() if before is not None else None  # a rollback's pointer move
            job = TaggerJob(id=secrets.token_urlsafe(9), kind=kind)
            job.replaced = replaced or self.shelf.current().version
            if model is not None:
                job.version = model.version
            self._jobs[job.id] = job
            for old in [j for j in self._jobs.values() if not j.running][:-KEEP_JOBS]:
                del self._jobs[old.id]
            self._closing.clear()
            self._thread = threading.Thread(
                target=self._run, args=(job, model), name=f"evidencia-tagger-{kind}", daemon=True
            )
            self._thread.start()
        return job

    def _progress(self, job: TaggerJob) -> Callable[[str, int, int], None]:
        def report(phase: str, done: int, total: int) -> None:
            if self._closing.is_set():
                raise Cancelled()
            job.step(phase, done, total)

        return report

    def _run(self, job: TaggerJob, model: TaggerModel | None) -> None:
        try:
            backend = self._backend()
            rules = self._rules()
            if job.kind == "train":
                from evidencia.classify.retrain import retrain  # scikit-learn: when needed

                result = retrain(
                    self.store, self.shelf, backend, rules, on_progress=self._progress(job)
                )
                job.version = result.fitted.model.version
                job.replaced = result.before_version
                job.promoted, job.reason = result.promoted, result.reason
                job.held_out = _figures(result.fitted.held_out)
                job.before = _figures(result.before)
                model = result.fitted.model if result.promoted else None
            if model is not None:
                self._retag(job, model, rules, backend)
            job.state = "done"
        except Cancelled:
            job.state, job.error = "cancelled", "stopped: the server was shutting down"
        except Exception as exc:  # the job reports it; the server goes on
            log.exception("tagger %s job %s failed", job.kind, job.id)
            job.state, job.error = "failed", str(exc) or type(exc).__name__
        finally:
            job.phase = "finished"
            job.finished_at = datetime.now(UTC)
            job.finished.set()

    def _retag(
        self, job: TaggerJob, model: TaggerModel, rules: RuleBook, backend: EmbeddingBackend
    ) -> None:
        progress = self._progress(job)
        progress("tagging", 0, 0)

        def document(done: int, total: int) -> None:
            progress("tagging", done, total)
            job.tagged_documents = done

        with self.tagging:
            tag_stored(self.store, model, rules, backend=backend, on_document=document)


# ---------------------------------------------------------------- as the pages and API show it


def job_out(job: TaggerJob) -> TaggerJobOut:
    def figures(pair: tuple[float, float] | None) -> HeldOut | None:
        return None if pair is None else HeldOut(micro_f1=pair[0], macro_f1=pair[1])

    return TaggerJobOut(
        id=job.id,
        kind=job.kind,
        state=job.state,
        phase=job.phase,
        done=job.done,
        total=job.total,
        started_at=job.started_at,
        finished_at=job.finished_at,
        version=job.version,
        replaced=job.replaced,
        promoted=job.promoted,
        reason=job.reason,
        held_out=figures(job.held_out),
        before=figures(job.before),
        tagged_documents=job.tagged_documents,
        error=job.error,
        url=f"/api/v1/tagger/jobs/{job.id}",
    )


def status(jobs: TaggerJobs) -> TaggerStatus:
    """The versions on the shelf (newest first, the packaged one last) and the latest job."""
    shelved = jobs.shelf.versions()
    versions = [
        TaggerVersionOut(
            version=v.version,
            trained_at=v.trained_at or None,
            replaces=v.replaces,
            held_out=HeldOut(
                micro_f1=float(v.held_out["micro_f1"]), macro_f1=float(v.held_out["macro_f1"])
            )
            if "micro_f1" in v.held_out and "macro_f1" in v.held_out
            else None,
            current=v.current,
            packaged=number == len(shelved) - 1,
        )
        for number, v in enumerate(shelved)
    ]
    latest = jobs.latest()
    return TaggerStatus(
        current=next((v.version for v in versions if v.current), ""),
        versions=versions,
        job=job_out(latest) if latest is not None else None,
    )

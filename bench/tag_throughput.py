"""Theme tagging throughput and retrain time, against floors measured in the same run.

The store is generated from the demo store as ``search_scale.py`` makes its stores (its
``generate``): ``--passages`` real passages copied under other titles, dates and access
levels, half of them with a sentence of another real passage, and the real e5 vectors mixed
the same way and perturbed. Every passage has a stored vector of the model the packaged
tagger reads, so nothing is embedded while tagging.

1. Tagging: ``tag_stored(store, packaged_default(), rules)`` on the whole store, first run
   (every document due), against two floors on the very same passages (those of at least
   ``MIN_WORDS`` words, the ones ``tag_document`` tags) and vectors, held in memory:

   * ``keyword rules alone``: ``rules.hits(text)`` for every text;
   * ``model scoring alone``: ``model.scores`` + ``model.suggest`` on all vectors at once,
     given those hits: the numpy and Python work the model itself needs.

   Each floor runs once before tag_stored and once after, and the faster run counts. The
   ratio is tag_stored passages/s ÷ the floor's passages/s (1.0× would mean that reading,
   writing and bookkeeping cost nothing beyond that floor). The tag_stored run is
   instrumented: wrappers around ``_passage_vectors``, ``RuleBook.hits``, the model's
   ``scores`` and ``suggest``, ``merge``, and ``Session.execute`` sorted by statement say
   where its time goes (about 2 µs per wrapped call: some 0.1 s per 20,000 passages).

2. Retraining on a copy of the tagged store: ``--reviews`` passages get one decision each
   through ``review.decide`` as the owner (admin), each in its own transaction as in the
   web app, on one of the passage's suggested tags: accepted when the model's own score is
   at least its cut, rejected otherwise (tags a keyword rule suggested on its own), and the
   other way round for a random ``--flip`` share. Then ``retrain(store, shelf, backend,
   rules)`` with the starter set, as ``evidencia tagger train`` runs it, with the example
   vector cache empty (a first retrain), its time split into reading the reviews and their
   stored vectors, embedding the starter texts and label prototypes with e5, the final
   heads, the out-of-fold fits that choose thresholds, keyword rules on the examples,
   measuring the new and the current model on the held-out examples, and saving; then the
   re-tag a promotion runs (``tag_stored`` with the new version: every document is due).
   Last, the same retrain with the cache warm and BLAS limited to one thread
   (``threadpoolctl.threadpool_limits(1, user_api="blas")``): the fitting floor, since on 2
   cores OpenBLAS's threads make these small fits several times slower, not faster.
   ``--warm-retrain`` adds the same retrain with the cache warm as the code runs it (3 to 6
   more minutes on 2 cores with 5,000 reviews; a default run takes about 9.5 minutes).

Run: ``.venv/bin/python bench/tag_throughput.py [--passages 20000] [--reviews 5000]
[--warm-retrain] [--json FILE]`` (needs ``make demo`` first: it reads var/demo's passages and
vectors; everything else is written under a temporary directory and removed).
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import sqlite3
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
from rich.console import Console
from rich.table import Table
from sqlalchemy import Delete, Insert, func, select
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits

from evidencia.access import OWNER
from evidencia.classify import examples as examples_mod
from evidencia.classify import retrain as retrain_mod
from evidencia.classify import review, tagging
from evidencia.classify import train as train_mod
from evidencia.classify.examples import VectorCache
from evidencia.classify.model import TaggerModel
from evidencia.classify.rules import RuleBook
from evidencia.classify.rules import default as default_rules
from evidencia.classify.shelf import Shelf, packaged_default
from evidencia.classify.tagging import ENRICHER, MIN_WORDS, TagReport, tag_stored
from evidencia.config import resolve_home
from evidencia.embed import registry
from evidencia.embed.base import EmbeddingBackend
from evidencia.store.db import Store
from evidencia.store.embeddings import select_vectors
from evidencia.store.schema import Annotation, TagReview
from search_scale import generate, read_source

CHUNK = 4096  # passages per call in the scoring floor
console = Console(width=120)


class Clock:
    """Seconds per stage, each stage's own: time spent in a stage timed inside it is the
    inner stage's. Inside an *opaque* stage nothing else is timed (it keeps its children)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[list[Any]] = []  # [name, seconds of timed children, opaque]

    @contextmanager
    def stage(self, name: str, opaque: bool = False) -> Iterator[None]:
        if self._stack and self._stack[-1][2]:
            yield
            return
        frame: list[Any] = [name, 0.0, opaque]
        self._stack.append(frame)
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self._stack.pop()
            self.seconds[name] += elapsed - frame[1]
            self.calls[name] += 1
            if self._stack:
                self._stack[-1][1] += elapsed

    def wrap(self, name: str, run: Callable[..., Any], opaque: bool = False) -> Callable[..., Any]:
        @functools.wraps(run)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.stage(name, opaque):
                return run(*args, **kwargs)

        return timed


class TimedRules(RuleBook):
    """The same rules (same digest, so models accept them), with ``hits`` timed."""

    clock: Clock | None = None

    def hits(self, text: str) -> list[bool]:
        if TimedRules.clock is None:
            return super().hits(text)
        with TimedRules.clock.stage("keyword rules"):
            return super().hits(text)


def _statement_stage(statement: Any) -> str:
    if isinstance(statement, Insert):
        return "write annotations + enrichment rows"
    if isinstance(statement, Delete):
        return "delete the document's old tags"
    return "read passages and people's decisions"


@contextmanager
def instrumented_tagging(clock: Clock, model: TaggerModel) -> Iterator[None]:
    """Time the parts of ``tag_document`` while the block runs."""
    execute = Session.execute

    def timed_execute(self: Session, statement: Any, *args: Any, **kwargs: Any) -> Any:
        with clock.stage(_statement_stage(statement)):
            return execute(self, statement, *args, **kwargs)

    with ExitStack() as stack:
        for target, attribute, replacement in (
            (Session, "execute", timed_execute),
            (
                tagging,
                "_passage_vectors",
                clock.wrap("read vectors", tagging._passage_vectors, opaque=True),
            ),
            (model, "scores", clock.wrap("model scoring (numpy)", model.scores)),
            (model, "suggest", clock.wrap("choosing tags (suggest)", model.suggest)),
            (tagging, "merge", clock.wrap("merging people's decisions", tagging.merge)),
        ):
            stack.enter_context(mock.patch.object(target, attribute, replacement))
        TimedRules.clock = clock
        try:
            yield
        finally:
            TimedRules.clock = None


@contextmanager
def instrumented_retrain(clock: Clock, backend: EmbeddingBackend, shelf: Shelf) -> Iterator[None]:
    """Time the parts of ``retrain`` while the block runs."""
    reading = "read reviews + their stored vectors"
    with ExitStack() as stack:
        for target, attribute, replacement in (
            (retrain_mod, "review_examples", clock.wrap(reading, retrain_mod.review_examples)),
            (retrain_mod, "stored_vectors", clock.wrap(reading, retrain_mod.stored_vectors)),
            (backend, "embed_passages", clock.wrap("embedding (e5)", backend.embed_passages)),
            (
                VectorCache,
                "vectors",
                clock.wrap("vector cache (digests, file)", VectorCache.vectors),
            ),
            (
                train_mod,
                "_head",
                clock.wrap("fit: final heads (LogisticRegression)", train_mod._head),
            ),
            (
                train_mod,
                "_out_of_fold",
                clock.wrap("fit: out-of-fold fits (thresholds)", train_mod._out_of_fold, True),
            ),
            (train_mod, "measure", clock.wrap("measure new model (held-out)", train_mod.measure)),
            (
                retrain_mod,
                "measure",
                clock.wrap("measure current model (held-out)", retrain_mod.measure),
            ),
            (retrain_mod, "fit", clock.wrap("fit: features, rule trust, rest", train_mod.fit)),
            (shelf, "promote", clock.wrap("promote (save model)", shelf.promote)),
        ):
            stack.enter_context(mock.patch.object(target, attribute, replacement))
        TimedRules.clock = clock
        try:
            yield
        finally:
            TimedRules.clock = None


def copy_store(source: Path, target: Path) -> Store:
    """A consistent copy of a data directory's database (SQLite's backup, WAL included)."""
    target.mkdir(parents=True)
    src = sqlite3.connect(source / "evidencia.db")
    dst = sqlite3.connect(target / "evidencia.db")
    src.backup(dst)
    dst.close()
    src.close()
    return Store(resolve_home(target))


def tagged_passages(home: Path, model: TaggerModel) -> tuple[list[int], list[str], np.ndarray]:
    """The passages ``tag_document`` tags (ids, texts) and their stored vectors."""
    db = sqlite3.connect(home / "evidencia.db")
    rows = [
        (int(pid), str(text))
        for pid, text in db.execute("SELECT id, text FROM passage ORDER BY id")
        if len(str(text).split()) >= MIN_WORDS
    ]
    db.close()
    ids = [pid for pid, _ in rows]
    store = Store(resolve_home(home))
    with store.session() as session:
        found, matrix = select_vectors(session, model.embedder, model.prototypes.shape[1], ids)
    store.close()
    if len(found) != len(ids):
        raise SystemExit(f"{len(ids) - len(found)} passages have no {model.embedder} vector")
    order = {int(pid): i for i, pid in enumerate(found)}
    vectors = matrix[[order[pid] for pid in ids]]
    return ids, [text for _, text in rows], vectors


def rules_floor(rules: RuleBook, texts: list[str]) -> tuple[float, list[list[bool]]]:
    """Seconds for the keyword rules alone on every text, and the hits."""
    started = time.perf_counter()
    hits = [rules.hits(text) for text in texts]
    return time.perf_counter() - started, hits


def scoring_floor(
    model: TaggerModel, vectors: np.ndarray, hits: list[list[bool]]
) -> tuple[float, np.ndarray]:
    """Seconds for the model's scoring alone (scores + suggest, given the hits), and the
    score matrix."""
    started = time.perf_counter()
    parts = []
    for start in range(0, len(vectors), CHUNK):
        chunk = hits[start : start + CHUNK]
        scored = model.scores(vectors[start : start + CHUNK], chunk)
        model.suggest(scored, chunk)
        parts.append(scored)
    return time.perf_counter() - started, np.vstack(parts)


def run_tagging(
    store: Store, model: TaggerModel, rules: RuleBook
) -> tuple[TagReport, dict[str, float], float]:
    """``tag_stored``, instrumented: the report, seconds per stage, wall seconds."""
    clock = Clock()
    started = time.perf_counter()
    with instrumented_tagging(clock, model):
        report = tag_stored(store, model, rules)
    wall = time.perf_counter() - started
    if report.embedded:
        raise SystemExit(f"{report.embedded} passages were embedded while tagging")
    stages = dict(clock.seconds)
    stages["other (commits, sessions, loops)"] = wall - sum(stages.values())
    return report, stages, wall


def record_decisions(
    store: Store,
    model: TaggerModel,
    ids: list[int],
    hits: list[list[bool]],
    scores: np.ndarray,
    count: int,
    flip: float,
    seed: int,
) -> dict[str, Any]:
    """``count`` decisions through ``review.decide``, one passage each, one transaction
    each; returns what was decided and how long it took."""
    row_of = {pid: i for i, pid in enumerate(ids)}
    with store.session() as session:
        suggested: dict[int, list[str]] = defaultdict(list)
        for pid, key in session.execute(
            select(Annotation.passage_id, Annotation.key)
            .where(Annotation.enricher == ENRICHER)
            .order_by(Annotation.passage_id, Annotation.key)
        ):
            suggested[int(pid)].append(str(key))
    candidates = sorted(pid for pid in suggested if pid in row_of)
    if len(candidates) < count:
        raise SystemExit(f"only {len(candidates)} tagged passages for {count} reviews")
    rng = random.Random(seed)
    labels = retrain_mod.labels_of(store)
    kinds = {label.id: label.kind for label in model.labels}
    tally: dict[str, int] = defaultdict(int)
    started = time.perf_counter()
    for pid in rng.sample(candidates, count):
        key = rng.choice(suggested[pid])
        row = row_of[pid]
        score = float(scores[row, model.index(key)])
        if kinds[key] == "theme":
            cut = model.cut(key, model.mentioned(hits[row]))
        else:
            cut = model.thresholds.get(key, 1.0)
        accept = score >= cut
        if rng.random() < flip:
            accept = not accept
        decision = "accepted" if accept else "rejected"
        with store.session() as session, session.begin():
            review.decide(session, OWNER, pid, key, decision, labels)
        tally[f"{kinds[key]} {decision}"] += 1
    seconds = time.perf_counter() - started
    with store.session() as session:
        ledger = int(session.scalar(select(func.count()).select_from(TagReview)) or 0)
    return {"decisions": count, "seconds": seconds, "ledger_rows": ledger, "tally": dict(tally)}


def run_retrain(
    store: Store,
    shelf: Shelf,
    backend: EmbeddingBackend,
    rules: RuleBook,
    *,
    one_blas_thread: bool = False,
) -> tuple[retrain_mod.Retrained, dict[str, float], float]:
    """``retrain``, instrumented: the result, seconds per stage, wall seconds."""
    clock = Clock()
    started = time.perf_counter()
    with ExitStack() as stack:
        if one_blas_thread:
            stack.enter_context(threadpool_limits(1, user_api="blas"))
        stack.enter_context(instrumented_retrain(clock, backend, shelf))
        result = retrain_mod.retrain(store, shelf, backend, rules)
    wall = time.perf_counter() - started
    stages = dict(clock.seconds)
    stages["other (starter set, labels, stacking)"] = wall - sum(stages.values())
    return result, stages, wall


def stage_table(title: str, stages: dict[str, float], wall: float) -> Table:
    table = Table("stage", "seconds", "share", title=title)
    for name, seconds in sorted(stages.items(), key=lambda item: -item[1]):
        table.add_row(name, f"{seconds:.2f}", f"{seconds / wall:.0%}")
    table.add_section()
    table.add_row("[bold]total (wall)[/]", f"[bold]{wall:.2f}[/]", "100%")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--passages", type=int, default=20_000)
    parser.add_argument("--reviews", type=int, default=5_000)
    parser.add_argument("--flip", type=float, default=0.1, help="share of decisions reversed")
    parser.add_argument("--source", type=Path, default=Path("var/demo"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--warm-retrain", action="store_true", help="also retrain again with the cache warm"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    figures: dict[str, Any] = {"passages_generated": args.passages, "reviews": args.reviews}
    source = read_source(args.source)
    model = packaged_default()
    if model.embedder != source.model:
        raise SystemExit(f"the tagger reads {model.embedder}, the store has {source.model}")
    rules = TimedRules(default_rules().rules, default_rules().digest)
    tmp = tempfile.TemporaryDirectory(prefix="tag-bench-")
    home = Path(tmp.name) / "tagging"
    with console.status(f"generating {args.passages:,} passages from {args.source}"):
        figures["generate_s"] = generate(source, home, args.passages, seed=args.seed)
    ids, texts, vectors = tagged_passages(home, model)
    n = len(ids)
    console.print(
        f"{args.passages:,} passages generated from {len(source.texts)} real ones in "
        f"{figures['generate_s']:.1f} s; {n:,} of at least {MIN_WORDS} words are tagged "
        f"({sum(len(t) for t in texts) / n:.0f} characters on average). Tagger "
        f"{model.version}: {len(model.labels)} labels, {len(model.rule_ids)} keyword rules."
    )

    # 1. tagging ---------------------------------------------------------------------------
    # each floor runs before and after tag_stored and the faster run counts: a shared
    # machine's bursts of load then make the ratio lower, never higher
    plain_rules = default_rules()
    with console.status("floors: keyword rules alone, then the model's scoring alone"):
        first_rules_s, hits = rules_floor(plain_rules, texts)
        rules_runs = [first_rules_s]
        scoring_runs = [scoring_floor(model, vectors, hits)[0]]
    with console.status(f"tag_stored on {n:,} passages"):
        store = Store(resolve_home(home))
        report, stages, wall = run_tagging(store, model, rules)
        store.close()
    with console.status("floors again"):
        rules_runs.append(rules_floor(plain_rules, texts)[0])
        scoring_s, scores = scoring_floor(model, vectors, hits)
        scoring_runs.append(scoring_s)
    assert report.passages == n, (report.passages, n)
    rules_s, scoring_s = min(rules_runs), min(scoring_runs)
    rate = n / wall
    table = Table(
        "measurement",
        "passages",
        "seconds",
        "passages/s",
        "÷ rules floor",
        "÷ scoring floor",
        "÷ both",
        title=f"Tagging {n:,} stored passages (floors: faster of 2 runs)",
    )
    for name, seconds, runs_s in (
        ("floor: keyword rules alone (rules.hits)", rules_s, rules_runs),
        ("floor: model scoring alone (scores + suggest)", scoring_s, scoring_runs),
        ("floor: both, summed", rules_s + scoring_s, None),
    ):
        spread = f" ({'/'.join(f'{r:.2f}' for r in runs_s)} s)" if runs_s else ""
        table.add_row(name + spread, f"{n:,}", f"{seconds:.2f}", f"{n / seconds:,.0f}")
    table.add_row(
        f"tag_stored ({report.documents} documents, {report.tags:,} tags)",
        f"{n:,}",
        f"{wall:.2f}",
        f"{rate:,.0f}",
        *(f"{seconds / wall:.2f}×" for seconds in (rules_s, scoring_s, rules_s + scoring_s)),
    )
    console.print(table)
    console.print(stage_table("Where tag_stored's time goes", stages, wall))
    figures["tagging"] = {
        "passages": n,
        "documents": report.documents,
        "tags": report.tags,
        "seconds": wall,
        "passages_per_s": rate,
        "floor_rules_runs_s": rules_runs,
        "floor_scoring_runs_s": scoring_runs,
        "ratio_vs_rules": rules_s / wall,
        "ratio_vs_scoring": scoring_s / wall,
        "ratio_vs_both": (rules_s + scoring_s) / wall,
        "stages": stages,
    }

    # 2. retraining ------------------------------------------------------------------------
    store = copy_store(home, Path(tmp.name) / "retrain")
    with console.status(f"recording {args.reviews:,} decisions"):
        decided = record_decisions(
            store, model, ids, hits, scores, args.reviews, args.flip, args.seed
        )
    console.print(
        f"{decided['decisions']:,} decisions through review.decide in "
        f"{decided['seconds']:.1f} s ({decided['decisions'] / decided['seconds']:.0f}/s, one "
        f"transaction each; {decided['ledger_rows']:,} tag_review rows, an accepted outcome "
        f"also accepting its theme): "
        + ", ".join(f"{v:,} {k}" for k, v in sorted(decided["tally"].items()))
    )
    figures["decisions"] = decided
    backend = registry.get()
    shelf = Shelf(store.home)
    runs: list[tuple[str, retrain_mod.Retrained, dict[str, float], float]] = []
    with console.status("retraining (vector cache empty)"):
        result, stages, wall = run_retrain(store, shelf, backend, rules)
    runs.append(("first retrain,\ncache empty", result, stages, wall))
    fitted = result.fitted
    with console.status("re-tagging with the new version"):
        retag, retag_stages, retag_wall = run_tagging(store, fitted.model, rules)
    if args.warm_retrain:
        with console.status("retraining again (vector cache warm)"):
            runs.append(("second retrain,\ncache warm", *run_retrain(store, shelf, backend, rules)))
    with console.status("retraining with BLAS on one thread (vector cache warm)"):
        one = run_retrain(store, shelf, backend, rules, one_blas_thread=True)
    runs.append(("cache warm,\n1 BLAS thread", *one))

    table = Table("stage", *(name for name, *_ in runs), title="Retrain: seconds per stage")
    names = list(dict.fromkeys(stage for *_, stages, _wall in runs for stage in stages))
    names.sort(key=lambda stage: -runs[0][2].get(stage, 0.0))
    for stage in names:
        table.add_row(stage, *(f"{stages.get(stage, 0.0):.2f}" for *_, stages, _wall in runs))
    table.add_section()
    table.add_row("[bold]total (wall)[/]", *(f"[bold]{wall:.2f}[/]" for *_, wall in runs))
    table.add_row("held-out micro-F1", *(f"{r.fitted.held_out.micro_f1:.3f}" for _, r, *_ in runs))
    table.add_row("promoted", *("yes" if r.promoted else "no" for _, r, *_ in runs))
    console.print(table)
    starter = len(examples_mod.starter_examples(retrain_mod.labels_of(store)))
    before = result.before
    console.print(
        f"Trained on {fitted.train_examples:,} examples, measured on "
        f"{fitted.held_out_examples:,} held out ({starter:,} starter examples + "
        f"{result.reviews:,} reviewed passages, one in {examples_mod.HELD_OUT_EVERY} held out). "
        f"First retrain: held-out micro-F1 {fitted.held_out.micro_f1:.3f} against "
        f"{before.micro_f1 if before else float('nan'):.3f} for {result.before_version} in use; "
        + ("promoted" if result.promoted else "not promoted")
        + f" ({result.reason})."
    )
    if not args.warm_retrain:
        embedding = stages.get("embedding (e5)", 0.0)
        console.print(
            f"With the cache warm the same retrain would skip the {embedding:.0f} s of "
            f"embedding: about {wall - embedding:.0f} s (--warm-retrain measures it)."
        )
    console.print(
        f"Re-tag after the first retrain, with {fitted.model.version}"
        + ("" if result.promoted else " (not promoted: timed as a promotion would run it)")
        + f": {retag.documents} documents, {retag.passages:,} passages, {retag.tags:,} tags in "
        f"{retag_wall:.1f} s ({retag.passages / retag_wall:,.0f} passages/s; keyword rules "
        f"{retag_stages.get('keyword rules', 0.0):.1f} s of it)."
    )
    figures["retrain"] = [
        {
            "run": name.replace("\n", " "),
            "seconds": wall,
            "stages": stages,
            "train_examples": r.fitted.train_examples,
            "held_out_examples": r.fitted.held_out_examples,
            "starter_examples": starter,
            "reviewed_passages": r.reviews,
            "held_out_micro_f1": r.fitted.held_out.micro_f1,
            "held_out_macro_f1": r.fitted.held_out.macro_f1,
            "before_micro_f1": r.before.micro_f1 if r.before else None,
            "promoted": r.promoted,
            "reason": r.reason,
        }
        for name, r, stages, wall in runs
    ]
    figures["retag"] = {
        "passages": retag.passages,
        "tags": retag.tags,
        "seconds": retag_wall,
        "passages_per_s": retag.passages / retag_wall,
        "stages": retag_stages,
    }
    store.close()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    tmp.cleanup()


if __name__ == "__main__":
    main()

"""Fitting a tagger from labelled examples, and measuring it on examples it never saw.

Each label gets a logistic head over the passage features (embedding, prototype
similarities, keyword-rule hits). Thresholds are chosen per label on out-of-fold scores of
the training examples, so the held-out examples stay untouched until the model is measured
on them: the figures a retrain reports are what people can expect on new text.
"""

from __future__ import annotations

import functools
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

import numpy as np

from evidencia.classify.examples import Example
from evidencia.classify.labels import Label
from evidencia.classify.metrics import Scores, best_threshold, best_threshold_pair, score
from evidencia.classify.model import Matrix, TaggerModel
from evidencia.classify.rules import RuleBook

P = ParamSpec("P")
R = TypeVar("R")

#: regularisation of every head (inverse strength), chosen on the starter set's held-out part
C = 0.5
#: an outcome gets a head of its own from this many positive examples; below, it is scored
#: by its prototype among its siblings
OUTCOME_HEAD_FROM = 12
#: folds for the out-of-fold scores thresholds are chosen on
FOLDS = 3
THEME_DEFAULT_THRESHOLD = 0.5
OUTCOME_DEFAULT_THRESHOLD = 0.3


@dataclass
class Fitted:
    model: TaggerModel
    #: measured on the held-out examples
    held_out: Scores
    held_out_outcomes: Scores
    train_examples: int
    held_out_examples: int
    seconds: float


def _one_blas_thread(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` with the linear algebra library on one thread."""

    @functools.wraps(func)
    def limited(*args: P.args, **kwargs: P.kwargs) -> R:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return limited


def _head(x: Matrix, y: np.ndarray[Any, Any], w: np.ndarray[Any, Any]) -> tuple[Matrix, float]:
    # scikit-learn is imported here, when a model is fitted: loading it costs every command
    # a second, and only training needs it
    from sklearn.linear_model import LogisticRegression

    classifier = LogisticRegression(C=C, class_weight="balanced", max_iter=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on tiny label sets
        classifier.fit(x, y, sample_weight=w)
    return classifier.coef_[0].astype(np.float32), float(classifier.intercept_[0])


def _sigmoid(z: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))


def _out_of_fold(
    x: Matrix, y: np.ndarray[Any, Any], w: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """Each example's score from a head fitted without it."""
    from sklearn.model_selection import StratifiedKFold

    folds = min(FOLDS, int(y.sum()), int((~y).sum()))
    scores = np.zeros(len(y))
    if folds < 2:
        return scores
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=7).split(x, y):
        weights, bias = _head(x[train], y[train], w[train])
        scores[test] = _sigmoid(x[test] @ weights + bias)
    return scores


@_one_blas_thread
def fit(
    labels: Sequence[Label],
    rules: RuleBook,
    examples: Sequence[Example],
    vectors: Matrix,
    prototypes: Matrix,
    *,
    embedder: str,
    version: str,
    trained: dict[str, Any] | None = None,
    on_label: Callable[[int, int], None] | None = None,
) -> Fitted:
    """A model for ``labels`` from ``examples`` (with their ``vectors``), measured on the
    examples that :attr:`Example.held_out` keeps aside.

    The linear algebra library runs on one thread here: for these small fits its threads
    only wait on each other (on 2 cores, a retrain on 5,000 reviews took 19 s instead of
    160 to 360 s; bench/tag_throughput.py).
    """
    started = time.perf_counter()
    hits = np.asarray([rules.hits(e.text) for e in examples], dtype=np.float32)
    raw = np.hstack([vectors, vectors @ prototypes.T, hits.reshape(len(examples), -1)])
    held = np.asarray([e.held_out for e in examples], dtype=bool)
    train_rows = raw[~held] if (~held).any() else raw
    mean = train_rows.mean(axis=0).astype(np.float32)
    scale = train_rows.std(axis=0).astype(np.float32)
    scale[scale < 1e-6] = 1.0
    x = ((raw - mean) / scale).astype(np.float32)
    weight = np.asarray([e.weight for e in examples])

    heads: dict[str, tuple[Matrix, float]] = {}
    thresholds: dict[str, float] = {}
    mention_thresholds: dict[str, float] = {}
    rule_themes = [rule.theme for rule in rules.rules]
    prototype_outcomes: list[str] = []
    for done, label in enumerate(labels):
        if on_label:
            on_label(done, len(labels))
        rows = np.asarray(
            [label.id in e.labels and not h for e, h in zip(examples, held, strict=True)]
        )
        y = np.asarray([e.labels.get(label.id, False) for e in examples], dtype=bool)[rows]
        enough = OUTCOME_HEAD_FROM if label.kind == "outcome" else 1
        if y.sum() < enough or (~y).sum() < 1:
            if label.kind == "outcome":
                prototype_outcomes.append(label.id)
            continue
        heads[label.id] = _head(x[rows], y, weight[rows])
        out_of_fold = list(_out_of_fold(x[rows], y, weight[rows]))
        if label.kind == "outcome":
            thresholds[label.id] = best_threshold(out_of_fold, list(y), OUTCOME_DEFAULT_THRESHOLD)
            continue
        own = [i for i, theme in enumerate(rule_themes) if theme == label.id]
        mentioned = hits[rows][:, own].any(axis=1) if own else np.zeros(int(rows.sum()), bool)
        mention_thresholds[label.id], thresholds[label.id] = best_threshold_pair(
            out_of_fold, list(mentioned), list(y), THEME_DEFAULT_THRESHOLD
        )

    model = TaggerModel(
        version=version,
        embedder=embedder,
        labels=list(labels),
        prototypes=prototypes.astype(np.float32),
        rule_ids=rules.ids,
        rule_themes=rule_themes,
        rules_digest=rules.digest,
        mean=mean,
        scale=scale,
        heads=heads,
        thresholds=thresholds,
        mention_thresholds=mention_thresholds,
    )
    model.rule_trust = _rule_trust(rules, examples, hits, held)
    _prototype_outcome_threshold(model, examples, x, held, raw, prototype_outcomes)

    measured = measure(
        model, [e for e, h in zip(examples, held, strict=True) if h], vectors[held], rules
    )
    model.metrics = {
        "held_out_themes": measured[0].as_json(),
        "held_out_outcomes": measured[1].as_json(),
    }
    model.trained = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "examples": int((~held).sum()),
        "held_out": int(held.sum()),
        **(trained or {}),
    }
    return Fitted(
        model,
        measured[0],
        measured[1],
        int((~held).sum()),
        int(held.sum()),
        time.perf_counter() - started,
    )


def _rule_trust(
    rules: RuleBook,
    examples: Sequence[Example],
    hits: np.ndarray[Any, Any],
    held: np.ndarray[Any, Any],
) -> dict[str, tuple[str, float]]:
    """Each strong rule's precision on the training examples that say whether its theme
    holds (weighted like the heads, so people's decisions count double)."""
    trust: dict[str, tuple[str, float]] = {}
    for column, rule in enumerate(rules.rules):
        if not rule.strong:
            continue
        right = fired = 0.0
        for row, example in enumerate(examples):
            if held[row] or not hits[row, column] or rule.theme not in example.labels:
                continue
            fired += example.weight
            right += example.weight * example.labels[rule.theme]
        trust[rule.id] = (rule.theme, round(right / fired, 4) if fired else 0.0)
    return trust


def _prototype_outcome_threshold(
    model: TaggerModel,
    examples: Sequence[Example],
    x: Matrix,
    held: np.ndarray[Any, Any],
    raw: Matrix,
    outcomes: list[str],
) -> None:
    """One cut for all outcomes scored by prototype, chosen on the training examples."""
    if not outcomes:
        return
    dim = model.prototypes.shape[1]
    train = [e for e, h in zip(examples, held, strict=True) if not h]
    vectors = raw[~held][:, :dim] if (~held).any() else raw[:, :dim]
    hits = (
        raw[~held][:, dim + len(model.labels) :]
        if (~held).any()
        else raw[:, dim + len(model.labels) :]
    )
    scored = model.scores(vectors, hits.astype(bool).tolist())
    said: list[float] = []
    truth: list[bool] = []
    for outcome in outcomes:
        i = model.index(outcome)
        for row, example in enumerate(train):
            if outcome in example.labels:
                said.append(float(scored[row, i]))
                truth.append(example.labels[outcome])
    cut = best_threshold(said, truth, OUTCOME_DEFAULT_THRESHOLD)
    for outcome in outcomes:
        model.thresholds[outcome] = cut


def measure(
    model: TaggerModel, examples: Sequence[Example], vectors: Matrix, book: RuleBook
) -> tuple[Scores, Scores]:
    """Theme and outcome scores of ``model`` on labelled ``examples``."""
    texts = [e.text for e in examples]
    hits = [book.hits(t) for t in texts]
    tags = model.suggest(model.scores(vectors, hits), hits) if examples else []
    predicted = [{t.label for t in row} for row in tags]
    truth = [e.labels for e in examples]
    themes = [label.id for label in model.labels if label.kind == "theme"]
    outcomes = [label.id for label in model.labels if label.kind == "outcome"]
    return score(themes, truth, predicted), score(outcomes, truth, predicted)

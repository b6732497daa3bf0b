"""Precision, recall and F1 per label, and their micro and macro averages.

Examples may be partly labelled (a review says yes or no to one tag only), so every count
is taken over the examples that say something about the label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: the cuts thresholds are chosen among (0 for texts with the label's keywords: the words
#: alone are enough)
CUTS = np.arange(0, 100) / 100


@dataclass(frozen=True)
class LabelScore:
    label: str
    support: int
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Scores:
    labels: list[LabelScore]

    @property
    def micro_f1(self) -> float:
        tp = sum(s.tp for s in self.labels)
        fp = sum(s.fp for s in self.labels)
        fn = sum(s.fn for s in self.labels)
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

    @property
    def macro_f1(self) -> float:
        return sum(s.f1 for s in self.labels) / len(self.labels) if self.labels else 0.0

    def as_json(self) -> dict[str, object]:
        return {
            "micro_f1": round(self.micro_f1, 4),
            "macro_f1": round(self.macro_f1, 4),
            "labels": {
                s.label: {
                    "support": s.support,
                    "precision": round(s.precision, 4),
                    "recall": round(s.recall, 4),
                    "f1": round(s.f1, 4),
                }
                for s in self.labels
            },
        }


def score(
    labels: Sequence[str],
    truth: Sequence[dict[str, bool]],
    predicted: Sequence[set[str]],
) -> Scores:
    """Per-label counts over the examples whose ``truth`` names the label."""
    out = []
    for label in labels:
        tp = fp = fn = support = 0
        for known, got in zip(truth, predicted, strict=True):
            if label not in known:
                continue
            yes, said = known[label], label in got
            support += yes
            tp += yes and said
            fp += said and not yes
            fn += yes and not said
        out.append(LabelScore(label, support, tp, fp, fn))
    return Scores(out)


def best_threshold(scores: Sequence[float], truth: Sequence[bool], default: float) -> float:
    """The cut that gives the best F1 on these scores (nearest ``default`` among ties)."""
    said = np.asarray(scores, dtype=np.float64)
    yes = np.asarray(truth, dtype=bool)
    if not yes.any():
        return default
    tp, fp, fn = _counts(said, yes)
    f1 = np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
    best = np.flatnonzero(f1 >= f1.max() - 1e-9)
    return float(CUTS[best[np.argmin(np.abs(CUTS[best] - default))]])


def _counts(said: np.ndarray[Any, Any], yes: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """(tp, fp, fn) at every cut of :data:`CUTS`, as a (3, cuts) array."""
    above = said[None, :] >= CUTS[:, None]
    return np.stack(
        [(above & yes).sum(axis=1), (above & ~yes).sum(axis=1), (~above & yes).sum(axis=1)]
    )


def best_threshold_pair(
    scores: Sequence[float], mentioned: Sequence[bool], truth: Sequence[bool], default: float
) -> tuple[float, float]:
    """Two cuts with the best F1 together: one for the texts that mention the label's
    keywords, one for the others (each nearest ``default`` among ties)."""
    said = np.asarray(scores, dtype=np.float64)
    yes = np.asarray(truth, dtype=bool)
    named = np.asarray(mentioned, dtype=bool)
    if not yes.any():
        return default, default
    inside, outside = _counts(said[named], yes[named]), _counts(said[~named], yes[~named])
    tp = inside[0][:, None] + outside[0][None, :]
    fp = inside[1][:, None] + outside[1][None, :]
    fn = inside[2][:, None] + outside[2][None, :]
    f1 = np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
    distance = np.abs(CUTS[:, None] - default) + np.abs(CUTS[None, :] - default)
    best = np.flatnonzero(f1.ravel() >= f1.max() - 1e-9)
    pick = best[np.argmin(distance.ravel()[best])]
    row, column = divmod(int(pick), len(CUTS))
    return float(CUTS[row]), float(CUTS[column])

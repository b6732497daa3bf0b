"""Measuring enrichers against labelled examples, and holding them to a baseline.

Gold files (``eval/enrich/*.yaml``) name their enricher (and, for a second set such as a
held-out one written without sight of the code, the metric it reports under) and list items
of text with what a careful reader would label. Scores are micro-averaged precision, recall
and F1. The baseline file keeps the floors: ``make test`` fails when a change makes an
enricher worse than the recorded figures, which is how quality stays visible as code evolves.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from evidencia import floors
from evidencia.enrich import registry
from evidencia.enrich.base import Enricher

#: a measured score may fall this far below its floor before the gate fails (float noise)
TOLERANCE = 1e-9
REFERENCE_FIELDS = ("author", "year", "title", "url")


@dataclass
class Score:
    """Counts and ratios for one metric over one gold file."""

    items: int = 0
    true_positives: int = 0
    predicted: int = 0
    expected: int = 0

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, predicted: set[str], expected: set[str]) -> None:
        self.items += 1
        self.true_positives += len(predicted & expected)
        self.predicted += len(predicted)
        self.expected += len(expected)

    def figures(self) -> dict[str, float]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class Miss:
    """An item the enricher got wrong, for the person improving it."""

    metric: str
    item: str
    missing: list[str]
    spurious: list[str]


class GoldError(ValueError):
    """A gold file that cannot be used, naming the file and the problem."""


def _score_keys(
    enricher: Enricher, items: list[dict[str, Any]], metric: str
) -> tuple[dict[str, Score], list[Miss]]:
    """Distinct keys per item; for instruments, also "KEY PARA" pairs as a second metric."""
    keys, paragraphs = Score(), Score()
    misses: list[Miss] = []
    for item in items:
        found = enricher.find(item["text"], item.get("lang"))
        predicted = {m.key for m in found}
        expected = {str(k) for k in item.get("expect") or []}
        keys.add(predicted, expected)
        if predicted != expected:
            misses.append(
                Miss(metric, item["id"], sorted(expected - predicted), sorted(predicted - expected))
            )
        if "paragraphs" in item:
            got = {f"{m.key} {m.attrs['paragraph']}" for m in found if "paragraph" in m.attrs}
            want = {str(p) for p in item["paragraphs"]}
            paragraphs.add(got, want)
            if got != want:
                misses.append(
                    Miss(f"{metric}.paragraphs", item["id"], sorted(want - got), sorted(got - want))
                )
    scores = {metric: keys}
    if paragraphs.items:
        scores[f"{metric}.paragraphs"] = paragraphs
    return scores, misses


def _normal(value: object) -> str:
    return " ".join(str(value or "").split()).strip(string.punctuation + " ").casefold()


def _score_references(
    enricher: Enricher, items: list[dict[str, Any]], metric: str
) -> tuple[dict[str, Score], list[Miss]]:
    """References matched in order; fields compared after normalising case and punctuation."""
    refs, fields = Score(), Score()
    misses: list[Miss] = []
    for item in items:
        found = sorted(enricher.find(item["text"], item.get("lang")), key=lambda m: m.start)
        expected = list(item.get("expect") or [])
        matched = min(len(found), len(expected))
        refs.items += 1
        refs.true_positives += matched
        refs.predicted += len(found)
        refs.expected += len(expected)
        wrong: list[str] = []
        for index, want in enumerate(expected):
            got = dict(found[index].attrs) if index < len(found) else None
            for name in REFERENCE_FIELDS:
                fields.expected += 1
                fields.predicted += got is not None
                if got is not None and _normal(got.get(name)) == _normal(want.get(name)):
                    fields.true_positives += 1
                else:
                    wrong.append(f"{index}.{name}={want.get(name)!r}")
        if wrong or len(found) != len(expected):
            misses.append(Miss(metric, item["id"], wrong, [m.label for m in found[matched:]]))
        fields.items += 1
    return {metric: refs, f"{metric}.fields": fields}, misses


Scorer = Callable[[Enricher, list[dict[str, Any]], str], tuple[dict[str, Score], list[Miss]]]
SCORERS: dict[str, Scorer] = {"keys": _score_keys, "references": _score_references}


def load_gold(path: Path) -> dict[str, Any]:
    try:
        gold = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise GoldError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(gold, dict) or not isinstance(gold.get("items"), list):
        raise GoldError(f"{path}: expected a mapping with 'enricher' and a list of 'items'")
    if gold.get("scoring", "keys") not in SCORERS:
        raise GoldError(f"{path}: unknown scoring {gold.get('scoring')!r}")
    for index, item in enumerate(gold["items"]):
        if not isinstance(item, dict) or "text" not in item or "id" not in item:
            raise GoldError(f"{path}: item {index} needs an 'id' and a 'text'")
    return gold


@dataclass
class Evaluation:
    scores: dict[str, Score]
    misses: list[Miss]
    languages: dict[str, set[str]]

    def figures(self) -> dict[str, dict[str, float]]:
        return {metric: score.figures() for metric, score in sorted(self.scores.items())}

    def as_json(self) -> dict[str, Any]:
        return {
            "metrics": {
                metric: {**score.figures(), "items": score.items, "expected": score.expected}
                for metric, score in sorted(self.scores.items())
            },
            "languages": {name: sorted(langs) for name, langs in self.languages.items()},
            "misses": [asdict(m) for m in self.misses],
        }


def evaluate(gold_files: Iterable[Path], only: list[str] | None = None) -> Evaluation:
    result = Evaluation({}, [], {})
    for path in sorted(gold_files):
        gold = load_gold(path)
        name = str(gold.get("enricher", path.stem))
        if only and name not in only:
            continue
        metric = str(gold.get("metric", name))  # a second set for an enricher names its own
        scorer = SCORERS[gold.get("scoring", "keys")]
        scores, misses = scorer(registry.get(name), gold["items"], metric)
        result.scores.update(scores)
        result.misses.extend(misses)
        result.languages[metric] = {str(i["lang"]) for i in gold["items"] if i.get("lang")}
    return result


def below_baseline(evaluation: Evaluation, baseline: Path) -> list[str]:
    """Every figure that fell under its recorded floor, as a readable line."""
    return floors.below(evaluation.figures(), baseline, GoldError)


def write_baseline(evaluation: Evaluation, baseline: Path) -> None:
    baseline.write_text(json.dumps(evaluation.figures(), indent=2) + "\n", encoding="utf-8")

"""How well redaction does on labelled testimonies (``eval/redact/*.yaml``).

Recall, per kind and overall: the share of planted personal data (every whole-word
occurrence of each annotated substring) whose every letter and digit was redacted, by
whatever rule. "Typed" recall also asks that the kind be right. Keep-precision: the share
of occurrences of the "keep" terms (countries, cities, institutions, laws, organisations)
that survived untouched. Each file names its set ("tuned": the rules were written with it
in view; "heldout": written afterwards and only measured), and the figures are reported and
held to their floors per set.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from evidencia import floors
from evidencia.redact.detect import detect, warm
from evidencia.redact.model import KINDS, Finding


class GoldError(ValueError):
    """A labelled file that cannot be used, naming the file and the item."""


@dataclass(frozen=True)
class Planted:
    kind: str
    text: str
    sub: str | None = None


@dataclass(frozen=True)
class Item:
    id: str
    lang: str
    text: str
    pii: tuple[Planted, ...]
    keep: tuple[str, ...]
    set: str


@dataclass
class Score:
    expected: int = 0
    found: int = 0
    typed: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    @property
    def typed_recall(self) -> float:
        return self.typed / self.expected if self.expected else 1.0


@dataclass(frozen=True)
class Miss:
    set: str
    item: str
    kind: str
    text: str
    what: str  # "missed", "wrong kind (phone)", "redacted keep term"


@dataclass
class SetResult:
    items: int = 0
    languages: set[str] = field(default_factory=set)
    kinds: dict[str, Score] = field(default_factory=dict)
    keep_total: int = 0
    keep_kept: int = 0
    seconds: float = 0.0

    @property
    def overall(self) -> Score:
        total = Score()
        for score in self.kinds.values():
            total.expected += score.expected
            total.found += score.found
            total.typed += score.typed
        return total

    @property
    def keep_precision(self) -> float:
        return self.keep_kept / self.keep_total if self.keep_total else 1.0

    def figures(self) -> dict[str, float]:
        out = {
            "recall": round(self.overall.recall, 4),
            "keep_precision": round(self.keep_precision, 4),
        }
        for kind in KINDS:
            if kind in self.kinds:
                out[f"recall.{kind}"] = round(self.kinds[kind].recall, 4)
        return out


@dataclass
class Evaluation:
    sets: dict[str, SetResult] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)

    def figures(self) -> dict[str, dict[str, float]]:
        return {f"redact.{name}": result.figures() for name, result in sorted(self.sets.items())}

    def as_json(self) -> dict[str, object]:
        return {
            "figures": self.figures(),
            "sets": {
                name: {
                    "items": r.items,
                    "languages": sorted(r.languages),
                    "keep": {"total": r.keep_total, "kept": r.keep_kept},
                    "kinds": {
                        k: {"expected": s.expected, "found": s.found, "typed": s.typed}
                        for k, s in sorted(r.kinds.items())
                    },
                    "texts_per_second": round(r.items / r.seconds, 1) if r.seconds else None,
                }
                for name, r in sorted(self.sets.items())
            },
            "misses": [m.__dict__ for m in self.misses],
        }


def _occurrences(text: str, needle: str) -> list[tuple[int, int]]:
    words = needle.split()
    body = r"\s+".join(re.escape(w) for w in words)
    left = r"(?<!\w)" if re.match(r"\w", needle) else ""
    right = r"(?!\w)" if re.search(r"\w$", needle) else ""
    return [m.span() for m in re.finditer(left + body + right, text)]


def load(path: Path) -> list[Item]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise GoldError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("items"), list):
        raise GoldError(f"{path}: expected a mapping with `items`")
    name = str(raw.get("set", path.stem))
    items, seen = [], set()
    for n, entry in enumerate(raw["items"]):
        where = f"{path}: item {entry.get('id', n) if isinstance(entry, dict) else n}"
        if not isinstance(entry, dict) or not all(k in entry for k in ("id", "lang", "text")):
            raise GoldError(f"{where}: needs id, lang and text")
        if entry["id"] in seen:
            raise GoldError(f"{where}: duplicate id")
        seen.add(entry["id"])
        text = str(entry["text"])
        planted = []
        for p in entry.get("pii") or []:
            if not isinstance(p, dict) or p.get("kind") not in KINDS or not p.get("text"):
                raise GoldError(f"{where}: each pii needs a kind ({', '.join(KINDS)}) and text")
            if not _occurrences(text, str(p["text"])):
                raise GoldError(f"{where}: {p['text']!r} is not in the text")
            planted.append(Planted(str(p["kind"]), str(p["text"]), p.get("sub")))
        keep = tuple(str(k) for k in entry.get("keep") or [])
        for term in keep:
            if not _occurrences(text, term):
                raise GoldError(f"{where}: keep term {term!r} is not in the text")
        items.append(Item(str(entry["id"]), str(entry["lang"]), text, tuple(planted), keep, name))
    return items


def _covered(findings: list[Finding], start: int, end: int, text: str) -> Finding | None:
    """The finding over the first letter of ``start..end`` when every letter and digit in
    it is redacted, else None."""
    first: Finding | None = None
    for pos in range(start, end):
        if not text[pos].isalnum():
            continue
        over = next((f for f in findings if f.start <= pos < f.end), None)
        if over is None:
            return None
        first = first or over
    return first


def evaluate(files: Iterable[Path]) -> Evaluation:
    warm()  # so that the speed reported is that of redaction, not of loading
    evaluation = Evaluation()
    for path in files:
        for item in load(path):
            result = evaluation.sets.setdefault(item.set, SetResult())
            result.items += 1
            result.languages.add(item.lang)
            began = time.perf_counter()
            findings = detect(item.text, item.lang)
            result.seconds += time.perf_counter() - began
            _score(evaluation, result, item, findings)
    return evaluation


def _score(evaluation: Evaluation, result: SetResult, item: Item, findings: list[Finding]) -> None:
    counted: set[tuple[str, int, int]] = set()
    for planted in item.pii:
        score = result.kinds.setdefault(planted.kind, Score())
        for start, end in _occurrences(item.text, planted.text):
            if (planted.kind, start, end) in counted:
                continue
            counted.add((planted.kind, start, end))
            score.expected += 1
            over = _covered(findings, start, end, item.text)
            if over is None:
                evaluation.misses.append(
                    Miss(item.set, item.id, planted.kind, planted.text, "missed")
                )
                continue
            score.found += 1
            if over.kind == planted.kind:
                score.typed += 1
            else:
                evaluation.misses.append(
                    Miss(item.set, item.id, planted.kind, planted.text, f"found as {over.kind}")
                )
    for term in item.keep:
        for start, end in _occurrences(item.text, term):
            result.keep_total += 1
            hit = next((f for f in findings if f.start < end and start < f.end), None)
            if hit is None:
                result.keep_kept += 1
            else:
                evaluation.misses.append(
                    Miss(item.set, item.id, "keep", term, f"redacted as {hit.kind} {hit.text!r}")
                )


def below_baseline(evaluation: Evaluation, baseline: Path) -> list[str]:
    return floors.below(evaluation.figures(), baseline, GoldError)


#: floors are recorded this far under the measured figures, so that a harmless change in
#: one item does not fail the gate while a real loss does
MARGIN = 0.005


def write_baseline(evaluation: Evaluation, baseline: Path) -> None:
    floors_ = {
        metric: {
            name: math.floor(max(0.0, value - MARGIN) * 1000) / 1000
            for name, value in figures.items()
        }
        for metric, figures in evaluation.figures().items()
    }
    baseline.write_text(json.dumps(floors_, indent=2) + "\n", encoding="utf-8")

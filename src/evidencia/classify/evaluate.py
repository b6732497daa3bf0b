"""Measuring a tagger on labelled text no one on the project wrote, beside a keyword baseline.

The evaluation file is a CSV with a ``text`` column and a ``themes`` column of
``;``-separated theme ids. Only the themes the file's source can label are scored (a source
with no tag for a theme would count every right answer as a false positive).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from evidencia.classify.metrics import Scores, score
from evidencia.classify.model import Matrix, TaggerModel
from evidencia.classify.rules import RuleBook


@dataclass(frozen=True)
class LabelledText:
    id: str
    text: str
    themes: frozenset[str]


class EvaluationFileError(ValueError):
    """An evaluation file that cannot be read, naming it and the reason."""


def read_csv(path: Path) -> list[LabelledText]:
    """Rows of an evaluation CSV (columns ``id``, ``text``, ``themes``)."""
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise EvaluationFileError(f"{path}: cannot read ({exc})") from exc
    if rows and not {"id", "text", "themes"} <= set(rows[0]):
        raise EvaluationFileError(f"{path}: needs columns id, text and themes")
    return [
        LabelledText(
            row["id"],
            row["text"],
            frozenset(t for t in (row["themes"] or "").split(";") if t),
        )
        for row in rows
    ]


def model_predictions(
    model: TaggerModel, rules: RuleBook, texts: Sequence[str], vectors: Matrix
) -> list[set[str]]:
    """The themes ``model`` gives each text."""
    hits = [rules.hits(t) for t in texts]
    tags = model.suggest(model.scores(vectors, hits), hits)
    return [{t.label for t in row if t.kind == "theme"} for row in tags]


def keyword_predictions(patterns: Mapping[str, str], texts: Sequence[str]) -> list[set[str]]:
    """The themes a plain keyword baseline gives each text."""
    compiled = {theme: re.compile(p, re.IGNORECASE) for theme, p in patterns.items()}
    return [{theme for theme, rx in compiled.items() if rx.search(text)} for text in texts]


def scored(
    rows: Sequence[LabelledText], predicted: Sequence[set[str]], labels: Sequence[str]
) -> Scores:
    """Per-label figures over ``labels``, every row labelled for each of them."""
    truth = [{label: label in row.themes for label in labels} for row in rows]
    return score(labels, truth, list(predicted))

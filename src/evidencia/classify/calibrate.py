"""Fitting a tagger's thresholds to a network's own labelling, from text labelled by it.

Networks label differently: one files every recommendation that names children under
children, another only those about them. The model's scores rank passages the same way
for both; what differs is where to cut. Calibration keeps the model and chooses, per
theme, the two cuts (with and without the theme's keywords) that give the best F1 on a
labelled file, and measures on it how far each strong keyword rule can be trusted to tag
on its own. :func:`cross_calibrated` measures what that is worth on text the cuts were
not chosen on, by choosing them on one half and scoring the other, and the other way round.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np

from evidencia.classify.evaluate import LabelledText, scored
from evidencia.classify.metrics import Scores, best_threshold_pair
from evidencia.classify.model import Matrix, TaggerModel
from evidencia.classify.train import THEME_DEFAULT_THRESHOLD

FOLDS_SEED = 0
#: a strong rule is trusted to tag alone only if it matched at least this many texts
MIN_FIRED = 3


def calibrated(
    model: TaggerModel,
    rows: Sequence[LabelledText],
    vectors: Matrix,
    rule_hits: Sequence[Sequence[bool]],
    themes: Sequence[str],
) -> TaggerModel:
    """A copy of ``model`` whose cuts and rule trust for ``themes`` are set on ``rows``."""
    scores = model.scores(vectors, rule_hits)
    new = copy.deepcopy(model)
    for column, rule in enumerate(model.rule_ids):
        theme, _trust = model.rule_trust.get(rule, ("", 0.0))
        if theme in themes:
            fired = [row for row, hits in zip(rows, rule_hits, strict=True) if hits[column]]
            right = sum(theme in row.themes for row in fired)
            enough = len(fired) >= MIN_FIRED
            new.rule_trust[rule] = (theme, round(right / len(fired), 4) if enough else 0.0)
    for theme in themes:
        column = model.index(theme)
        mentioned = [theme in model.mentioned(h) for h in rule_hits]
        new.mention_thresholds[theme], new.thresholds[theme] = best_threshold_pair(
            list(scores[:, column]),
            mentioned,
            [theme in row.themes for row in rows],
            THEME_DEFAULT_THRESHOLD,
        )
    return new


def cross_calibrated(
    model: TaggerModel,
    rows: Sequence[LabelledText],
    vectors: Matrix,
    rule_hits: Sequence[Sequence[bool]],
    themes: Sequence[str],
) -> Scores:
    """Figures on ``rows`` with cuts always chosen on the other half of them."""
    order = np.random.default_rng(FOLDS_SEED).permutation(len(rows))
    halves = [np.sort(order[::2]), np.sort(order[1::2])]
    predicted: list[set[str]] = [set() for _ in rows]
    for fit_on, apply_to in ((0, 1), (1, 0)):
        chosen = halves[fit_on]
        tuned = calibrated(
            model,
            [rows[i] for i in chosen],
            vectors[chosen],
            [rule_hits[i] for i in chosen],
            themes,
        )
        target = halves[apply_to]
        subset_hits = [rule_hits[i] for i in target]
        tags = tuned.suggest(tuned.scores(vectors[target], subset_hits), subset_hits)
        for i, row_tags in zip(target, tags, strict=True):
            predicted[i] = {t.label for t in row_tags if t.kind == "theme"}
    return scored(rows, predicted, themes)

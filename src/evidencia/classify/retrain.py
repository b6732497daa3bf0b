"""Retraining the tagger from the starter set and people's reviews, behind a gate.

The new model is measured on held-out examples, and so is the model in use, on the very
same examples; the new one replaces it only if it is not worse on themes (micro and macro
F1, within :data:`TOLERANCE`). Either way the figures are reported, and a replaced model
stays on the shelf for ``evidencia tagger rollback``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from evidencia.classify.examples import (
    VectorCache,
    review_examples,
    starter_digest,
    starter_examples,
    stored_vectors,
)
from evidencia.classify.labels import Label, framework_labels
from evidencia.classify.metrics import Scores
from evidencia.classify.model import TaggerModel
from evidencia.classify.rules import RuleBook
from evidencia.classify.shelf import Shelf
from evidencia.classify.train import Fitted, fit, measure
from evidencia.embed.base import EmbeddingBackend, checked
from evidencia.store.db import Store
from evidencia.store.frameworks import active

#: how much lower a new model's held-out F1 may be and still count as "not worse": less
#: than one example's worth on a held-out set of a few hundred
TOLERANCE = 0.005

Progress = Callable[[str, int, int], None]


@dataclass
class Retrained:
    fitted: Fitted
    #: the model in use before, measured on the same held-out examples (None when it
    #: cannot be: other labels or another embedding model)
    before: Scores | None
    before_version: str
    promoted: bool
    reason: str
    reviews: int


def labels_of(store: Store) -> list[Label]:
    with store.session() as session:
        return framework_labels(active(session))


def retrain(
    store: Store,
    shelf: Shelf,
    backend: EmbeddingBackend,
    rules: RuleBook,
    *,
    use_starter: bool = True,
    on_progress: Progress | None = None,
) -> Retrained:
    """Fit a new version and promote it if it is not worse than the one in use."""
    labels = labels_of(store)
    with store.session() as session:
        reviewed = review_examples(session, labels)
        known = stored_vectors(
            session, backend.name, backend.dim, [int(e.key.split(":")[1]) for e in reviewed]
        )
    examples = (starter_examples(labels) if use_starter else []) + reviewed
    if not any(e.held_out for e in examples) or len(examples) < 20:
        raise ValueError("too few labelled examples to train and measure a tagger (need 20)")
    cache = VectorCache(shelf.cache, backend)

    def embedding(done: int, total: int) -> None:
        if on_progress:
            on_progress("embedding examples", done, total)

    todo = [e.text for e in examples if not e.key.startswith("passage:")]
    todo += [e.text for e in reviewed if int(e.key.split(":")[1]) not in known]
    cache.vectors(todo, on_progress=embedding)  # computes what is new, once
    vectors = np.stack(
        [
            known[int(e.key.split(":")[1])]
            if e.key.startswith("passage:") and int(e.key.split(":")[1]) in known
            else cache.vectors([e.text])[0]
            for e in examples
        ]
    ).astype(np.float32)
    prototypes = cache.vectors([label.prototype for label in labels])
    current = shelf.current()
    fitted = fit(
        labels,
        rules,
        examples,
        vectors,
        prototypes,
        embedder=backend.name,
        version=shelf.next_version(),
        trained={
            "replaces": shelf.current_version(),
            "replaces_model": current.version,
            "starter": starter_digest() if use_starter else None,
            "reviews": len(reviewed),
        },
        on_label=(lambda done, total: on_progress("fitting", done, total)) if on_progress else None,
    )
    held = [i for i, e in enumerate(examples) if e.held_out]
    before: Scores | None = None
    if current.embedder == backend.name and current.themes == fitted.model.themes:
        before = measure(current, [examples[i] for i in held], vectors[held], rules)[0]
    promoted, reason = _gate(fitted.held_out, before)
    if promoted:
        shelf.promote(fitted.model)
    return Retrained(fitted, before, current.version, promoted, reason, len(reviewed))


def _gate(new: Scores, before: Scores | None) -> tuple[bool, str]:
    if before is None:
        return True, "the model in use reads other labels or vectors: nothing to compare"
    if new.micro_f1 < before.micro_f1 - TOLERANCE:
        return False, f"micro-F1 {new.micro_f1:.3f} is below {before.micro_f1:.3f}"
    if new.macro_f1 < before.macro_f1 - TOLERANCE:
        return False, f"macro-F1 {new.macro_f1:.3f} is below {before.macro_f1:.3f}"
    return True, "not worse on held-out themes"


def classify_texts(
    model: TaggerModel, rules: RuleBook, backend: EmbeddingBackend, texts: list[str]
) -> list[tuple[list[str], dict[str, float]]]:
    """For free-standing texts: the themes the model gives each, and every theme's score."""
    if not texts:
        return []
    vectors = checked(backend.embed_passages(texts), len(texts), backend.dim, backend.name)
    hits = [rules.hits(t) for t in texts]
    scores = model.scores(vectors, hits)
    tags = model.suggest(scores, hits)
    themes = model.themes
    return [
        (
            [t.label for t in row if t.kind == "theme"],
            {theme: round(float(scores[i, model.index(theme)]), 4) for theme in themes},
        )
        for i, row in enumerate(tags)
    ]

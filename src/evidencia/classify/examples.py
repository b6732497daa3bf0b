"""Labelled examples the tagger learns from: the shipped starter set and people's reviews.

A starter example is fully labelled for themes (a theme not listed is a "no"); for outcomes
a listed one is a "yes", and the others are a "no" only where the writer named some outcome
of that theme (writers named outcomes only where the evidence was clear). A review is a
partial label: a person said yes or no to one tag of one passage, and nothing about the
rest, so each label learns from the examples that say something about it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from evidencia.classify.labels import Label
from evidencia.embed.base import EmbeddingBackend, checked
from evidencia.store.embeddings import model_input, select_vectors
from evidencia.store.schema import Document, Passage, TagReview

#: a person's decision counts this much more than a starter example: it is the network's
#: own text and its own judgement
REVIEW_WEIGHT = 2.0
#: one example in this many (by a hash of its key) is held out of training for measuring
HELD_OUT_EVERY = 5


@dataclass(frozen=True)
class Example:
    #: stable identity: "starter:<id>" or "passage:<id>", which also decides held-out
    key: str
    text: str
    #: label id -> True (has it) or False (has not); labels not named are unknown
    labels: dict[str, bool]
    weight: float = 1.0

    @property
    def held_out(self) -> bool:
        digest = hashlib.sha256(self.key.encode("utf-8")).digest()
        return digest[0] % HELD_OUT_EVERY == 0


class StarterError(ValueError):
    """A starter file line that cannot be used, naming the file and line."""


def _starter_lines() -> Iterator[tuple[str, int, str]]:
    folder = files("evidencia.data").joinpath("tagger", "starter")
    for resource in sorted(folder.iterdir(), key=lambda r: r.name):
        if resource.name.endswith(".jsonl"):
            for number, line in enumerate(resource.read_text("utf-8").splitlines(), start=1):
                if line.strip():
                    yield resource.name, number, line


def starter_digest() -> str:
    """Changes whenever the starter set does: the shipped model records the one it was
    trained on, and a test keeps the two together."""
    digest = hashlib.sha256()
    for name, _number, line in _starter_lines():
        digest.update(f"{name}\n{line}\n".encode())
    return digest.hexdigest()[:12]


def starter_records() -> list[dict[str, Any]]:
    """The starter set as written: id, lang, genre, text, themes, outcomes."""
    records = []
    for name, number, line in _starter_lines():
        try:
            record = json.loads(line)
            if not isinstance(record.get("text"), str) or not isinstance(record["themes"], list):
                raise ValueError("needs a text and a list of themes")
        except (ValueError, KeyError) as exc:
            raise StarterError(f"starter/{name}:{number}: {exc}") from exc
        records.append(record)
    return records


def starter_examples(labels: Sequence[Label]) -> list[Example]:
    """The starter set as examples for ``labels`` (labels it does not know are unknown)."""
    themes = [label.id for label in labels if label.kind == "theme"]
    outcomes = [label for label in labels if label.kind == "outcome"]
    examples = []
    for record in starter_records():
        has = set(record["themes"])
        named = set(record.get("outcomes", []))
        known: dict[str, bool] = {theme: theme in has for theme in themes}
        for outcome in outcomes:
            if outcome.id in named:
                known[outcome.id] = True
            elif outcome.theme not in has or any(
                o.theme == outcome.theme and o.id in named for o in outcomes
            ):
                known[outcome.id] = False
        examples.append(Example(f"starter:{record['id']}", record["text"], known))
    return examples


def review_examples(session: Session, labels: Sequence[Label]) -> list[Example]:
    """Every reviewed passage as an example: accepted tags are yes, rejected ones no, and an
    accepted outcome also says yes to its theme."""
    theme_of = {label.id: label.theme for label in labels}
    rows = session.execute(
        select(
            TagReview.passage_id,
            TagReview.key,
            TagReview.decision,
            Passage.text,
            Passage.heading_path,
            Document.title,
        )
        .join(Passage, Passage.id == TagReview.passage_id)
        .join(Document, Document.id == Passage.document_id)
        .order_by(TagReview.passage_id)
    ).all()
    by_passage: dict[int, tuple[str, dict[str, bool]]] = {}
    for pid, key, decision, text, headings, title in rows:
        if key not in theme_of:
            continue  # a label of another framework
        _, known = by_passage.setdefault(
            int(pid), (model_input(str(title), list(headings or []), str(text)), {})
        )
        known[key] = decision == "accepted"
        parent = theme_of[key]
        if known[key] and parent:
            known[parent] = True
    return [
        Example(f"passage:{pid}", text, known, REVIEW_WEIGHT)
        for pid, (text, known) in by_passage.items()
    ]


class VectorCache:
    """Vectors of example texts, kept in a file per embedding model so that retraining does
    not send the whole starter set through the model again."""

    def __init__(self, folder: Path, backend: EmbeddingBackend) -> None:
        self.backend = backend
        name = hashlib.sha256(backend.name.encode("utf-8")).hexdigest()[:12]
        self.path = folder / f"vectors-{name}.npz"
        self._known: dict[str, np.ndarray[Any, np.dtype[np.float32]]] = {}
        if self.path.exists():
            with np.load(self.path, allow_pickle=False) as saved:
                keys, matrix = saved["keys"], saved["vectors"]
                if matrix.ndim == 2 and matrix.shape[1] == backend.dim:
                    self._known = dict(zip((str(k) for k in keys), matrix, strict=True))

    def vectors(
        self,
        texts: Sequence[str],
        *,
        batch: int = 64,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray[Any, np.dtype[np.float32]]:
        """One unit vector per text, computing only those not seen before."""
        digests = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        todo = list(dict.fromkeys(d for d in digests if d not in self._known))
        text_of = dict(zip(digests, texts, strict=True))
        for start in range(0, len(todo), batch):
            chunk = todo[start : start + batch]
            computed = checked(
                self.backend.embed_passages([text_of[d] for d in chunk]),
                len(chunk),
                self.backend.dim,
                self.backend.name,
            )
            self._known.update(zip(chunk, computed, strict=True))
            if on_progress:
                on_progress(min(start + batch, len(todo)), len(todo))
        if todo:
            self._save()
        if not digests:
            return np.zeros((0, self.backend.dim), dtype=np.float32)
        return np.stack([self._known[d] for d in digests]).astype(np.float32)

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial.npz")
        keys = np.asarray(list(self._known), dtype=str)
        np.savez(partial, keys=keys, vectors=np.stack(list(self._known.values())))
        partial.replace(self.path)


def stored_vectors(
    session: Session, model: str, dim: int, passage_ids: Sequence[int]
) -> dict[int, np.ndarray[Any, np.dtype[np.float32]]]:
    """The stored vectors of reviewed passages, so they need not be embedded again."""
    ids, matrix = select_vectors(session, model, dim, list(passage_ids))
    return {int(pid): row for pid, row in zip(ids, matrix, strict=True)}

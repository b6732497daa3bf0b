"""A trained tagger: what it reads, how it scores each label, and where it draws the line.

A passage is described to the tagger by three things: its multilingual embedding (the same
vector search uses), its similarity to every label's prototype, and which keyword rules
match it. Each theme has a logistic head over those features; an outcome is scored under
its theme, by its own head where people have labelled enough examples of it, otherwise by
how much nearer the passage is to that outcome's prototype than to its siblings'.

A model is saved as plain arrays (``model.npz``, read without pickle, so a model file
cannot run code) and a readable ``manifest.json`` with its version, labels, thresholds and
held-out figures.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evidencia.classify.labels import Label, LabelKind
from evidencia.classify.rules import RuleBook

FORMAT = 1
MANIFEST = "manifest.json"
ARRAYS = "model.npz"
#: an outcome is only suggested under a suggested theme, and at most this many per theme
OUTCOMES_PER_THEME = 2
#: a strong keyword rule suggests its theme on its own only if, on the examples it was
#: trained on, at least this share of the texts it matched had the theme
RULE_TRUST = 0.6

Matrix = NDArray[np.float32]


class ModelError(RuntimeError):
    """A tagger model that cannot be used, naming the folder and the reason."""


@dataclass(frozen=True, slots=True)
class Tag:
    """One label a model suggests for a passage."""

    label: str
    kind: LabelKind
    score: float
    #: "model:<version>" or "rule:<rule id>"
    origin: str


def _sigmoid(x: Matrix) -> Matrix:
    return (1.0 / (1.0 + np.exp(-np.clip(x, -30.0, 30.0)))).astype(np.float32)


@dataclass
class TaggerModel:
    version: str
    #: the embedding backend whose vectors the model reads (its name includes the version)
    embedder: str
    labels: list[Label]
    #: one unit row per label, from the embedder, in ``labels`` order
    prototypes: Matrix
    rule_ids: list[str]
    #: the theme of each rule, in ``rule_ids`` order
    rule_themes: list[str]
    rules_digest: str
    #: feature standardisation learnt in training
    mean: Matrix
    scale: Matrix
    #: label id -> (weights over the standardised features, bias)
    heads: dict[str, tuple[Matrix, float]]
    thresholds: dict[str, float]
    #: a theme's cut for passages where one of its keyword rules matches (``thresholds``
    #: is the cut for the others): words of the theme make a lower score convincing
    mention_thresholds: dict[str, float] = field(default_factory=dict)
    #: strong rule id -> (its theme, its precision on the training examples)
    rule_trust: dict[str, tuple[str, float]] = field(default_factory=dict)
    #: sharpness of the sibling comparison for outcomes without a head of their own
    outcome_temperature: float = 0.02
    metrics: dict[str, Any] = field(default_factory=dict)
    trained: dict[str, Any] = field(default_factory=dict)

    # -- reading passages ------------------------------------------------------------------

    def features(self, vectors: Matrix, rule_hits: Sequence[Sequence[bool]]) -> Matrix:
        """The standardised features of passages given their vectors and rule hits."""
        hits = np.asarray(rule_hits, dtype=np.float32).reshape(len(vectors), len(self.rule_ids))
        raw = np.hstack([vectors, vectors @ self.prototypes.T, hits]).astype(np.float32)
        return ((raw - self.mean) / self.scale).astype(np.float32)

    def scores(self, vectors: Matrix, rule_hits: Sequence[Sequence[bool]]) -> Matrix:
        """Scores in [0, 1], one column per label (``labels`` order).

        An outcome's score is its theme's score times its share among its siblings, so an
        outcome never outranks the theme it belongs to.
        """
        vectors = np.asarray(vectors, dtype=np.float32)
        x = self.features(vectors, rule_hits)
        out = np.zeros((len(vectors), len(self.labels)), dtype=np.float32)
        column = {label.id: i for i, label in enumerate(self.labels)}
        for i, label in enumerate(self.labels):
            if label.kind == "theme" and label.id in self.heads:
                weights, bias = self.heads[label.id]
                out[:, i] = _sigmoid(x @ weights + np.float32(bias))
        similarity = vectors @ self.prototypes.T
        for theme in {label.theme for label in self.labels if label.theme}:
            members = [i for i, label in enumerate(self.labels) if label.theme == theme]
            logits = similarity[:, members] / self.outcome_temperature
            share = np.exp(logits - logits.max(axis=1, keepdims=True))
            share /= share.sum(axis=1, keepdims=True)
            for j, i in enumerate(members):
                head = self.heads.get(self.labels[i].id)
                own = _sigmoid(x @ head[0] + np.float32(head[1])) if head else share[:, j]
                out[:, i] = out[:, column[theme]] * own
        return out

    def suggest(self, scores: Matrix, rule_hits: Sequence[Sequence[bool]]) -> list[list[Tag]]:
        """The tags each passage gets: labels at or above their threshold, themes a trusted
        strong keyword rule names (scored by the rule's precision when the model is less
        sure), and outcomes only under a suggested theme."""
        origin = f"model:{self.version}"
        suggested: list[list[Tag]] = []
        for row, scored in enumerate(scores):
            themes: dict[str, Tag] = {}
            mentioned = self.mentioned(rule_hits[row])
            for i, label in enumerate(self.labels):
                if label.kind == "theme" and scored[i] >= self.cut(label.id, mentioned):
                    themes[label.id] = Tag(label.id, "theme", float(scored[i]), origin)
            for rule, hit in zip(self.rule_ids, rule_hits[row], strict=True):
                theme, trust = self.rule_trust.get(rule, ("", 0.0))
                if not hit or trust < RULE_TRUST or theme not in self.thresholds:
                    continue
                score = float(scored[self.index(theme)])
                known = themes.get(theme)
                if known is None or (known.origin.startswith("rule:") and trust > known.score):
                    themes[theme] = Tag(theme, "theme", max(score, trust), f"rule:{rule}")
            tags = list(themes.values())
            for theme in themes:
                members = [
                    (float(scored[i]), label.id)
                    for i, label in enumerate(self.labels)
                    if label.theme == theme and scored[i] >= self.thresholds.get(label.id, 1.0)
                ]
                for score, label_id in sorted(members, reverse=True)[:OUTCOMES_PER_THEME]:
                    tags.append(Tag(label_id, "outcome", score, origin))
            suggested.append(tags)
        return suggested

    def mentioned(self, rule_hits: Sequence[bool]) -> set[str]:
        """Themes one of whose keyword rules matched."""
        return {theme for theme, hit in zip(self.rule_themes, rule_hits, strict=True) if hit}

    def cut(self, theme: str, mentioned: set[str]) -> float:
        """The score a theme needs, given the themes whose keywords the passage mentions."""
        if theme in mentioned and theme in self.mention_thresholds:
            return self.mention_thresholds[theme]
        return self.thresholds.get(theme, 0.5)

    def index(self, label_id: str) -> int:
        for i, label in enumerate(self.labels):
            if label.id == label_id:
                return i
        raise KeyError(label_id)

    @property
    def themes(self) -> list[str]:
        return [label.id for label in self.labels if label.kind == "theme"]

    def check_rules(self, rules: RuleBook) -> None:
        """Refuse rules other than those the model was trained with: its weights are per
        rule, in order."""
        if rules.digest != self.rules_digest or rules.ids != self.rule_ids:
            raise ModelError(
                f"tagger {self.version} was trained with other keyword rules "
                f"({self.rules_digest}, now {rules.digest}): run `evidencia tagger train`"
            )

    def digest(self) -> str:
        """A fingerprint of everything that decides what the model suggests."""
        h = hashlib.sha256(self.embedder.encode("utf-8"))
        h.update(self.prototypes.tobytes() + self.mean.tobytes() + self.scale.tobytes())
        for label in sorted(self.heads):
            h.update(label.encode("utf-8") + self.heads[label][0].tobytes())
            h.update(str(self.heads[label][1]).encode("utf-8"))
        h.update(
            json.dumps(
                [self.thresholds, self.mention_thresholds, self.rule_trust], sort_keys=True
            ).encode("utf-8")
        )
        return h.hexdigest()

    # -- files -----------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        head_ids = sorted(self.heads)
        arrays: dict[str, NDArray[Any]] = {
            "prototypes": self.prototypes,
            "mean": self.mean,
            "scale": self.scale,
            "head_weights": np.stack([self.heads[h][0] for h in head_ids]).astype(np.float32),
            "head_bias": np.asarray([self.heads[h][1] for h in head_ids], dtype=np.float32),
        }
        np.savez_compressed(folder / ARRAYS, **arrays)  # type: ignore[arg-type]
        manifest = {
            "format": FORMAT,
            "version": self.version,
            "embedder": self.embedder,
            "labels": [
                {
                    "id": label.id,
                    "kind": label.kind,
                    "title": label.title,
                    "theme": label.theme,
                    "prototype": label.prototype,
                }
                for label in self.labels
            ],
            "rules": {
                "ids": self.rule_ids,
                "themes": self.rule_themes,
                "digest": self.rules_digest,
                "trust": {rule: list(pair) for rule, pair in self.rule_trust.items()},
            },
            "heads": head_ids,
            "thresholds": self.thresholds,
            "mention_thresholds": self.mention_thresholds,
            "outcome_temperature": self.outcome_temperature,
            "metrics": self.metrics,
            "trained": self.trained,
        }
        (folder / MANIFEST).write_text(
            json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: Path | Any) -> TaggerModel:
        """Read a model from a folder (a path or a package resource)."""
        try:
            manifest = json.loads(folder.joinpath(MANIFEST).read_text(encoding="utf-8"))
            with folder.joinpath(ARRAYS).open("rb") as stream:
                arrays = dict(np.load(stream, allow_pickle=False))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"{folder}: not a readable tagger model ({exc})") from exc
        if manifest.get("format") != FORMAT:
            raise ModelError(f"{folder}: tagger model format {manifest.get('format')!r}")
        heads = {
            head: (arrays["head_weights"][i].astype(np.float32), float(arrays["head_bias"][i]))
            for i, head in enumerate(manifest["heads"])
        }
        return cls(
            version=manifest["version"],
            embedder=manifest["embedder"],
            labels=[
                Label(d["id"], d["kind"], d["title"], d["theme"], d["prototype"])
                for d in manifest["labels"]
            ],
            prototypes=arrays["prototypes"].astype(np.float32),
            rule_ids=list(manifest["rules"]["ids"]),
            rule_themes=list(manifest["rules"]["themes"]),
            rules_digest=manifest["rules"]["digest"],
            rule_trust={
                rule: (str(theme), float(trust))
                for rule, (theme, trust) in manifest["rules"].get("trust", {}).items()
            },
            mean=arrays["mean"].astype(np.float32),
            scale=arrays["scale"].astype(np.float32),
            heads=heads,
            thresholds={k: float(v) for k, v in manifest["thresholds"].items()},
            mention_thresholds={
                k: float(v) for k, v in manifest.get("mention_thresholds", {}).items()
            },
            outcome_temperature=float(manifest.get("outcome_temperature", 0.02)),
            metrics=manifest.get("metrics", {}),
            trained=manifest.get("trained", {}),
        )

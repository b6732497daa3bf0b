"""What the tagger can put on a passage: the framework's themes and, below them, outcomes.

The labels come from the framework file, so a network with another strategy gets a tagger
for its own themes by swapping that file and retraining. Each label carries a prototype
text (title, description, keywords) that the multilingual embedding model reads: a passage
near a theme's prototype in that space is likely about it, in any language, before a single
example has been labelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from evidencia.framework import Framework

LabelKind = Literal["theme", "outcome"]


@dataclass(frozen=True, slots=True)
class Label:
    id: str
    kind: LabelKind
    title: str
    #: the theme an outcome sits under; None for a theme
    theme: str | None
    prototype: str


def framework_labels(framework: Framework) -> list[Label]:
    """Themes first (in the framework's order), then every outcome with its theme."""
    labels = [
        Label(
            t.id,
            "theme",
            t.title,
            None,
            ". ".join(part for part in (t.title, t.description, ", ".join(t.keywords)) if part),
        )
        for t in framework.themes
    ]
    for theme, objective, outcome in framework.outcomes():
        labels.append(
            Label(
                outcome.id,
                "outcome",
                outcome.title,
                theme,
                ". ".join(
                    part for part in (outcome.title, outcome.description, objective.title) if part
                ),
            )
        )
    return labels

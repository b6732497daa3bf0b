"""Multilingual keyword rules for the tagger, read from data (``data/tagger/rules.yaml``).

Rules do two jobs. Each is a feature the model weighs, which gives it words it could
otherwise miss in a long passage; and a rule marked ``strong`` names an instrument or phrase
that should settle the question, so it suggests its theme on its own, with the rule as
origin, as long as the labelled examples bear it out (see ``TaggerModel.rule_trust``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from pydantic import BaseModel, ConfigDict, Field, field_validator

from evidencia import datafile
from evidencia.datafile import DataFileError

RULES_FILE = "rules.yaml"


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")
    pattern: str = Field(min_length=2)
    strong: bool = False
    case_sensitive: bool = False

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        return value


class RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: dict[str, list[RuleSpec]]


class RulesError(DataFileError):
    """A rules file that cannot be used, with the file and the reason."""


@dataclass(frozen=True)
class Rule:
    id: str
    theme: str
    strong: bool
    regex: re.Pattern[str]


@dataclass(frozen=True)
class RuleBook:
    rules: tuple[Rule, ...]
    #: changes whenever any rule does, so a model knows the rules it was trained with
    digest: str

    @property
    def ids(self) -> list[str]:
        return [rule.id for rule in self.rules]

    def hits(self, text: str) -> list[bool]:
        """For each rule in order, whether it matches ``text``."""
        return [rule.regex.search(text) is not None for rule in self.rules]


def parse(text: str, source: str) -> RuleBook:
    """Validate and compile a rules file's ``text``; ``source`` names it in errors."""
    spec = datafile.parse(text, source, RulesFile, RulesError)
    rules = tuple(
        Rule(
            r.id,
            theme,
            r.strong,
            re.compile(r.pattern, 0 if r.case_sensitive else re.IGNORECASE),
        )
        for theme, listed in spec.rules.items()
        for r in listed
    )
    return RuleBook(rules, hashlib.sha256(text.encode("utf-8")).hexdigest()[:12])


@cache
def default() -> RuleBook:
    """The rules shipped with the package."""
    resource = files("evidencia.data").joinpath("tagger", RULES_FILE)
    return parse(resource.read_text(encoding="utf-8"), f"evidencia/data/tagger/{RULES_FILE}")

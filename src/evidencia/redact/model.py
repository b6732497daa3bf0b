"""What the redactor finds and returns: the kinds of personal data, a finding, a result.

A finding keeps its character span and the rule that made it, so that a person reviewing a
redaction can see why a word went, and so that the evaluation can say which rule missed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

Kind = Literal[
    "person",
    "phone",
    "email",
    "address",
    "id_number",
    "date_of_birth",
    "iban",
    "licence_plate",
    "case_number",
    "location",
]

#: every kind, in the order reports list them
KINDS: tuple[Kind, ...] = get_args(Kind)

#: the word inside a pseudonym for each kind ("[PERSON 1]", "[ID 2]")
LABELS: Mapping[Kind, str] = {
    "person": "PERSON",
    "phone": "PHONE",
    "email": "EMAIL",
    "address": "ADDRESS",
    "id_number": "ID",
    "date_of_birth": "BIRTH DATE",
    "iban": "IBAN",
    "licence_plate": "PLATE",
    "case_number": "CASE",
    "location": "LOCATION",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of personal data in a text.

    ``rule`` names the detector and the evidence it used ("person.cue", "id.checksum");
    ``sub`` is the finer kind where it is known: the identity scheme whose checksum held
    ("nie", "bsn", "codice_fiscale"), or what a cue said ("passport", "residence_permit").
    """

    kind: Kind
    start: int
    end: int
    text: str
    rule: str
    sub: str | None = None

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "rule": self.rule,
        }
        if self.sub:
            out["sub"] = self.sub
        return out


@dataclass(frozen=True)
class Redacted:
    """A text with its personal data replaced by pseudonyms.

    ``labels[i]`` is the pseudonym that replaced ``findings[i]``; ``mapping`` gives, for each
    pseudonym used in this text, every original it stood for (a person's full name and the
    later "Amina" alike), which is what a subject-access export needs.
    """

    text: str
    findings: tuple[Finding, ...]
    labels: tuple[str, ...]
    mapping: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "findings": [
                {**f.as_json(), "label": label}
                for f, label in zip(self.findings, self.labels, strict=True)
            ],
            "mapping": {k: list(v) for k, v in self.mapping.items()},
        }

"""Consistent pseudonyms within one document: "[PERSON 1]" stays the same person from the
first passage to the last, also where a later passage says only "Amina" or "Diallo" (as
long as only one person so named has been seen), "[PHONE 1]" the same number however it
is spaced. The mapping from pseudonym to originals is kept: a subject-access export of
everything held about one pseudonymised person starts from it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from evidencia.redact.model import LABELS, Finding, Kind
from evidencia.redact.names import name_stems
from evidencia.redact.text import fold, language_of


@dataclass
class _Person:
    label: str
    stems: set[str] = field(default_factory=set)


def _value_key(finding: Finding) -> str:
    """What makes two mentions the same value: the digits of a phone, the letters and
    digits of a number, the folded words of an address."""
    text = finding.text
    if finding.kind == "phone":
        digits = re.sub(r"\D", "", text)
        return digits[-9:] if len(digits) >= 9 else digits
    if finding.kind in ("id_number", "iban", "licence_plate", "case_number"):
        return re.sub(r"[\W_]", "", text).upper()
    if finding.kind == "email":
        return text.lower()
    return " ".join(fold(w) for w in re.findall(r"\w+", text))


class Pseudonyms:
    """Pseudonyms for one document; use one instance for all of a document's passages."""

    def __init__(self) -> None:
        self._counts: dict[Kind, int] = {}
        self._values: dict[tuple[Kind, str], str] = {}
        self._people: list[_Person] = []
        self._originals: dict[str, list[str]] = {}

    def _new(self, kind: Kind) -> str:
        self._counts[kind] = self._counts.get(kind, 0) + 1
        return f"[{LABELS[kind]} {self._counts[kind]}]"

    def _record(self, label: str, original: str) -> str:
        seen = self._originals.setdefault(label, [])
        if original not in seen:
            seen.append(original)
        return label

    def label(self, finding: Finding, language: str | None = None) -> str:
        """The pseudonym for ``finding``, the same one as for earlier mentions of it."""
        if finding.kind == "person":
            return self._record(self._person(finding, language_of(language)), finding.text)
        key = (finding.kind, _value_key(finding))
        label = self._values.get(key)
        if label is None:
            label = self._new(finding.kind)
            self._values[key] = label
        return self._record(label, finding.text)

    def _person(self, finding: Finding, lang: str | None) -> str:
        stems = name_stems(finding.text, lang) or {fold(finding.text)}
        same = [p for p in self._people if p.stems == stems]
        if same:
            return same[0].label
        # a shorter mention of one known person ("Amina" after "Amina Diallo")
        wider = [p for p in self._people if stems < p.stems]
        if len(wider) == 1:
            return wider[0].label
        # a fuller mention of one known short one ("Amina Diallo" after "Amina")
        narrower = [p for p in self._people if p.stems < stems]
        if len(narrower) == 1 and not wider:
            narrower[0].stems |= stems
            return narrower[0].label
        person = _Person(self._new("person"), set(stems))
        self._people.append(person)
        return person.label

    def known_stems(self) -> set[str]:
        """The name words seen so far, for finding later mentions in other passages."""
        return {s for p in self._people for s in p.stems}

    @property
    def mapping(self) -> dict[str, tuple[str, ...]]:
        """Every pseudonym given in this document and the originals it stands for."""
        return {label: tuple(originals) for label, originals in self._originals.items()}

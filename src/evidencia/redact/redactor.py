"""The public entry points: find the personal data in a text, or replace it."""

from __future__ import annotations

from evidencia.redact.detect import detect
from evidencia.redact.model import Finding, Redacted
from evidencia.redact.pseudonyms import Pseudonyms


def _check(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"expected text (str), got {type(text).__name__}")
    return text


def find_personal_data(text: str, language: str | None = None) -> list[Finding]:
    """Personal data in ``text``, in order; ``language`` (ISO 639-1, "fr" or "fr-BE") picks
    the cue phrases, phone regions and name rules; without it all languages are tried."""
    return detect(_check(text), language)


def redact(
    text: str, language: str | None = None, pseudonyms: Pseudonyms | None = None
) -> Redacted:
    """``text`` with its personal data replaced by pseudonyms ("[PERSON 1]", "[PHONE 2]").

    Pass the same ``pseudonyms`` for every passage of one document: a person keeps their
    pseudonym across passages, and a name seen in one passage is found again in the next
    when it comes back alone ("Diallo").
    """
    text = _check(text)
    names = pseudonyms if pseudonyms is not None else Pseudonyms()
    findings = detect(text, language, names.known_stems())
    labels = [names.label(f, language) for f in findings]
    parts, pos = [], 0
    for finding, label in zip(findings, labels, strict=True):
        parts.append(text[pos : finding.start])
        parts.append(label)
        pos = finding.end
    parts.append(text[pos:])
    full = names.mapping
    used = {label: full[label] for label in dict.fromkeys(labels)}
    return Redacted("".join(parts), tuple(findings), tuple(labels), used)

"""Case and file numbers: the reference of someone's own file at an authority, a court or
an organisation, found after a cue ("expediente n.º", "Aktenzeichen", "numero di pratica",
"sygnatura sprawy", "αρ. υπόθεσης"). Published case law (ECLI, "C-181/16") is evidence
and has no such cue; the instrument enricher's spans keep it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from evidencia.redact.context import Candidate, Context
from evidencia.redact.numbers import reference_after

_YEAR = re.compile(r"(?:19|20)\d{2}")


def _reference(value: str) -> bool:
    """Enough of a reference: five digits, or four with a separator or letters; a bare
    year ("since 2019") is not one."""
    digits = sum(ch.isdigit() for ch in value)
    if _YEAR.fullmatch(value) or digits < 3:
        return False
    return digits >= 5 or any(not ch.isdigit() for ch in value)


def cases(ctx: Context) -> Iterator[Candidate]:
    text = ctx.text
    for cue in ctx.cues("case"):
        found = reference_after(text, cue.end(), 70)
        if found is None:
            continue
        start, end = found
        if ctx.keep.overlaps(start, end):
            continue
        if _reference(re.sub(r"\s", "", text[start:end])):
            yield ctx.candidate("case_number", start, end, "case.cue", 84)

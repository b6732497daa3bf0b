"""Licence plates. Formats distinctive enough to stand alone (French AB-123-CD, Spanish
1234 BCD, Italian AB 123 CD, Belgian 1-ABC-123, British AB12 CDE, Greek ΙΚΥ 1234...) are
taken wherever they appear; any other plate-like word only after a cue ("Kennzeichen",
"matrícula", "tablica rejestracyjna"). The formats are data: ``places.yaml`` ``plates``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from evidencia.redact import data
from evidencia.redact.context import Candidate, Context

_EDGE_L = r"(?<![\w/.-])"
_YEAR = re.compile(r"(?:19[5-9]|20[0-3])\d\b")
_EDGE_R = r"(?![\w/]|-\w|\.\d)"


@cache
def _strong() -> re.Pattern[str]:
    formats = "|".join(f"(?:{p})" for p in data.places().plates.strong.values())
    return re.compile(f"{_EDGE_L}(?:{formats}){_EDGE_R}")


@cache
def _cued() -> re.Pattern[str]:
    formats = "|".join(f"(?:{p})" for p in data.places().plates.cued.values())
    return re.compile(f"{_EDGE_L}(?:{formats}){_EDGE_R}")


def _plate_like(value: str) -> bool:
    return any(ch.isdigit() for ch in value) and any(ch.isalpha() for ch in value)


def plates(ctx: Context) -> Iterator[Candidate]:
    text = ctx.text
    for match in _strong().finditer(text):
        if _plate_like(match.group()):
            cued = ctx.cue_before("plate", match.start(), 40) is not None
            if not cued and (_YEAR.match(match.group()) or ctx.keep.overlaps(*match.span())):
                continue  # "the 2018 GCM": a year and an acronym
            yield ctx.candidate(
                "licence_plate", match.start(), match.end(), "plate.format", 82 if cued else 78
            )
    pattern = _cued()
    for cue in ctx.cues("plate"):
        window_end = min(len(text), cue.end() + 40)
        for match in pattern.finditer(text, cue.end(), window_end):
            if _plate_like(match.group()) and len(match.group()) >= 5:
                yield ctx.candidate("licence_plate", match.start(), match.end(), "plate.cue", 80)
                break

"""Dates of birth: a date (or a year) just after a birth cue ("born on", "née le", "nacido
el", "geboren am", "nata il", "urodziłem się", "γεννήθηκα"...).

Other dates stay: when a raid, an arrest or a hearing happened is evidence. Month names in
every language come from CLDR (Babel), in the forms dates use ("12 marca", "12 Μαρτίου").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache

from babel import Locale

from evidencia.redact.context import Candidate, Context
from evidencia.redact.text import LANGUAGES

_NUMERIC = r"\d{1,2}\s?[./-]\s?\d{1,2}\s?[./-]\s?(?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}"
_NUMERIC_RE = re.compile(rf"(?:{_NUMERIC})")


def _strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


@cache
def month_names() -> tuple[str, ...]:
    """Month names and abbreviations in the languages covered, in every grammatical form
    CLDR gives (Polish and Greek dates use the genitive), with and without accents."""
    names: set[str] = set()
    for code in LANGUAGES:
        locale = Locale.parse(code)
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for name in locale.months[context][width].values():
                    name = name.rstrip(".")
                    if len(name) >= 3:
                        names.add(name)
                        names.add(_strip_accents(name))
    return tuple(sorted(names, key=len, reverse=True))


@cache
def _textual() -> re.Pattern[str]:
    months = "|".join(re.escape(m) for m in month_names())
    day = r"\d{1,2}(?:st|nd|rd|th|er|º|ª|\.)?"
    year = r"\d{4}"
    return re.compile(
        rf"(?i:(?<!\w){day}(?:\s+(?:de|of|di|van))?\s+(?:{months})\.?"
        rf"(?:,?\s+(?:de\s+|del\s+)?{year})"
        rf"|(?<!\w)(?:{months})\.?\s+{day},?\s+{year})(?!\d)"
    )


@cache
def _date_at() -> re.Pattern[str]:
    """A date at the start of the searched range, after at most a few linking words."""
    return re.compile(
        rf"(?:(?!\n\n)[^\d.!;]){{0,30}}?(?<![\d/.-])({_NUMERIC}|{_textual().pattern})(?![\d/])"
    )


_YEAR_AT = re.compile(
    r"(?i)\s{1,3}(?:in|en|em|en el año|im jahr|w|nel|in het jaar|το)?\s*"
    r"((?:19|20)\d{2})(?![\d/.-]\d)"
)


def is_date(token: str) -> bool:
    return bool(_NUMERIC_RE.fullmatch(token))


def births(ctx: Context) -> Iterator[Candidate]:
    text = ctx.text
    pattern = _date_at()
    for cue in ctx.cues("birth"):
        match = pattern.match(text, cue.end(), min(len(text), cue.end() + 60))
        if match is not None and ". " not in text[cue.end() : match.start(1)].replace("?", ""):
            yield ctx.candidate("date_of_birth", match.start(1), match.end(1), "birth.date", 88)
            continue
        year = _YEAR_AT.match(text, cue.end(), min(len(text), cue.end() + 20))
        if year is not None:
            yield ctx.candidate("date_of_birth", year.start(1), year.end(1), "birth.year", 88)
            continue
        before = _date_before(text, cue.start())
        if before is not None:
            yield ctx.candidate("date_of_birth", before[0], before[1], "birth.date", 88)


def _date_before(text: str, end: int) -> tuple[int, int] | None:
    """A date shortly before a cue that ends its clause ("am 2. Februar 1999 in Herat
    geboren", "op 3 mei 1990 in Tanger geboren")."""
    start = max(0, end - 60)
    window = text[start:end]
    stops = list(re.finditer(r"(?<![\d\s])[.!?]\s|\n\s*\n", window))  # not "2. Februar"
    if stops:
        start, window = start + stops[-1].end(), window[stops[-1].end() :]
    found = None
    for match in re.finditer(rf"(?<![\d/.-])(?:{_NUMERIC}|{_textual().pattern})(?![\d/])", window):
        found = (start + match.start(), start + match.end())
    return found

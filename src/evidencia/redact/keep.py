"""What must survive redaction: the evidence. Countries, their people and the cities the
country enricher knows, legal instruments (directives, UN symbols, ECLI, short names such as
"Return Directive"), and the organisations named in ``data/redact/places.yaml``. The
detectors consult these spans so that "Florence" the city, the "Dublin Regulation" or
"Médecins du Monde" are never taken for a person or a workplace."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache

from evidencia.enrich.countries import CountryEnricher
from evidencia.enrich.instruments import InstrumentEnricher
from evidencia.redact import data


@cache
def _countries() -> CountryEnricher:
    return CountryEnricher()


@cache
def _instruments() -> InstrumentEnricher:
    return InstrumentEnricher()


@dataclass(frozen=True)
class KeepSpans:
    """Sorted, non-overlapping spans of a text that name evidence."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.ends, start + 1)
        return i < len(self.starts) and self.starts[i] < end

    def covers(self, start: int, end: int) -> bool:
        """Whether one kept span holds all of ``start``..``end``."""
        i = bisect.bisect_right(self.starts, start) - 1
        return i >= 0 and self.ends[i] >= end


_CAP = r"[^\W\d_a-zß-ÿα-ω][\w'’\-]*"
_NAME = rf"{_CAP}(?:\s+(?:(?:van|von|de|del|da|di|der|den|el|al)\s+)?{_CAP}){{0,3}}"
_OTHERS = r"(?:\s+(?:and\s+others|et\s+autres|y\s+otros|e\s+altri|e\s+outros|u\.\s*a\.|"
_OTHERS += r"en\s+anderen|i\s+inni|και\s+λοιποί|and\s+Others))?"
_CASE_NUMBER = re.compile(rf"\b[CTF]-\d{{1,4}}/\d{{2}}(?:\s+(?:PPU|P|RENV))?\s+({_NAME})")


@cache
def _case_law(lang: str | None) -> tuple[re.Pattern[str], ...]:
    """Case titles: a name after "judgment"/"Urteil"/"απόφαση", on either side of "v."."""
    out: list[re.Pattern[str]] = [_CASE_NUMBER]
    judgment = data.cues("judgment", lang)
    if judgment is not None:
        out.append(re.compile(rf"(?:{judgment.pattern})\s+(?:in\s+|the\s+)?({_NAME})"))
    versus = data.cues("versus", lang)
    if versus is not None:
        out.append(re.compile(rf"({_NAME}){_OTHERS}\s+(?:{versus.pattern})\s+({_NAME})"))
    return tuple(out)


def keep_spans(text: str, lang: str | None) -> KeepSpans:
    spans: list[tuple[int, int]] = []
    for pattern in _case_law(lang):
        for match in pattern.finditer(text):
            spans.extend(match.span(g) for g in range(1, (match.lastindex or 0) + 1))
    for mention in _countries().find(text, lang):
        spans.append((mention.start, mention.end))
    for mention in _instruments().find(text, lang):
        spans.append((mention.start, mention.end))
    organisations = data.organisations()
    if organisations is not None:
        spans.extend(m.span() for m in organisations.finditer(text))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return KeepSpans(tuple(s for s, _ in merged), tuple(e for _, e in merged))

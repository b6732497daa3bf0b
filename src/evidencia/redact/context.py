"""What every detector sees of one text: the text, its language, the spans that must be
kept, the gazetteer, the cue phrases found in it (searched once per section), and the
candidates detectors propose with how much they trust them."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from evidencia.redact import data
from evidencia.redact.gazetteer import Gazetteer
from evidencia.redact.keep import KeepSpans
from evidencia.redact.model import Finding, Kind

# the end of a sentence: not the dot of a number ("2. Februar") or of a short abbreviation
# ("n.", "Az.", "Dr.")
SENTENCE_END = re.compile(r"(?<=[^\W\d_]{3})\.(?:\s|$)|[!?](?:\s|$)")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A proposed finding; where candidates overlap, the higher ``priority`` wins."""

    finding: Finding
    priority: int


@dataclass
class Context:
    text: str
    lang: str | None
    keep: KeepSpans
    gaz: Gazetteer
    _cues: dict[str, tuple[list[int], list[re.Match[str]]]] = field(default_factory=dict)

    def cues(self, section: str) -> list[re.Match[str]]:
        return self._indexed(section)[1]

    def _indexed(self, section: str) -> tuple[list[int], list[re.Match[str]]]:
        found = self._cues.get(section)
        if found is None:
            pattern = data.cues(section, self.lang)
            matches = list(pattern.finditer(self.text)) if pattern is not None else []
            found = ([m.end() for m in matches], matches)
            self._cues[section] = found
        return found

    def cue_before(
        self, section: str, pos: int, window: int, sentence: bool = False
    ) -> re.Match[str] | None:
        """The nearest cue of ``section`` ending within ``window`` characters before
        ``pos``, in the same paragraph (or, with ``sentence``, the same sentence)."""
        ends, matches = self._indexed(section)
        i = bisect.bisect_right(ends, pos) - 1
        while i >= 0 and ends[i] >= pos - window:
            match = matches[i]
            between = self.text[match.end() : pos]
            if "\n\n" not in between and not (sentence and SENTENCE_END.search(between)):
                return match
            i -= 1
        return None

    def candidate(
        self,
        kind: Kind,
        start: int,
        end: int,
        rule: str,
        priority: int,
        sub: str | None = None,
    ) -> Candidate:
        text = self.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return Candidate(Finding(kind, start, end, text[start:end], rule, sub), priority)

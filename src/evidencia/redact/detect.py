"""Finding personal data in one text: run every detector, settle overlaps, then find the
later mentions of the people found.

Where candidates overlap, the one the detectors trust more wins (an e-mail address over
the name inside it, a checksum-valid number over a phone-like reading of it, a workplace
over the surname in its name); a loser that reaches beyond the winner keeps what is left
of it, so that nothing found is given back unredacted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from evidencia.redact import addresses, cases, contact, dates, names, numbers, plates
from evidencia.redact.context import Candidate, Context
from evidencia.redact.gazetteer import gazetteer
from evidencia.redact.keep import keep_spans
from evidencia.redact.model import Finding
from evidencia.redact.text import LANGUAGES, language_of

Detector = Callable[[Context], Iterator[Candidate]]

DETECTORS: tuple[Detector, ...] = (
    contact.emails,
    numbers.ibans,
    numbers.checksummed,
    numbers.cued,
    contact.phones,
    dates.births,
    cases.cases,
    plates.plates,
    addresses.addresses,
    addresses.locations,
    names.persons,
)

#: the longest text searched in one piece; longer texts are cut at line breaks
MAX_CHARS = 20_000


def _resolve(candidates: Iterable[Candidate]) -> list[Finding]:
    ordered = sorted(
        candidates,
        key=lambda c: (-c.priority, -(c.finding.end - c.finding.start), c.finding.start),
    )
    taken: list[tuple[int, int]] = []
    out: list[Finding] = []
    for cand in ordered:
        f = cand.finding
        if f.end <= f.start:
            continue
        overlapping = sorted((s, e) for s, e in taken if s < f.end and f.start < e)
        if not overlapping:
            taken.append((f.start, f.end))
            out.append(f)
            continue
        rest = _uncovered(f, overlapping)
        if rest is not None:
            taken.append((rest.start, rest.end))
            out.append(rest)
    out.sort(key=lambda f: f.start)
    return out


def _uncovered(f: Finding, overlapping: list[tuple[int, int]]) -> Finding | None:
    """The longest part of ``f`` outside the spans already taken, if it holds a word."""
    pieces, pos = [], f.start
    for s, e in overlapping:
        if s > pos:
            pieces.append((pos, s))
        pos = max(pos, e)
    if pos < f.end:
        pieces.append((pos, f.end))
    best: Finding | None = None
    for s, e in pieces:
        part = f.text[s - f.start : e - f.start]
        lead = len(part) - len(part.lstrip(" ,;:.-/\n\t()"))
        part = part.strip(" ,;:.-/\n\t()")
        if sum(ch.isalnum() for ch in part) < 2:
            continue
        start = s + lead
        piece = Finding(f.kind, start, start + len(part), part, f.rule, f.sub)
        if best is None or len(piece.text) > len(best.text):
            best = piece
    return best


def warm() -> None:
    """Load the gazetteer and build every language's tables now rather than on the first
    text in that language."""
    sample = "Warm-up: Ana López, tel. 612 345 678, Calle Mayor 1, Madrid, works at X Ltd."
    for lang in (None, *LANGUAGES):
        detect(sample, lang)


def detect(text: str, language: str | None, known: Iterable[str] = ()) -> list[Finding]:
    """Every finding in ``text``; ``known`` are name stems found earlier in the document."""
    if not text.strip():
        return []
    if len(text) > MAX_CHARS:
        return _in_pieces(text, language, known)
    lang = language_of(language)
    ctx = Context(text, lang, keep_spans(text, lang), gazetteer())
    candidates = [c for detector in DETECTORS for c in detector(ctx)]
    found = _resolve(candidates)
    stems = set(known)
    for f in found:
        if f.kind == "person":
            stems |= names.name_stems(f.text, lang)
    if not stems:
        return found
    taken = [(f.start, f.end) for f in found]
    extra = list(names.known_mentions(ctx, stems, taken))
    if not extra:
        return found
    return _resolve(candidates + extra)


def _in_pieces(text: str, language: str | None, known: Iterable[str]) -> list[Finding]:
    """A very long text in pieces cut between lines (or words), so that no pattern ever
    runs over more than ``MAX_CHARS`` at once; names found early are found again later."""
    out: list[Finding] = []
    stems = set(known)
    pos = 0
    while pos < len(text):
        end = min(len(text), pos + MAX_CHARS)
        if end < len(text):
            # at a line break, else at a space, so that no word is cut in two
            cut = text.rfind("\n", pos + MAX_CHARS // 2, end)
            if cut == -1:
                cut = text.rfind(" ", pos + MAX_CHARS // 2, end)
            end = cut + 1 if cut != -1 else end
        piece = text[pos:end]
        for f in detect(piece, language, stems):
            shifted = Finding(f.kind, f.start + pos, f.end + pos, f.text, f.rule, f.sub)
            out.append(shifted)
            if f.kind == "person":
                stems |= names.name_stems(f.text, language_of(language))
        pos = end
    return out

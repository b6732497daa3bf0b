"""What the enrichers find in a free-standing text (``evidencia analyze``, and the API).

This is the scriptable face of the pipeline: the same enrichers that annotate stored
passages, run over text no document holds, with results grouped the way people ask for them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from evidencia.enrich.base import Enricher, Mention
from evidencia.ingest import language as language_detection

Presenter = Callable[[list[Mention]], dict[str, Any]]


def _distinct(keys: list[str]) -> list[str]:
    return list(dict.fromkeys(keys))


def _countries(mentions: list[Mention]) -> dict[str, Any]:
    return {
        "countries": _distinct([m.key for m in mentions if m.kind == "country"]),
        "scopes": _distinct([m.key for m in mentions if m.kind == "scope"]),
    }


def _instruments(mentions: list[Mention]) -> dict[str, Any]:
    """One entry per instrument and paragraph, in order of first mention."""
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for m in mentions:
        entry = {"id": m.key, "kind": m.kind, "label": m.label, "url": m.attrs.get("url", "")}
        entry.update({k: m.attrs[k] for k in ("paragraph", "objective") if k in m.attrs})
        seen.setdefault((m.key, m.attrs.get("paragraph", "")), entry)
    return {"instruments": list(seen.values())}


#: what makes free text a citation rather than prose that names a title in passing
_CITATION_FIELDS = ("author", "year", "url", "doi")


def _references(mentions: list[Mention]) -> dict[str, Any]:
    """References with an author, a year or an address: in a footnote a bare title is a
    citation, but in free prose it is usually just a sentence naming something."""
    cited = [m for m in mentions if any(m.attrs.get(f) for f in _CITATION_FIELDS)]
    return {"references": [{"key": m.key, "label": m.label, **m.attrs} for m in cited]}


#: how an enricher's findings are grouped for people; others are listed under their name
PRESENTERS: dict[str, Presenter] = {
    "countries": _countries,
    "instruments": _instruments,
    "references": _references,
}


def analyze(text: str, enrichers: Sequence[Enricher]) -> dict[str, Any]:
    lang = language_detection.detect(text)
    result: dict[str, Any] = {"language": lang}
    for enricher in enrichers:
        mentions = sorted(enricher.find(text, lang), key=lambda m: m.start)
        present = PRESENTERS.get(enricher.name)
        if present is not None:
            result.update(present(mentions))
        else:
            result[enricher.name] = [
                {"kind": m.kind, "key": m.key, "label": m.label, **m.attrs} for m in mentions
            ]
    return result

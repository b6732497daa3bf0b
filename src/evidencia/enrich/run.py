"""Running enrichers over one document's texts: the step between reading and storing.

Ingestion calls this in its worker processes, so enrichment runs in parallel with reading;
``evidencia enrich`` calls it again over stored documents when an enricher is new or changed.
A failing enricher costs only its own results: the document is still stored, the failure is
reported, and a later ``evidencia enrich`` retries it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from evidencia.enrich.base import Enricher, Mention, TextUnit


@dataclass(frozen=True, slots=True)
class Found:
    """A mention, which enricher (at which version) found it, and in which of the units."""

    enricher: str
    version: str
    unit: int
    mention: Mention


@dataclass
class Enriched:
    """What the pipeline produced for one document."""

    found: list[Found] = field(default_factory=list)
    #: (name, version) of every enricher that completed: their results replace older ones
    completed: list[tuple[str, str]] = field(default_factory=list)
    #: enricher name -> error message, for those that failed
    errors: dict[str, str] = field(default_factory=dict)


def enrich_units(units: Sequence[TextUnit], enrichers: Sequence[Enricher]) -> Enriched:
    result = Enriched()
    for enricher in enrichers:
        try:
            per_unit = enricher.find_all(units)
            if len(per_unit) != len(units):
                raise ValueError(f"returned {len(per_unit)} results for {len(units)} texts")
        except Exception as exc:  # an enricher bug must not lose the document
            result.errors[enricher.name] = f"{type(exc).__name__}: {exc}"
            continue
        result.completed.append((enricher.name, enricher.version))
        result.found.extend(
            Found(enricher.name, enricher.version, index, mention)
            for index, mentions in enumerate(per_unit)
            for mention in mentions
        )
    return result

"""Enrichers by name: built-ins plus plug-ins, and the pipeline the data file asks for.

A plug-in package adds an enricher by declaring an entry point in the ``evidencia.enrichers``
group that points at a class meeting :class:`~evidencia.enrich.base.Enricher`. Built-ins are
imported only when asked for, because building their tables (country names in 24 languages)
costs time that a command which never enriches should not pay.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import yaml

from evidencia import plugins
from evidencia.enrich.base import Enricher

BUILTIN_ENRICHERS: dict[str, str] = {
    "countries": "evidencia.enrich.countries:CountryEnricher",
    "instruments": "evidencia.enrich.instruments:InstrumentEnricher",
    "references": "evidencia.enrich.references:ReferenceEnricher",
}


class UnknownEnricher(KeyError):
    def __str__(self) -> str:
        return f"no enricher named {self.args[0]!r} (known: {', '.join(names())})"


def _targets() -> dict[str, str]:
    return plugins.available("evidencia.enrichers", BUILTIN_ENRICHERS)


def names() -> list[str]:
    """Every enricher that can be asked for by name."""
    return sorted(_targets())


@cache
def get(name: str) -> Enricher:
    """The (shared, stateless) enricher called ``name``."""
    target = _targets().get(name)
    if target is None:
        raise UnknownEnricher(name)
    enricher: Enricher = plugins.instantiate(target)
    return enricher


def pipeline_names() -> list[str]:
    """The enrichers the packaged pipeline file lists, in order."""
    raw = yaml.safe_load(files("evidencia.data").joinpath("pipeline.yaml").read_text("utf-8"))
    listed = raw.get("enrichers", []) if isinstance(raw, dict) else []
    return [str(name) for name in listed]


def pipeline(only: list[str] | None = None) -> list[Enricher]:
    """The pipeline's enrichers, or just ``only`` (which need not be in the pipeline file)."""
    return [get(name) for name in (only or pipeline_names())]

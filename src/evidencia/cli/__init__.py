"""The ``evidencia`` command line. ``main`` holds the app and the ingest/browse commands;
the other modules add their command groups to it when imported here."""

from evidencia.cli import (
    accounts,
    audit,
    embed,
    enrich,
    framework,
    redact,
    search,
    serve,
    tagger,
)
from evidencia.cli.main import app

__all__ = [
    "accounts",
    "app",
    "audit",
    "embed",
    "enrich",
    "framework",
    "redact",
    "search",
    "serve",
    "tagger",
]

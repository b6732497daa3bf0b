"""The ``evidencia`` command line. ``main`` holds the app and the ingest/browse commands;
the other modules add their command groups to it when imported here."""

from evidencia.cli import embed, enrich, framework, search
from evidencia.cli.main import app

__all__ = ["app", "embed", "enrich", "framework", "search"]

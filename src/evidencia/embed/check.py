"""What ``evidencia check`` should say about embeddings and the semantic index.

None of this makes the store inconsistent in the sense of the other checks: vectors are
added after ingestion and the index is derived and rebuilt on demand. These are things to
do (``evidencia embed``), so they are best shown as warnings; damaged vectors are the
exception, and say so.
"""

from __future__ import annotations

from sqlalchemy import func, select

from evidencia.embed import registry
from evidencia.embed.base import EmbeddingBackend
from evidencia.search import word_index
from evidencia.search.semantic import index_status
from evidencia.store.db import Store
from evidencia.store.embeddings import count_due, models, wrong_size
from evidencia.store.schema import Passage


def check_index(store: Store, backend: EmbeddingBackend | None = None) -> list[str]:
    """Passages without a vector from the configured backend, damaged vectors, and a
    missing or stale index; empty when all is in order. Loads no model."""
    try:
        backend = backend or registry.get()
    except Exception as exc:  # a broken plug-in must not stop the rest of the check
        return [f"embedding backend: {exc}"]
    model = backend.name
    found: list[str] = []
    with store.session() as session:
        passages = int(session.scalar(select(func.count()).select_from(Passage)) or 0)
        due = count_due(session, model, backend.dim)
        damaged = wrong_size(session)
        others = {name: n for name, n in models(session).items() if name != model}
    if due:
        other = f"; {sum(others.values())} have one from another model" if others else ""
        found.append(
            f"{due} of {passages} passages have no vector from {model}{other} "
            "(run `evidencia embed`)"
        )
    if damaged:
        found.append(f"{damaged} stored vectors have the wrong size (run `evidencia embed`)")
    if passages:
        with store.session() as session:
            if word_index.wanted(session) and not word_index.is_current(store, session):
                found.append(
                    "the word index is missing or out of date: plain-word queries use the "
                    "slower full-text index until `evidencia embed` rebuilds it"
                )
        status = index_status(store, model)
        if status != "current":
            found.append(
                f"the semantic index for {model} is {status} "
                "(run `evidencia embed`; a search also rebuilds it)"
            )
    return found

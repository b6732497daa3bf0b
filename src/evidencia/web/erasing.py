"""Erasing a document from the running app (the page's "Erase for good" and
``DELETE /api/v1/documents/{id}``): :func:`evidencia.erasure.erase` removes it from the data
directory and records it; then every cache of this process lets go of it, explicitly, not
only by the change counters that make old entries unreachable (unreachable is still in
memory): kept search results (titles, snippets), kept scope listings (passage ids), loaded
vector and word indexes, remembered query vectors (a query may quote the document), and the
upload batches' file names and numbers.
"""

from __future__ import annotations

from evidencia import audit, erasure
from evidencia.search import semantic, word_index
from evidencia.search.scope import forget_listed
from evidencia.web.searching import forget_results
from evidencia.web.state import WebState


def erase(web: WebState, document_id: int, actor: audit.Actor) -> erasure.Erased:
    """Erase one document everywhere; :class:`evidencia.erasure.NoSuchDocument` if none."""
    erased = erasure.erase(web.store, document_id, actor)
    forget_caches(web, document_id)
    return erased


def forget_caches(web: WebState, document_id: int) -> None:
    """Every in-memory trace of the document in this process, gone."""
    forget_results()
    forget_listed()
    semantic.forget_loaded()
    word_index.forget_opened()
    web.searcher.forget_queries()
    web.uploads.forget_document(document_id)

"""``/search`` and ``/similar``: the search page's results as JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from evidencia.embed.base import EmbeddingError
from evidencia.search.modes import Request as SearchRequest
from evidencia.web import corpus
from evidencia.web.api.auth import Caller
from evidencia.web.api.errors import ApiError
from evidencia.web.auditing import record_hits
from evidencia.web.context import web_state
from evidencia.web.models import ErrorBody, HitOut, SearchResult
from evidencia.web.params import Id, search_params
from evidencia.web.searching import SearchParams, run, search_slot

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchResult, summary="Search passages")
def search(
    request: Request,
    me: Caller,
    params: Annotated[SearchParams, Depends(search_params)],
    facets: Annotated[bool, Query(description="Also count matches per facet.")] = False,
) -> Response:
    """Cited passages for a query, within what the caller may see. With no query, the
    passages passing the filters are listed (``mode`` is then ``browse``)."""
    web = web_state(request)
    result = run(web.searcher, me.viewer, params, facets=facets)
    record_hits(web.store, me.actor, result.hits)
    # already a SearchResult: serialised directly rather than validated again on the way
    # out, which cost as much as the rest of a kept result's answer under load
    return Response(result.model_dump_json(by_alias=True), media_type="application/json")


@router.get(
    "/similar/{passage_id}",
    response_model=list[HitOut],
    summary="More like this passage",
    responses={409: {"model": ErrorBody, "description": "The passages have no vectors yet."}},
)
def similar(
    request: Request,
    me: Caller,
    passage_id: Id,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[HitOut]:
    """Passages nearest in meaning to a stored one, in any language."""
    web = web_state(request)
    with web.store.session() as session:
        if corpus.passage(session, me.viewer, passage_id) is None:
            raise ApiError(404, "not_found", f"There is no passage {passage_id} you may see.")
    try:
        with search_slot():
            hits = web.searcher.similar(passage_id, SearchRequest("", limit, viewer=me.viewer))
    except EmbeddingError as exc:
        raise ApiError(409, "no_vectors", str(exc)) from exc
    shown = [HitOut.of(h) for h in hits]
    record_hits(web.store, me.actor, shown)
    return shown

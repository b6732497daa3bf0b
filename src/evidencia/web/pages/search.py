"""The search page: ``/search?q=…`` with every filter in the address, so a search can be
bookmarked, shared and sent back to; facets are links that add a filter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from evidencia.model import DocumentType
from evidencia.web import corpus, i18n
from evidencia.web.auditing import record_hits
from evidencia.web.context import current, web_state
from evidencia.web.params import search_params
from evidencia.web.rendering import render
from evidencia.web.searching import (
    FACET_PARAMS,
    SearchInputError,
    SearchParams,
    run,
)

router = APIRouter()

#: query-string parameters that are filters (shown as removable chips)
FILTER_PARAMS = ("country", "theme", "outcome", "instrument", "lang", "type", "org")


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    count: int | None = None
    active: bool = False


def _params(request: Request, drop: set[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    drop = drop or set()
    return [
        (k, v)
        for k, v in request.query_params.multi_items()
        if k not in ("offset", i18n.LANG_PARAM) and v != "" and (k, v) not in drop
    ]


def _href(params: list[tuple[str, str]]) -> str:
    return "/search" + (f"?{urlencode(params)}" if params else "")


def facet_links(
    request: Request, facets: dict[str, list[tuple[str, int]]]
) -> dict[str, list[Link]]:
    """Each facet value as a link adding its filter (or removing it when already set)."""
    current_params = _params(request)
    links: dict[str, list[Link]] = {}
    for name, values in facets.items():
        param = FACET_PARAMS.get(name)
        if param is None:
            continue
        out = []
        for value, count in values:
            active = (param, value) in current_params
            params = (
                _params(request, {(param, value)}) if active else [*current_params, (param, value)]
            )
            out.append(Link(value, _href(params), count, active))
        links[name] = out
    return links


def active_filters(request: Request) -> list[tuple[str, str, str]]:
    """(parameter, value, address without it) for every filter set."""
    return [
        (k, v, _href(_params(request, {(k, v)})))
        for k, v in _params(request)
        if k in (*FILTER_PARAMS, "since", "until")
    ]


def page_href(request: Request, offset: int) -> str:
    params = _params(request)
    if offset:
        params.append(("offset", str(offset)))
    return _href(params)


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request, params: Annotated[SearchParams, Depends(search_params)]
) -> HTMLResponse:
    me = current(request)
    web = web_state(request)
    error = None
    result = None
    try:
        result = run(web.searcher, me.viewer, params, facets=True)
        record_hits(web.store, me.actor, result.hits)
    except SearchInputError as exc:
        error = str(exc)
    facets = (
        {
            name: [(f.value, f.count) for f in values]
            for name, values in (result.facets or {}).items()
        }
        if result
        else {}
    )
    with web.store.session() as session:
        titles = corpus.theme_titles(session)
    return render(
        request,
        "search.html",
        status_code=400 if error else 200,
        params=params,
        result=result,
        error=error,
        facets=facet_links(request, facets),
        filters=active_filters(request),
        previous=page_href(request, max(0, params.offset - params.limit))
        if params.offset
        else None,
        next=page_href(request, result.next_offset) if result and result.next_offset else None,
        doc_types=[t.value for t in DocumentType],
        theme_titles=titles,
        nav="search",
    )

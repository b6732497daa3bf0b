"""The corpus at a glance, the framework with its evidence counts, countries, and the
ingestion log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from evidencia.web import corpus
from evidencia.web.api.auth import Caller, Team
from evidencia.web.auditing import record_hits
from evidencia.web.context import web_state
from evidencia.web.models import (
    CountryCount,
    CountryView,
    FrameworkOut,
    IngestionOut,
    Overview,
    Page,
)
from evidencia.web.params import Skip

router = APIRouter(tags=["corpus"])


@router.get("/overview", response_model=Overview, summary="The corpus at a glance")
def overview(request: Request, me: Caller) -> Overview:
    with web_state(request).store.session() as session:
        return corpus.overview(session, me.viewer, with_failures=me.sees_ingestion_log)


@router.get("/framework", response_model=FrameworkOut, summary="The strategy framework")
def framework(request: Request, me: Caller) -> FrameworkOut:
    """Areas, themes, objectives and outcomes, each with the evidence passages under it."""
    with web_state(request).store.session() as session:
        return corpus.framework(session, me.viewer)


@router.get("/countries", response_model=list[CountryCount], summary="Countries mentioned")
def countries(request: Request, me: Caller) -> list[CountryCount]:
    with web_state(request).store.session() as session:
        return corpus.countries(session, me.viewer)


@router.get("/countries/{code}", response_model=CountryView, summary="One country")
def country(
    request: Request,
    me: Caller,
    code: Annotated[str, Path(pattern=r"^[A-Za-z]{2,8}$", description="ISO code, or EU...")],
) -> CountryView:
    """Everything about one country: its documents, passages by theme, instruments cited."""
    with web_state(request).store.session() as session:
        view = corpus.country(session, me.viewer, code)
    record_hits(web_state(request).store, me.actor, corpus.country_hits(view))
    return view


@router.get(
    "/ingestions",
    response_model=Page[IngestionOut],
    summary="Failed ingestions (staff and admins)",
)
def ingestions(
    request: Request,
    _me: Team,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Skip = 0,
) -> Page[IngestionOut]:
    """Files that could not be ingested, newest first, with the reason."""
    with web_state(request).store.session() as session:
        total, rows = corpus.failures(session, limit=limit, offset=offset)
    return Page[IngestionOut](
        total=total,
        offset=offset,
        limit=limit,
        next_offset=offset + limit if offset + limit < total else None,
        items=rows,
    )

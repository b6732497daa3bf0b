"""The strategy framework with its evidence counts, and the pages about countries."""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from evidencia.web import corpus
from evidencia.web.auditing import record_hits
from evidencia.web.context import current, web_state
from evidencia.web.i18n import N_
from evidencia.web.rendering import render

router = APIRouter()

COUNTRY_CODE = re.compile(r"^[A-Za-z]{2,8}$")  # ISO codes, and scopes such as EU or COE


@router.get("/framework", response_class=HTMLResponse)
def framework_page(request: Request) -> HTMLResponse:
    with web_state(request).store.session() as session:
        tree = corpus.framework(session, current(request).viewer)
    return render(request, "framework.html", tree=tree, nav="framework")


@router.get("/countries", response_class=HTMLResponse)
def countries_page(request: Request) -> HTMLResponse:
    with web_state(request).store.session() as session:
        found = corpus.countries(session, current(request).viewer)
    return render(request, "countries.html", countries=found, nav="countries")


@router.get("/countries/{code}", response_class=HTMLResponse)
def country_page(request: Request, code: str) -> HTMLResponse:
    if not COUNTRY_CODE.match(code):
        raise HTTPException(404, N_("Country codes are two letters, such as BE or NL."))
    me = current(request)
    with web_state(request).store.session() as session:
        view = corpus.country(session, me.viewer, code)
    record_hits(web_state(request).store, me.actor, corpus.country_hits(view))
    return render(request, "country.html", country=view, nav="countries")

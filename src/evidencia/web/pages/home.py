"""The home page: the corpus at a glance, as far as the visitor may see it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from evidencia.web import corpus
from evidencia.web.context import current, web_state
from evidencia.web.rendering import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    me = current(request)
    with web_state(request).store.session() as session:
        glance = corpus.overview(session, me.viewer, with_failures=me.sees_ingestion_log)
        titles = corpus.theme_titles(session)
    return render(request, "home.html", glance=glance, theme_titles=titles, nav="home")

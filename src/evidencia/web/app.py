"""The web application: pages, the API under ``/api/v1``, static files, and the middleware
every response passes through (security headers outermost, then session and language).

``create_app`` takes a data directory (or an opened :class:`Store`) and returns an ASGI app;
``evidencia serve`` hands it to uvicorn, tests to an in-process client.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from evidencia import __version__
from evidencia.config import Home, resolve_home
from evidencia.ingest.limits import Limits
from evidencia.search.modes import Searcher
from evidencia.store.db import Store
from evidencia.web import api, pages
from evidencia.web.api.errors import http_error_response
from evidencia.web.context import RequestContext
from evidencia.web.guards import LoginRequired
from evidencia.web.rendering import make_environment, render
from evidencia.web.reviewing import ReviewInputError
from evidencia.web.searching import SearchInputError
from evidencia.web.security import LoginThrottle, SecurityHeaders, Sessions, load_secret
from evidencia.web.state import WebState
from evidencia.web.tagger_jobs import TaggerJobs
from evidencia.web.uploads import UploadQueue

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
API_PREFIX = "/api/v1"


def create_app(
    source: Store | Home | Path | str | None = None,
    *,
    embed_uploads: bool = True,
    limits: Limits | None = None,
    throttle: LoginThrottle | None = None,
    searcher: Searcher | None = None,
) -> FastAPI:
    """The whole web app for one data directory.

    ``embed_uploads``: give uploaded passages vectors right away (search by meaning finds
    them at once; costs the model's load on the first upload), then tag them with themes.
    Tests turn it off. The tagger's retrain and rollback jobs use the searcher's backend.
    """
    owned = not isinstance(source, Store)
    if isinstance(source, Store):
        store = source
    else:
        home = (
            source if isinstance(source, Home) else resolve_home(Path(source) if source else None)
        )
        store = Store(home)
    searcher = searcher or Searcher(store)
    tagging = threading.Lock()  # one tagging run at a time: uploads, retrains, rollbacks
    state = WebState(
        store=store,
        searcher=searcher,
        templates=make_environment(),
        sessions=Sessions(load_secret(store.home.root)),
        throttle=throttle or LoginThrottle(),
        uploads=UploadQueue(
            store,
            limits=limits,
            backend=(lambda: searcher.backend) if embed_uploads else None,
            tagging=tagging,
        ),
        tagger=TaggerJobs(store, lambda: searcher.backend, tagging=tagging),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        state.uploads.close()
        state.tagger.close()
        if owned:
            store.close()

    app = FastAPI(
        title="Evidencia",
        version=__version__,
        openapi_url=None,  # the pages are HTML; the API has its own document
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.web = state
    app.include_router(pages.router())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    api_app = api.create_api()
    api_app.state.web = state
    app.mount(API_PREFIX, api_app)
    _page_errors(app)
    app.add_middleware(RequestContext, state=state)
    app.add_middleware(SecurityHeaders)  # added last: outermost, so it covers everything
    return app


def _page_errors(app: FastAPI) -> None:
    """Errors on pages are pages: the same layout, a plain message, the right status."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        path = request.url.path
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            # an API address the mount did not take (a path with a line break in it, which
            # the mount's pattern does not match): still the API's JSON, not a page
            return http_error_response(exc)
        message = exc.detail if isinstance(exc.detail, str) else ""
        if exc.status_code == 404 and message == "Not Found":
            message = ""
        return render(
            request,
            "error.html",
            status_code=exc.status_code,
            status=exc.status_code,
            message=message,
            headers=exc.headers,
        )

    @app.exception_handler(LoginRequired)
    async def login_first(_request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_url)}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> HTMLResponse:
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg', '')}"
            for e in exc.errors()
        ]
        return render(
            request, "error.html", status_code=400, status=400, message="; ".join(problems)
        )

    @app.exception_handler(SearchInputError)
    async def bad_search(request: Request, exc: SearchInputError) -> HTMLResponse:
        return render(request, "error.html", status_code=400, status=400, message=str(exc))

    @app.exception_handler(ReviewInputError)
    async def bad_review(request: Request, exc: ReviewInputError) -> HTMLResponse:
        return render(request, "error.html", status_code=400, status=400, message=str(exc))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> HTMLResponse:
        log.exception("page error on %s %s", request.method, request.url.path)
        try:
            return render(request, "error.html", status_code=500, status=500, message="")
        except Exception:  # the page itself cannot be drawn (the store is gone): plain words
            return HTMLResponse("<h1>Server error</h1>", status_code=500)

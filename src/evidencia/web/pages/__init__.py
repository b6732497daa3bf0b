"""The server-rendered pages, one router per page family, all behind the CSRF check."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from evidencia.web.guards import page_csrf
from evidencia.web.pages import (
    account,
    admin,
    audit,
    browse,
    documents,
    home,
    review,
    search,
    tagger,
    upload,
)

#: every page module; each has a ``router``
MODULES = (home, search, documents, browse, upload, review, account, admin, audit, tagger)


def router() -> APIRouter:
    pages = APIRouter(dependencies=[Depends(page_csrf)], include_in_schema=False)
    for module in MODULES:
        pages.include_router(module.router)
    return pages

"""The REST API under ``/api/v1``: a FastAPI application of its own, mounted by the web app,
so it has its own OpenAPI document (``/api/v1/openapi.json``) and JSON errors while the
pages keep HTML ones."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from evidencia import __version__
from evidencia.web.api import (
    accounts,
    audit,
    auth,
    catalogue,
    documents,
    errors,
    review,
    search,
    tagger,
    uploads,
)
from evidencia.web.guards import api_csrf

DESCRIPTION = """\
Everything the Evidencia pages can do, as JSON. Every answer is limited to what the caller
may see: anonymous callers see public documents; send `Authorization: Bearer <token>` (an
API token made on the account page or with `POST /tokens`) to act as a user. A document or
passage the caller may not see answers 404, like one that does not exist.

Errors are `{"error": {"code": "...", "message": "..."}}`. Lists are pages with `total`,
`offset`, `limit` and `next_offset`.
"""


#: every router of the API, in the order they are mounted
ROUTERS = [
    module.router
    for module in (search, documents, catalogue, uploads, review, tagger, accounts, audit)
]


def create_api() -> FastAPI:
    api = FastAPI(
        title="Evidencia API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,  # Swagger UI and ReDoc load from CDNs; the app never does
        redoc_url=None,
        responses=errors.ERROR_RESPONSES,
        dependencies=[Depends(api_csrf)],
        license_info={"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
    )
    for router in ROUTERS:
        api.include_router(router)
    errors.install(api)
    _declare_optional_auth(api)
    return api


def _needs_login(dependant: Dependant) -> bool:
    return any(d.call is auth.logged_in or _needs_login(d) for d in dependant.dependencies)


def _declare_optional_auth(api: FastAPI) -> None:
    """FastAPI lists an operation's security schemes as required whenever it has any; the
    operations that answer anonymous callers too (within what the public may see) add the
    empty requirement ``{}``, which is how OpenAPI says "optional"."""
    generate = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            document = generate()
            for router in ROUTERS:
                for route in router.routes:
                    if not isinstance(route, APIRoute) or _needs_login(route.dependant):
                        continue
                    for method in route.methods or ():
                        operation = document["paths"][route.path][method.lower()]
                        if {} not in operation.get("security", [{}]):
                            operation["security"] = [{}, *operation["security"]]
        assert api.openapi_schema is not None  # generate() keeps what it made
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]

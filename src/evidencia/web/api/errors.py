"""Every API error as ``{"error": {"code", "message"}}``, whatever raised it: a route, the
request validation, the router (unknown path, wrong method) or a bug."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from evidencia.web.guards import CsrfRejected
from evidencia.web.models import ErrorBody, ErrorDetail
from evidencia.web.reviewing import ReviewInputError
from evidencia.web.searching import SearchInputError

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
}


class ApiError(StarletteHTTPException):
    """An error with its own code, for the cases a status alone does not name."""

    def __init__(
        self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code, message, headers)
        self.code = code


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    details: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(code=code, message=message, details=details))
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, headers=dict(headers or {})
    )


#: what every route may answer besides its success, for the OpenAPI document
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "The request cannot be answered as asked (the message says why)."),
        (401, "The bearer token is not valid, or the endpoint needs a login."),
        (403, "Logged in, but not allowed (admins only), or a missing CSRF header."),
        (404, "Not found, or not visible to the caller."),
        (422, "A parameter or the body does not have the expected form."),
    )
}


def _message(detail: Any) -> str:
    return detail if isinstance(detail, str) else "the request failed"


def _field(error: dict[str, Any]) -> dict[str, Any]:
    where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "body", "path"))
    return {"field": where or None, "problem": error.get("msg", "invalid")}


def http_error_response(exc: StarletteHTTPException) -> JSONResponse:
    """An HTTP error (raised by a route, a guard or the router) as the API answers it."""
    if isinstance(exc, ApiError):
        code = exc.code
    elif isinstance(exc, CsrfRejected):
        code = "csrf"
    else:
        code = CODES.get(exc.status_code, "error")
    message = _message(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = "There is no such endpoint; see /api/v1/openapi.json."
    return error_response(exc.status_code, code, message, headers=exc.headers)


def install(api: FastAPI) -> None:
    @api.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return http_error_response(exc)

    @api.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [_field(e) for e in exc.errors()]
        summary = "; ".join(
            f"{d['field']}: {d['problem']}" if d["field"] else d["problem"] for d in details
        )
        return error_response(
            422, "invalid_request", f"invalid request: {summary}", details=details
        )

    @api.exception_handler(SearchInputError)
    async def bad_search(_request: Request, exc: SearchInputError) -> JSONResponse:
        return error_response(400, "bad_query", str(exc))

    @api.exception_handler(ReviewInputError)
    async def bad_review(_request: Request, exc: ReviewInputError) -> JSONResponse:
        return error_response(400, "bad_filter", str(exc))

    @api.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("API error on %s %s", request.method, request.url.path)
        return error_response(
            500, "internal_error", "Something went wrong on the server; it has been logged."
        )

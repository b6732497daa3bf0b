"""Query-string parameters shared by the search page and the search API, declared once so
both accept exactly the same addresses and the OpenAPI document describes them."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Path, Query

from evidencia.web.searching import MAX_DEPTH, SearchInputError, SearchParams

#: YYYY-MM-DD, or empty (a form's blank field); a day past the month's end is refused with 400
DATE_PATTERN = r"^(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))?$"
#: the largest integer SQLite stores: a larger id or offset cannot exist, and is refused (422)
#: before it reaches the database (where it would overflow)
MAX_INT = 2**63 - 1

Id = Annotated[int, Path(ge=1, le=MAX_INT, description="A stored item's number.")]
Index = Annotated[int, Path(ge=0, le=10_000, description="The file's place in its upload.")]
Skip = Annotated[int, Query(ge=0, le=MAX_INT, description="Items to skip.")]


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SearchInputError(f"{name} must be a date written YYYY-MM-DD, not {value!r}") from None


def search_params(
    q: Annotated[
        str,
        Query(
            max_length=1000,
            description='Words, "exact phrases", prefix*, AND/OR/NOT. Empty: list the '
            "passages in the filters.",
        ),
    ] = "",
    mode: Annotated[
        str,
        Query(
            pattern="^(hybrid|lexical|semantic)$",
            description="By words and meaning fused (hybrid), words only, or meaning only.",
        ),
    ] = "hybrid",
    country: Annotated[
        list[str], Query(description="ISO country code; repeat for alternatives.")
    ] = [],  # noqa: B006  (FastAPI copies defaults; a list is how repeated parameters read)
    theme: Annotated[list[str], Query(description="Framework theme id.")] = [],  # noqa: B006
    outcome: Annotated[list[str], Query(description="Framework outcome id.")] = [],  # noqa: B006
    instrument: Annotated[list[str], Query(description="CELEX number, UN symbol or ECLI.")] = [],  # noqa: B006
    lang: Annotated[list[str], Query(description="Passage language code.")] = [],  # noqa: B006
    type: Annotated[list[str], Query(description="Document type.")] = [],  # noqa: B006
    org: Annotated[list[str], Query(description="Organisation name.")] = [],  # noqa: B006
    since: Annotated[
        str | None, Query(pattern=DATE_PATTERN, description="Published on or after (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        str | None,
        Query(pattern=DATE_PATTERN, description="Published on or before (YYYY-MM-DD)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Hits per page.")] = 10,
    offset: Annotated[int, Query(ge=0, le=MAX_DEPTH, description="Hits to skip.")] = 0,
) -> SearchParams:
    return SearchParams(
        q=q,
        mode=mode,
        country=tuple(country),
        theme=tuple(theme),
        outcome=tuple(outcome),
        instrument=tuple(instrument),
        lang=tuple(lang),
        type=tuple(type),
        org=tuple(org),
        since=_date(since, "since"),
        until=_date(until, "until"),
        limit=limit,
        offset=offset,
    )

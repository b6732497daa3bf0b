"""Server-rendered HTML: one Jinja environment, the filters templates share, and
:func:`render`, which gives every page the same context (who is logged in, the CSRF token,
the language) so no template has to ask for it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from evidencia.search.hits import MARK_END, MARK_START
from evidencia.web import i18n
from evidencia.web.context import current, language, session_of
from evidencia.web.security import CSRF_FIELD, CSRF_HEADER

TEMPLATES = Path(__file__).with_name("templates")


def marked(snippet: str) -> Markup:
    """A search snippet safe to show: everything escaped, then the <mark> tags search
    added put back (so a passage quoting HTML shows as text, never as markup)."""
    safe = str(escape(snippet))
    safe = safe.replace(str(escape(MARK_START)), "<mark>").replace(str(escape(MARK_END)), "</mark>")
    return Markup(safe)


def _filesize(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def dom_id(value: str) -> str:
    """Any text as a piece of an HTML id that CSS selectors (htmx's too) take as it is:
    framework ids hold dots, which a selector would read as classes."""
    return value.encode("utf-8").hex()


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        i18n.gettext_, i18n.ngettext_, newstyle=True
    )
    env.filters.update(
        marked=marked,
        number=i18n.number,
        when=i18n.when,
        duration=i18n.duration,
        language_name=i18n.language_name,
        country_name=i18n.country_name,
        filesize=_filesize,
        domid=dom_id,
    )
    env.globals.update(csrf_field=CSRF_FIELD, csrf_header=CSRF_HEADER, languages=i18n.LANGUAGES)
    return env


def with_query(request: Request, **changes: str | None) -> str:
    """This page's address with some query parameters replaced (None removes one)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += [(k, v) for k, v in changes.items() if v is not None]
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def render(
    request: Request,
    template: str,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """``template`` rendered in the request's language, with the shared context."""
    env: Environment = request.app.state.web.templates
    lang = language(request)
    me = current(request)
    base = {
        "request": request,
        "me": me,
        "lang": lang,
        "csrf_token": session_of(request).csrf,
        "with_query": lambda **changes: with_query(request, **changes),
        "path": request.url.path,
    }
    with i18n.active(lang):
        html = env.get_template(template).render({**base, **context})
    return HTMLResponse(
        html, status_code=status_code, headers={**(headers or {}), "Content-Language": lang}
    )

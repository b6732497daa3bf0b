"""Interface languages: gettext catalogues (Babel) and the choice of one per request.

The language is, in order: ``?ui=`` in the address (which is also remembered in a cookie,
so a choice sticks), the cookie, the browser's ``Accept-Language``, English. Templates
translate through a context variable set only while a page renders, so one Jinja
environment serves every language at once without sharing state between requests.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_timedelta
from babel.numbers import format_decimal
from babel.support import Translations

LOCALES = Path(__file__).with_name("locales")
DOMAIN = "messages"
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français"}
DEFAULT_LANGUAGE = "en"
LANG_COOKIE = "evidencia_lang"
#: the query parameter that switches the interface language; not ``lang``, which is the
#: search filter on a passage's language (as ``--lang`` on the command line)
LANG_PARAM = "ui"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``language`` (English is the source: no catalogue needed,
    but one is shipped so a wording can be changed without touching the code)."""
    found = Translations.load(str(LOCALES), [language], DOMAIN)
    return found if isinstance(found, Translations) else gettext.NullTranslations()


def parse_accept_language(header: str | None) -> list[str]:
    """Language codes in the order the browser prefers them (quality, then position)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        tag = pieces[0].lower()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for parameter in pieces[1:]:
            if parameter.startswith("q="):
                try:
                    quality = float(parameter[2:])
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, tag.split("-")[0]))
    return [tag for _q, _p, tag in sorted(weighted)]


def choose(query: str | None, cookie: str | None, accept: str | None) -> str:
    for candidate in (query, cookie, *parse_accept_language(accept)):
        if candidate and candidate.lower() in LANGUAGES:
            return candidate.lower()
    return DEFAULT_LANGUAGE


_current: ContextVar[str] = ContextVar("evidencia_language", default=DEFAULT_LANGUAGE)


@contextmanager
def active(language: str) -> Iterator[None]:
    """Make ``language`` the one templates translate to, for the duration of a render."""
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> str:
    return _current.get()


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown (error pages)."""
    return message


def gettext_(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext_(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def translate(language: str, message: str, **values: Any) -> str:
    """``message`` in ``language`` outside a template (API errors, flash messages)."""
    text = translations(language).gettext(message)
    return text % values if values else text


def number(value: int | float) -> str:
    """A count written the way the current language writes numbers (1,234 / 1 234)."""
    return format_decimal(value, locale=_current.get())


def when(value: date | datetime | None) -> str:
    """A date in the current language's medium form ("15 Oct 2024" / "15 oct. 2024")."""
    if value is None:
        return ""
    day = value.date() if isinstance(value, datetime) else value
    return format_date(day, format="medium", locale=_current.get())


def duration(value: timedelta) -> str:
    """A length of time the way the current language says it, roughly ("2 minutes")."""
    return format_timedelta(value, threshold=1.5, locale=_current.get())


def language_name(code: str | None) -> str:
    """A language code's name in the current interface language ("de" -> "allemand")."""
    if not code:
        return "?"
    try:
        name = Locale(_current.get()).languages.get(code)
    except ValueError:
        name = None
    return name or code


def country_name(code: str) -> str:
    """A country code's name in the current language; scopes (EU, COE...) stay as codes."""
    try:
        territory = Locale(_current.get()).territories.get(code.upper())
    except ValueError:
        territory = None
    return territory or code

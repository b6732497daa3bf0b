"""E-mail addresses and phone numbers.

Phone numbers are validated by ``phonenumbers`` (Google's libphonenumber metadata): a
number written in international form is checked against its own country, a national one
against the countries of the text's language first and then the others the network works
in, since a testimony in English about Spain quotes Spanish numbers. A digit string that
no country accepts counts as a phone number only right after a cue ("Tel.", "móvil").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers

from evidencia.redact.context import Candidate, Context
from evidencia.redact.dates import is_date

_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![\w-])"
)
# digits with the separators people type (one line break allowed: wrapped text)
_PHONE = re.compile(
    r"(?<![\w+/.,-])(?<!\w\()(?:\+|00)?\(?\d(?:[ \t().\-/]{0,3}\n?[ \t]*\d){6,17}(?![\w/-])"
)

_REGIONS = {
    "en": ("GB", "IE", "MT"),
    "fr": ("FR", "BE", "LU", "CH"),
    "es": ("ES",),
    "de": ("DE", "AT", "CH"),
    "it": ("IT", "CH"),
    "nl": ("NL", "BE"),
    "pt": ("PT", "BR"),
    "pl": ("PL",),
    "el": ("GR", "CY"),
}
_ALL_REGIONS = tuple(dict.fromkeys(r for regions in _REGIONS.values() for r in regions))


def emails(ctx: Context) -> Iterator[Candidate]:
    for match in _EMAIL.finditer(ctx.text):
        yield ctx.candidate("email", match.start(), match.end(), "email.pattern", 100)


def _regions(lang: str | None) -> tuple[str, ...]:
    own = _REGIONS.get(lang or "", ())
    return own + tuple(r for r in _ALL_REGIONS if r not in own)


def _valid(number: str, regions: tuple[str, ...]) -> bool:
    international = number.startswith(("+", "00"))
    for region in (None,) if international else regions:
        try:
            parsed = phonenumbers.parse(number, region or "ZZ")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return True
    return False


def phones(ctx: Context) -> Iterator[Candidate]:
    regions = _regions(ctx.lang)
    for match in _PHONE.finditer(ctx.text):
        raw = match.group()
        digits = sum(ch.isdigit() for ch in raw)
        if digits < 7 or digits > 15 or raw.count("/") > 1 or raw.count("\n") > 1:
            continue
        if raw.count("(") != raw.count(")") or raw.find(")") < raw.find("("):
            continue  # "C(2020) 6470": a document number
        if is_date(raw.strip()) or re.fullmatch(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", raw):
            continue
        number = raw.replace("\n", " ")
        if number.startswith("00"):
            number = "+" + number[2:]
        cue = ctx.cue_before("phone", match.start(), 30)
        other = ctx.cue_before("case", match.start(), 30) or ctx.cue_before("id", match.start(), 30)
        # "numéro de dossier 23045678": the nearer cue says what the number is
        cued = cue is not None and (other is None or other.end() <= cue.start())
        if not cued and (
            "/" in raw
            or re.match(r"(?:19|20)\d{2}-", raw)
            or re.fullmatch(r"\d{4}-\d{3}|\d{2}-\d{3}|\d{5}", raw)
            or digits < 8
        ):
            continue  # "1234/2022", "loi n° 2018-778", "1700-345": file and law numbers,
            # postal codes
        if ctx.keep.overlaps(match.start(), match.end()):
            continue
        if _valid(number, regions):
            # a bare run of digits is an identity number as often as a phone number; the
            # way phones are written (spaces, a leading 0 or +) or a cue settles it
            written = number.startswith(("+", "0")) or not number.isdigit()
            priority = 92 if cued or number.startswith("+") else 75 if written else 68
            yield ctx.candidate("phone", match.start(), match.end(), "phone.valid", priority)
        elif cued and 8 <= digits <= 13:
            yield ctx.candidate("phone", match.start(), match.end(), "phone.cue", 85)

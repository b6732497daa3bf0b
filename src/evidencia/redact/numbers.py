"""Identity, residence and registration numbers, and IBANs.

Where a scheme has a checksum, ``python-stdnum`` decides (NIE, DNI, BSN, codice fiscale,
NIR, Belgian national number, PESEL, Portuguese NIF and Cartão de Cidadão, AMKA, Greek AFM,
German tax ID, Irish PPS, IBAN...): a valid number is personal data wherever it stands, and
a number with a wrong check digit is not taken for one unless a cue ("passport", "NIE",
"V-nummer") says it is. Numbers without a checksum (passports, most residence permits) are
found only after such a cue. The two check digits stdnum lacks (the German identity card's
ICAO 9303 digit and the Polish identity card's) are computed here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from stdnum import iban
from stdnum.at import vnr as at_vnr
from stdnum.be import bis as be_bis
from stdnum.be import nn as be_nn
from stdnum.de import idnr as de_idnr
from stdnum.es import dni as es_dni
from stdnum.es import nie as es_nie
from stdnum.fr import nir as fr_nir
from stdnum.gb import nhs as gb_nhs
from stdnum.gr import amka as gr_amka
from stdnum.gr import vat as gr_vat
from stdnum.ie import pps as ie_pps
from stdnum.it import codicefiscale as it_cf
from stdnum.nl import bsn as nl_bsn
from stdnum.pl import pesel as pl_pesel
from stdnum.pt import cc as pt_cc
from stdnum.pt import nif as pt_nif

from evidencia.redact import data
from evidencia.redact.context import SENTENCE_END, Candidate, Context
from evidencia.redact.dates import is_date

Validator = Callable[[str], bool]


def _icao(value: str) -> bool:
    """ICAO 9303 check digit (weights 7, 3, 1) over all but the last character."""
    if not value[-1].isdigit():
        return False
    total = 0
    for i, ch in enumerate(value[:-1]):
        number = int(ch) if ch.isdigit() else ord(ch) - 55
        total += number * (7, 3, 1)[i % 3]
    return total % 10 == int(value[-1])


def _de_id_card(value: str) -> bool:
    letters = sum(ch.isalpha() for ch in value)
    return 1 <= letters <= 8 and any(ch.isdigit() for ch in value[:-1]) and _icao(value)


def _pl_id_card(value: str) -> bool:
    """Polish identity card: three letters, a check digit, five digits."""
    weights = (7, 3, 1, 7, 3, 1, 7, 3)
    chars = value[:3] + value[4:]
    total = sum(
        (ord(c) - 55 if c.isalpha() else int(c)) * w for c, w in zip(chars, weights, strict=True)
    )
    return total % 10 == int(value[3])


def _be(value: str) -> bool:
    return bool(be_nn.is_valid(value) or be_bis.is_valid(value))


def _always(_: str) -> bool:
    return True


@dataclass(frozen=True)
class _Scheme:
    sub: str
    pattern: re.Pattern[str]
    valid: Validator


def _scheme(sub: str, pattern: str, valid: Validator) -> _Scheme:
    return _Scheme(sub, re.compile(rf"(?<![\w+/.-]){pattern}(?![\w/-]|\.\w)"), valid)


# Schemes whose shape is distinctive enough to be searched for directly.
_SHAPED = (
    _scheme("nie", r"[XYZ][ -]?\d{7}[ -]?[A-Z]", es_nie.is_valid),
    _scheme("dni", r"\d{8}[ -]?[A-Z]", es_dni.is_valid),
    _scheme(
        "codice_fiscale",
        r"[A-Z]{6}[0-9LMNP-V]{2}[A-EHLMPR-T][0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{3}[A-Z]",
        it_cf.is_valid,
    ),
    _scheme("nir", r"[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}", fr_nir.is_valid),
    _scheme("be_nn", r"\d{2}\.\d{2}\.\d{2}[- ]\d{3}\.\d{2}", _be),
    _scheme("pt_cc", r"\d{8} ?\d ?[A-Z]{2}\d", pt_cc.is_valid),
    _scheme("pps", r"\d{7}[A-W][A-IW]?", ie_pps.is_valid),
    _scheme("nino", r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]", _always),
    _scheme("de_id_card", r"[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}\d", _de_id_card),
    _scheme("pl_id_card", r"[A-Z]{3}\d{6}", _pl_id_card),
)

# Schemes that are plain digits, by length; a language's own schemes are tried first.
_DIGITS: dict[int, tuple[tuple[str, str, Validator], ...]] = {
    9: (
        ("bsn", "nl", nl_bsn.is_valid),
        ("pt_nif", "pt", pt_nif.is_valid),
        ("gr_afm", "el", gr_vat.is_valid),
    ),
    11: (
        ("pesel", "pl", pl_pesel.is_valid),
        ("amka", "el", gr_amka.is_valid),
        ("de_idnr", "de", de_idnr.is_valid),
        ("be_nn", "fr", _be),
    ),
}
# Ten-digit schemes whose check is too weak to trust without a cue.
_CUED_DIGITS: tuple[tuple[str, Validator], ...] = (
    ("at_vnr", at_vnr.is_valid),
    ("nhs", gb_nhs.is_valid),
)

_GROUPS = re.compile(r"(?<![\w+/.,-])\d+(?: \d+)*(?![\w/-]|[.,]\d)")
_IBAN = re.compile(r"(?<![A-Z0-9])[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,32}")


def _compact(value: str) -> str:
    return re.sub(r"[\s.\-/]", "", value)


def ibans(ctx: Context) -> Iterator[Candidate]:
    """IBANs whose mod-97 check (and, for some countries, national check) holds."""
    text = ctx.text
    for match in _IBAN.finditer(text):
        positions = [i for i in range(match.start(), match.end()) if not text[i].isspace()]
        chars = "".join(text[i] for i in positions)
        for length in range(len(chars), 14, -1):
            if iban.is_valid(chars[:length]):
                yield ctx.candidate(
                    "iban", match.start(), positions[length - 1] + 1, "iban.checksum", 96
                )
                break


@lru_cache(maxsize=4096)
def _digit_schemes(digits: str, lang: str | None) -> str | None:
    schemes = _DIGITS.get(len(digits), ())
    ordered = sorted(schemes, key=lambda s: s[1] != lang)
    for sub, _, valid in ordered:
        if valid(digits):
            return sub
    return None


def _id_cued(ctx: Context, pos: int) -> bool:
    """An identity cue earlier in the sentence, and no phone cue after it ("kept my
    passport. Call me on 07911 123456" is a phone number)."""
    cue = ctx.cue_before("id", pos, 60, sentence=True)
    if cue is None:
        return False
    phone = ctx.cue_before("phone", pos, 30, sentence=True)
    return phone is None or phone.end() <= cue.start()


def checksummed(ctx: Context) -> Iterator[Candidate]:
    """Numbers that pass a national scheme's checksum, with or without a cue."""
    text = ctx.text
    for scheme in _SHAPED:
        for match in scheme.pattern.finditer(text):
            if scheme.valid(_compact(match.group())):
                cued = _id_cued(ctx, match.start())
                yield ctx.candidate(
                    "id_number",
                    match.start(),
                    match.end(),
                    "id.checksum",
                    95 if cued else 90,
                    scheme.sub,
                )
    for match in _GROUPS.finditer(text):
        yield from _digit_runs(ctx, match)


def _digit_runs(ctx: Context, match: re.Match[str]) -> Iterator[Candidate]:
    """Plain digit numbers, also when written in groups ("97 041 569 232"); every run of
    consecutive groups is tried, so a number next to another one is still found."""
    groups = [
        (m.start() + match.start(), m.end() + match.start())
        for m in re.finditer(r"\d+", match.group())
    ]
    # the whole run of groups as one number ("97 041 569 232"), else each group alone: any
    # other way of joining groups would find a valid checksum by chance in long numbers
    whole = "".join(match.group().split())
    chains = [(0, len(groups) - 1)] if len(groups) > 1 and len(whole) <= 11 else []
    chains += [(i, i) for i in range(len(groups))] if not chains else []
    for first, last in chains:
        start, end = groups[first][0], groups[last][1]
        digits = "".join(ctx.text[start:end].split())
        sub = _digit_schemes(digits, ctx.lang)
        if sub is None:
            continue
        cued = _id_cued(ctx, start)
        single = first == last
        priority = 95 if cued else 80 if single else 70
        yield ctx.candidate("id_number", start, end, "id.checksum", priority, sub)


def _ref_token(token: str) -> bool:
    """An identity number as written: capitals and digits, at least one digit."""
    core = token.strip("(),:;.")
    digits = sum(ch.isdigit() for ch in core)
    return (
        digits > 0
        and all(ch.isalnum() or ch in "./-" for ch in core)
        # capitals and digits, or a long number with a few small letters ("REGAGE24e00012345")
        and (all(not ch.isalpha() or ch.isupper() for ch in core) or digits >= 5)
        and not is_date(core.rstrip("."))
    )


def cued(ctx: Context) -> Iterator[Candidate]:
    """Numbers announced by a cue: the first capitals-and-digits word within a few words
    after it (with a following short group: "35182105 6 UK5", "ΑΚ 123456")."""
    text = ctx.text
    for sub, pattern in data.id_cues(ctx.lang):
        for cue in pattern.finditer(text):
            found = reference_after(text, cue.end(), 60)
            if found is None:
                continue
            start, end = found
            if ctx.keep.overlaps(start, end):
                continue  # "Regulation 1030/2002" after "residence permit"
            if SENTENCE_END.search(text, cue.end(), start):
                continue  # the cue is in another sentence
            phone = ctx.cue_before("phone", start, 30, sentence=True)
            if phone is not None and phone.start() >= cue.end():
                continue  # "passport, and my phone number is 612 345 678"
            value = _compact(text[start:end])
            digits = sum(ch.isdigit() for ch in value)
            if len(value) < 6 or digits < (2 if len(value) >= 8 else 4):
                continue
            scheme = sub
            if value.isdigit():
                for name, valid in _CUED_DIGITS:
                    if len(value) == 10 and valid(value):
                        scheme = name
            yield ctx.candidate("id_number", start, end, "id.cue", 93, scheme)


_WORD = re.compile(r"\S+")


def reference_after(text: str, pos: int, window: int) -> tuple[int, int] | None:
    """The first reference-like run of words (digits and capitals) in ``window``
    characters after ``pos``, without crossing a paragraph."""
    limit = min(len(text), pos + window)
    blank = text.find("\n\n", pos, limit)
    if blank != -1:
        limit = blank
    words = list(_WORD.finditer(text, pos, limit))
    for k, word in enumerate(words[:8]):
        if not _ref_token(word.group()):
            continue
        start = word.start() + (len(word.group()) - len(word.group().lstrip("(")))
        # short groups of capitals before the number belong to it ("ΑΚ 123456", "IV B 3")
        back = k - 1
        while back >= 0 and k - back <= 3:
            prev = words[back].group()
            if not (1 <= len(prev) <= 4 and prev.isupper() and prev.isalpha()):
                break
            start = words[back].start()
            back -= 1
        end = word.start() + len(word.group().rstrip("(),:;."))
        if word.group().rstrip(")").endswith((",", ";", ".")):
            return start, end
        for nxt in words[k + 1 :]:
            if "\n" in text[end : nxt.start()]:
                break
            token = nxt.group()
            core = token.rstrip("(),:;.")
            if not core or not (
                (any(ch.isdigit() for ch in core) and _ref_token(core))
                or (len(core) <= 3 and core.isupper())
                or core in ("-", "–")
            ):
                break
            end = nxt.start() + len(core)
            if token != core:
                break
        return start, end
    return None

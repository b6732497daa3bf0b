"""Postal addresses, and the named places where someone lives or works.

An address is a street word and a name, in either order ("rue des Lilas", "Harehills Lane",
"ul. Długa", "οδός Αχαρνών"), or a one-word street ("Weserstraße", "Javastraat"), with its
house number, flat or floor, and postal code. The city after the postal code is context and
stays. A workplace or a home is a name after a noun such as "restaurant", "Finca", "baru" or
"συνεργείο", or right after "works at", in a sentence that speaks of working or living
somewhere. No library parses free-text European addresses offline, so the patterns are
written here, over word lists in ``data/redact/places.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from evidencia.redact import data
from evidencia.redact.context import Candidate, Context
from evidencia.redact.text import fold, is_capitalised, sentence_bounds


def _chars(test: str) -> str:
    """A character class body of the Latin and Greek letters passing ``test``."""
    ranges = list(range(0x41, 0x250)) + list(range(0x370, 0x400)) + list(range(0x1E00, 0x1F00))
    chars = "".join(chr(c) for c in ranges if getattr(chr(c), test)())
    return re.escape(chars).replace("-", r"\-")


UPPER = _chars("isupper")
LOWER = _chars("islower")
# a capitalised word, maybe after a lower-case elided article ("il-Kbira", "d'Italie")
CAPWORD = rf"(?:[{LOWER}]{{1,3}}[-'’])?[{UPPER}][\w'’\-]*"
NUMBER = r"\d{1,4}[A-Za-z]?(?:\s?[/-]\s?\d{1,4}[A-Za-z]?){0,3}(?:\s?(?:bis|ter))?"


def _words(words: list[str]) -> str:
    unique = sorted({w for w in words if w}, key=len, reverse=True)
    return "|".join(re.escape(w).replace("'", "['’]") for w in unique)


@cache
def _parts() -> dict[str, str]:
    p = data.places()
    particles = _words(p.street_particles)
    name = (
        rf"(?:(?:{particles})\s+)*{CAPWORD}"
        rf"(?:[ \t]+(?:(?:{particles})[ \t]+)*(?:{CAPWORD}|\d{{1,3}}(?=\s+[{UPPER}])))"
        r"{0,4}"
    )
    unit_words = _words(p.units)
    unit = (
        rf"(?:(?:{unit_words})\s*[\w.ºª°/-]{{1,6}}"
        r"|\d{1,2}\s?\.?\s?[ºª°]\s?(?:[A-Za-z]{1,5}\.?)?"
        r"|\d{1,2}[a-z]{1,2}\s\d{1,2}[a-z]{0,2})"
    )
    postcode = "|".join(f"(?:{c})" for c in p.postcodes.weak + p.postcodes.strong)
    return {
        "name": name,
        "units": rf"(?:,?\s*(?i:{unit})(?!\w))*",
        "postcode": rf"(?:,?\s+(?:{postcode})(?![\w-]))?",
        "before": _words(p.street_before),
        "after": _words([w for w in p.street_after]),
        "suffix": _words(p.street_suffix),
        "tail": _words(p.street_tail),
        "unit_words": unit_words,
    }


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    x = _parts()
    tail = rf"{x['units']}{x['postcode']}"
    before = rf"(?i:{x['before']})"
    after = rf"(?i:{x['after']})(?!\w)(?:\s+(?i:{x['tail']})(?!\w))?"
    return (
        # "Calle de la Esperanza 14, 3º B, 28012", "ul. Długa 15/3", "rue de Buci"
        re.compile(
            rf"(?<![\w.])(?P<street>{before})(?:\s+|(?<=/))(?P<name>{x['name']})"
            rf"(?:,?\s+(?P<number>{NUMBER})(?!\w){tail})?"
        ),
        # "27 Harehills Lane", "14 rue des Poissonniers, 75018", "Apartment 4, 12 Gardiner St"
        re.compile(
            rf"(?<![\w,.])(?:(?i:{x['unit_words']})\s*\w{{1,5}},?\s+)?(?P<number>{NUMBER}),?\s+"
            rf"(?:(?P<street>{before})\s+(?P<name>{x['name']})|(?P<name2>{x['name']})\s+{after})"
            rf"{tail}"
        ),
        # "Dachauer Straße 210, Zimmer 14"
        re.compile(
            rf"(?<!\w)(?P<name>{CAPWORD}(?:\s+{CAPWORD})?)\s+{after}\s+(?P<number>{NUMBER})"
            rf"(?!\w){tail}"
        ),
        # "Gooioord 218, 1103 CJ": any street name before a number and a postal code that
        # has letters or a hyphen (the Netherlands, Portugal, Poland)
        re.compile(
            rf"(?<![\w.])(?P<name>{CAPWORD}(?:\s+{CAPWORD})?)\s+(?P<number>{NUMBER})(?!\w)"
            rf"{x['units']},?\s+(?:\d{{4}} ?[A-Z]{{2}}|\d{{4}}-\d{{3}}|\d{{2}}-\d{{3}})(?![\w-])"
        ),
        # "Weserstraße 47, 12045", "Turnhoutsebaan 215 bus 4, 2140"
        re.compile(
            rf"(?<!\w)(?P<name>[{UPPER}][\w\-]*(?i:{x['suffix']}))\s+(?P<number>{NUMBER})"
            rf"(?!\w){tail}"
        ),
    )


@cache
def _strong_postcode() -> re.Pattern[str]:
    codes = "|".join(f"(?:{c})" for c in data.places().postcodes.strong)
    return re.compile(rf"(?<![\w-])(?:{codes})(?![\w-])")


@cache
def _bare_streets() -> frozenset[str]:
    return frozenset(w.casefold() for w in data.places().street_bare)


_YEAR = re.compile(r"(?:19|20)\d{2}")


@cache
def _street_particles() -> frozenset[str]:
    return frozenset(w.casefold() for w in data.places().street_particles)


def addresses(ctx: Context) -> Iterator[Candidate]:
    text = ctx.text
    for pattern in _patterns():
        for match in pattern.finditer(text):
            found = _address(ctx, match)
            if found is not None:
                yield found
    for match in _strong_postcode().finditer(text):
        yield ctx.candidate("address", match.start(), match.end(), "address.postcode", 60)
    for match in _home_unit().finditer(text):
        yield ctx.candidate("address", match.start(), match.end(), "address.unit", 58)


@cache
def _home_unit() -> re.Pattern[str]:
    return re.compile(
        rf"(?<!\w)(?i:{_words(data.places().home_units)})\s+\d{{1,4}}[A-Za-z]?(?![\w/.,]\d)"
    )


def _address(ctx: Context, match: re.Match[str]) -> Candidate | None:
    groups = match.groupdict()
    number = groups.get("number")
    name_group = "name" if groups.get("name") is not None else "name2"
    name_start, name_end = match.span(name_group)
    start, end = match.span()
    if number is None:
        street = (groups.get("street") or "").casefold()
        if street not in _bare_streets():
            return None
        # without a number, the name stops before a kept word ("plaza de Catalunya de
        # Barcelona" keeps Barcelona) and has no particle at its end
        for word in re.finditer(r"\S+", ctx.text[name_start:end]):
            if ctx.keep.overlaps(name_start + word.start(), name_start + word.end()):
                end = name_start + word.start()
                break
        while True:
            tail = re.search(r"\s+(\S+)\s*$", ctx.text[name_start:end])
            if tail is None or tail.group(1).casefold() not in _street_particles():
                break
            end = name_start + tail.start()
        name = ctx.text[name_start:end]
        if not re.search(rf"[{UPPER}]", name) or data.institutions().within(name.split()):
            return None  # "via de Wet": by way of the law, not a street
    else:
        number_first = match.start("number") < name_start
        if _YEAR.fullmatch(number) and (number_first or match.end("number") == end):
            return None  # "Arbeitsplatz 2019", "2021, Berlin court": a year, not a number
        if number_first and ctx.keep.overlaps(name_start, name_end):
            return None
    if ctx.keep.covers(start, end):
        return None
    while end > start and ctx.text[end - 1] in " ,.;:\n\t":
        if ctx.text[end - 1] == "." and re.search(
            r"\b(?:[A-Za-z]{1,4}|\d+\.º)\.$", ctx.text[start:end]
        ):
            break  # "izda.", "Esq.", "int." keep their dot
        end -= 1
    return ctx.candidate("address", start, end, "address.street", 60)


# ---------------------------------------------------------------------------------------
# Workplaces and homes


@cache
def _place_name() -> str:
    p = data.places()
    particles = _words(p.street_particles)
    suffixes = _words(p.company_suffixes)
    legal = rf"(?:{suffixes})(?!\w)"
    return (
        rf"{CAPWORD}(?:(?:[ \t]+|[ \t]*&[ \t]*)(?:(?:{particles})[ \t]+)*(?!{legal}){CAPWORD})"
        rf"{{0,5}}(?:,?[ \t]+{legal})?"
    )


@cache
def _workplace_pattern(lang: str | None) -> re.Pattern[str] | None:
    nouns = data._pick(data.places().workplaces, lang)
    if not nouns:
        return None
    # a lower-case article is no part of the name; a capitalised one is ("Le Petit Zinc")
    articles = r"(?:(?:the|le|la|les|el|los|las|il|lo|i|de|het|o|a|os|as|το|τη|την|η|ο)\s+|l['’])"
    return re.compile(
        rf"(?<!\w)(?:\w{{1,5}}['’])?(?P<noun>(?i:{_words(nouns)}))(?!\w)"
        # one adjective may follow the noun ("azienda agricola", "firmie przeprowadzkowej")
        rf"(?:[ \t]+[{LOWER}]{{5,}}(?=[ \t]+[{UPPER}]))?"
        # a capitalised noun may take a particle before the name ("Quinta da Boavista")
        rf"(?:[ \t]+(?P<particle>{_words(data.places().street_particles)})(?=[ \t]))?"
        rf"(?:,?\s+{articles}?|\s+)"
        rf"(?P<name>{_place_name()})?"
    )


@cache
def _after_work(lang: str | None) -> re.Pattern[str] | None:
    preps = data._pick(data.cue_file().at_place, lang)
    if not preps:
        return None
    return re.compile(
        rf"\s+(?i:{_words(preps)})\s+(?i:the\s+|la\s+|le\s+|el\s+|il\s+|de\s+|het\s+|a\s+|o\s+)?"
        rf"(?P<name>{_place_name()})"
    )


def _speaks_of_place(ctx: Context, start: int, end: int) -> bool:
    """Whether this or the previous sentence says that someone works or lives somewhere."""
    s_start, s_end = sentence_bounds(ctx.text, start, end)
    p_start, _ = sentence_bounds(ctx.text, max(0, s_start - 2), max(0, s_start - 2))
    for section in ("work", "home"):
        for cue in ctx.cues(section):
            if p_start <= cue.start() < s_end:
                return True
    return False


def _private(ctx: Context, start: int, end: int, words: list[str]) -> bool:
    """A name that is neither evidence (an institution, a city) nor a person's name alone."""
    if ctx.keep.overlaps(start, end) or data.institutions().within(words):
        return False
    return not ctx.gaz.is_place(" ".join(words))


def _name_like(ctx: Context, word: str) -> bool:
    return (
        ctx.gaz.first_rank(word, ctx.lang) is not None
        or ctx.gaz.last_rank(word, ctx.lang) is not None
    )


@cache
def _firm_pattern() -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){_place_name()}")


@cache
def _legal_forms() -> re.Pattern[str]:
    return re.compile(rf"(?:{_words(data.places().company_suffixes)})$")


def _named_firms(ctx: Context) -> Iterator[Candidate]:
    """Firms named without a noun before them, in a sentence about work or home: a name
    that ends in a legal form ("Hanse Catering GmbH") or in a workplace noun ("Kelvin Lodge
    Hotel")."""
    workplaces = data.workplace_words(ctx.lang)
    for match in _firm_pattern().finditer(ctx.text):
        words = match.group().split()
        last = words[-1].rstrip(",")
        legal = (
            bool(_legal_forms().search(match.group()))
            and len(words) >= 2
            and any(is_capitalised(w) for w in words[:-1])  # not "IV SA" (a court section)
        )
        named = len(words) >= 2 and fold(last) in workplaces and last[:1].isupper()
        if not (legal or named):
            continue
        start, end = match.span()
        if _speaks_of_place(ctx, start, end) and _private(ctx, start, end, words):
            yield ctx.candidate("location", start, end, "location.firm", 62)


def _overlapping(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Every match, also one starting inside the previous one ("invernaderos de la Finca
    Los Almendros" holds the match "Finca Los Almendros")."""
    pos = 0
    while (match := pattern.search(text, pos)) is not None:
        yield match
        pos = match.end("noun")


def locations(ctx: Context) -> Iterator[Candidate]:
    text = ctx.text
    pattern = _workplace_pattern(ctx.lang)
    if pattern is not None:
        for match in _overlapping(pattern, text):
            if match.group("name") is None:
                continue
            noun_start = match.start("noun")
            capital_noun = text[noun_start].isupper()
            if match.group("particle") and not capital_noun:
                continue  # "azienda di Mario Rossi": a person, left to the name rules
            start = noun_start if capital_noun else match.start("name")
            end = match.end("name")
            if not _speaks_of_place(ctx, start, end):
                continue
            words = match.group("name").split()
            if not capital_noun and len(words) == 1 and _name_like(ctx, words[0]):
                continue  # "κτήμα Λαμπρόπουλου": the owner's name, left to the name rules
            if _private(ctx, match.start("name"), end, words):
                yield ctx.candidate("location", start, end, "location.noun", 62)
    yield from _named_firms(ctx)
    after = _after_work(ctx.lang)
    if after is None:
        return
    for cue in ctx.cues("work"):
        found = after.match(text, cue.end())
        if found is None:
            continue
        match = found
        words = match.group("name").split()
        if len(words) == 1 and (_name_like(ctx, words[0]) or not is_capitalised(words[0])):
            continue  # "works for Amina": a person, left to the name rules
        honorific = data.cues("honorific", ctx.lang)
        if honorific is not None and honorific.match(match.group("name")):
            continue  # "works for Mr Hale"
        if _private(ctx, match.start("name"), match.end("name"), words):
            yield ctx.candidate(
                "location", match.start("name"), match.end("name"), "location.work", 62
            )

"""People's names.

Evidence, strongest first:

1. a cue: "my name is", "je m'appelle", "ich heiße", "ονομάζομαι"; a title ("Mme", "Herr",
   "sig.ra", "pan", "κ."); a form field ("Nombre:"); a relation ("her son", "the supervisor,",
   "η αδελφή της,"); in Greek, an article before two capitalised words ("ο Αχμάντ Καρίμι");
2. the gazetteer: capitalised words that begin with a common given name ("Tomasz Wójcik",
   "Karim Benali"), or a surname then a given name; one common given name alone, away from
   the start of a sentence, outside German (whose nouns all take capitals);
3. a word already known as part of someone's name in the document ("Robert" after "Mr
   Robert Hale", "Nowakiem" after "pan Krzysztof Nowak").

A run of capitalised words holding an institution word ("Ministry", "Tribunal", "Urzędu",
"Υπηρεσία"), a country or city, or a legal instrument is evidence and stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache

from babel import Locale
from stop_words import get_stop_words

from evidencia.redact import data
from evidencia.redact.context import Candidate, Context
from evidencia.redact.text import (
    LANGUAGES,
    Token,
    fold,
    is_capitalised,
    is_greek,
    is_upper,
    starts_sentence,
    stem,
    tokens,
)

#: a given name this common somewhere starts a name ("Karim Benali")
FIRST_RANK = 1000
#: ... and this common stands alone ("we met Fatima")
ALONE_RANK = 200
MAX_TOKENS = 5

_STOPWORD_LANGS = {
    "en": "english",
    "fr": "french",
    "es": "spanish",
    "de": "german",
    "it": "italian",
    "nl": "dutch",
    "pt": "portuguese",
    "pl": "polish",
    "el": "greek",
}


@cache
def _stopwords(lang: str | None) -> frozenset[str]:
    """The text's language's stop words (all languages' when it is unknown); English ones
    are not added to other languages' ("Said" is a name in a French text)."""
    codes = (lang,) if lang in _STOPWORD_LANGS else tuple(_STOPWORD_LANGS)
    words: set[str] = set()
    for code in codes:
        if code is not None:
            words.update(w.casefold() for w in get_stop_words(_STOPWORD_LANGS[code]))
    return frozenset(words)


@cache
def _common() -> frozenset[str]:
    """Capitalised words that are not names: months, weekdays, languages and countries in
    the languages covered (from CLDR). Compared with their accents: "março" is not Marco."""
    words: set[str] = set()
    for code in LANGUAGES:
        locale = Locale.parse(code)
        for context in ("format", "stand-alone"):
            words.update(m.casefold() for m in locale.months[context]["wide"].values())
            words.update(d.casefold() for d in locale.days[context]["wide"].values())
        for table in (locale.languages, locale.territories):
            words.update(n.casefold() for n in table.values() if " " not in n)
    return frozenset(words)


@cache
def _particles() -> frozenset[str]:
    return frozenset(w.casefold() for w in data.places().particles)


@cache
def _conjunctions() -> frozenset[str]:
    return frozenset(w.casefold() for w in data.places().conjunctions)


@dataclass
class _Run:
    """Capitalised words in a row (with particles between them), maybe after a cue."""

    words: list[Token]
    cue: str | None = None


def _name_like(ctx: Context, word: str) -> bool:
    return (
        ctx.gaz.first_rank(word, ctx.lang) is not None
        or ctx.gaz.last_rank(word, ctx.lang) is not None
    )


def _runs(ctx: Context, words: Sequence[Token]) -> list[_Run]:
    text, particles, conj = ctx.text, _particles(), _conjunctions()
    runs: list[_Run] = []
    i, n = 0, len(words)
    while i < n:
        if not (is_capitalised(words[i].text) or is_upper(words[i].text)):
            i += 1
            continue
        run = [words[i]]
        j = i + 1
        while j < n:
            gap = text[run[-1].end : words[j].start]
            word = words[j].text
            if gap in (" ", "\u00a0") and (is_capitalised(word) or is_upper(word)):
                run.append(words[j])
                j += 1
                continue
            if (
                gap.strip() == ""
                and gap.count("\n") == 1
                and is_capitalised(word)
                and _name_like(ctx, word)
                and not text.startswith(":", words[j].end)
                and not starts_sentence(text, words[j].start)
            ):
                run.append(words[j])  # a name wrapped at the end of a line
                j += 1
                continue
            # particles and conjunctions inside a name: "Pieter de Vries", "Puig i Serra"
            if (
                gap == " "
                and j + 1 < n
                and text[words[j].end : words[j + 1].start] == " "
                and is_capitalised(words[j + 1].text)
            ):
                low = word.casefold()
                after_name = run[-1].text.casefold() not in _stopwords(ctx.lang)
                if word.islower() and low in particles and after_name:
                    run.extend((words[j], words[j + 1]))
                    j += 2
                    continue
                if (
                    low in conj
                    and len(run) >= 2
                    and (ctx.gaz.first_rank(words[j + 1].text, ctx.lang) or 10**9) > FIRST_RANK
                ):
                    run.extend((words[j], words[j + 1]))
                    j += 2
                    continue
            break
        runs.append(_Run(run))
        i = j
    return runs


def _cue_of(ctx: Context, start: int) -> str | None:
    """Which cue, if any, stands right before ``start``."""
    text = ctx.text
    gaps = {
        "name": r"[\s:,\"“«'‘]*",
        "honorific": r"\s*",
        "label": r"\s*:\s*",
        "relation": "",
        "self": r"[ \t]+",
        "article": r"\s+",
    }
    for section, gap in gaps.items():
        if section == "article" and ctx.lang not in (None, "el"):
            continue
        cue = ctx.cue_before(section, start, 40)
        if cue is None:
            continue
        between = text[cue.end() : start]
        if section == "relation":
            if _relation(ctx, cue, between):
                return section
            continue
        if re.fullmatch(gap, between):
            return section
    return None


def _relation(ctx: Context, cue: re.Match[str], between: str) -> bool:
    """A kin or role noun right before a name ("her son Ali", "the supervisor, Tomasz",
    "une famille, les Martin", "η αδελφή της, Χαμπίμπα"), written in lower case except in
    German (so "the Rights of the Child, Joint comment" is no relation)."""
    word = cue.group()
    if word[:1].isupper() and ctx.lang != "de" and not starts_sentence(ctx.text, cue.start()):
        return False
    if between.count(",") > 1 or "\n\n" in between:
        return False
    rest = between.strip(" ,\n\t")
    if not rest:
        return True
    link = data.cues("relation_link", ctx.lang)
    return link is not None and link.fullmatch(rest) is not None


def _inside_cue(ctx: Context, word: Token) -> bool:
    """Whether ``word`` belongs to a cue phrase ("Ονομάζομαι", "Chamo-me", "Nombre")."""
    for section in ("name", "label", "relation", "self", "article"):
        cue = ctx.cue_before(section, word.end, word.end - word.start + 40)
        if cue is not None and cue.start() <= word.start and word.end <= cue.end():
            return True
    return False


def _strip_honorifics(ctx: Context, run: _Run) -> _Run:
    """Titles written with a capital ("Herr", "Mme", "Dr.") open the run but are no part
    of the name; they make it a cued one. So do cue words at the start of a sentence."""
    pattern = data.cues("honorific", ctx.lang)
    words = list(run.words)
    cue = run.cue
    # the name starts after the last title or cue word in the run ("Seine Frau Chioma")
    for k in range(len(words) - 1, -1, -1):
        match = pattern.match(ctx.text, words[k].start) if pattern is not None else None
        if (
            match is not None
            and match.end() >= words[k].end
            and (k + 1 == len(words) or match.end() <= words[k + 1].start)
        ):
            return _Run(words[k + 1 :], "honorific")
        if _inside_cue(ctx, words[k]):
            return _Run(words[k + 1 :], cue)
    return _Run(words, cue)


def _excluded(ctx: Context, word: Token, cued: bool) -> bool:
    """Words that cannot be part of a name."""
    key = word.text.casefold()
    if data.institutions().holds(word.text):
        return True
    if ctx.text.startswith(":", word.end) and not cued:
        return True
    if not cued and ctx.keep.overlaps(word.start, word.end):
        return True
    return not cued and key in _common()


def _trim(ctx: Context, words: list[Token], cued: bool) -> list[Token]:
    """The name part of a run: up to the first word that cannot belong to a name; a
    small stop word ("El", "Van", "De") stays inside a name, not at its ends."""
    stop, particles = _stopwords(ctx.lang), _particles()
    out: list[Token] = []
    for k, word in enumerate(words):
        key = word.text.casefold()
        if _excluded(ctx, word, cued):
            break
        inside = 0 < k < len(words) - 1
        if key in stop and not (inside and word.text.casefold() in particles):
            if inside and (key in particles or key in _conjunctions()):
                out.append(word)
                continue
            break
        if is_upper(word.text) and not cued and not _name_like(ctx, word.text.title()):
            break
        out.append(word)
        if len([w for w in out if not w.text.islower()]) >= MAX_TOKENS:
            break
    while out and (out[-1].text.islower() or out[-1].text.casefold() in particles):
        out.pop()
    return out


def _given(ctx: Context, word: str, limit: int) -> bool:
    rank = ctx.gaz.first_rank(word, ctx.lang)
    return rank is not None and rank <= limit and word.casefold() not in _stopwords(ctx.lang)


def _surname(ctx: Context, word: str) -> bool:
    return ctx.gaz.last_rank(word, ctx.lang) is not None


def _title_case(ctx: Context, word: Token) -> bool:
    """Whether ``word`` stands among capitalised ordinary words, as in a title ("Preventing
    Harm, Promoting Rights"), where a capital says nothing."""
    line_start = max(ctx.text.rfind("\n", 0, word.start) + 1, word.start - 60)
    line_end = ctx.text.find("\n", word.end, word.end + 60)
    line = ctx.text[line_start : line_end if line_end != -1 else word.end + 60]
    around = [w for w in tokens(line) if len(w.text) >= 4 and w.start + line_start != word.start]
    capital = [w for w in around if is_capitalised(w.text) and not _name_like(ctx, w.text)]
    return len(capital) >= 3 and len(capital) * 2 >= len(around)


def _gazetteer_name(ctx: Context, words: list[Token]) -> list[Token] | None:
    """A name the gazetteer vouches for, or None: a common given name followed by words
    the gazetteer knows as names ("Tomasz Wójcik"), or a surname then a given name."""
    text = ctx.text
    workplaces = data.workplace_words(ctx.lang)
    if any(data.institutions().holds(w.text) or fold(w.text) in workplaces for w in words):
        return None  # "Kelvin Lodge Hotel", "Santa Maria Hospital"
    if ctx.gaz.is_place(text[words[0].start : words[-1].end]):
        return None
    # a common noun or a sentence's first word before the name ("Betriebsleiter Klaus
    # Brandt", "Yesterday Amina Diallo") is dropped
    while (
        len(words) >= 2
        and not _given(ctx, words[0].text, FIRST_RANK)
        and (starts_sentence(text, words[0].start) or _given(ctx, words[1].text, FIRST_RANK))
    ):
        words = words[1:]
    if len(words) >= 2 and ctx.keep.covers(words[0].start, words[0].end):
        # "Georgia Brown", "Chad Williams": a country's name as a given name
        first, second = words[0].text, words[1].text
        if (
            _given(ctx, first, FIRST_RANK)
            and _surname(ctx, second)
            and not ctx.keep.overlaps(words[1].start, words[1].end)
        ):
            rest = _trim(ctx, words[1:], cued=False)
            return [words[0], *rest] if rest else None
    name = _trim(ctx, words, cued=False)
    core = [w for w in name if not w.text.islower()]
    if len(core) >= 2:
        first, second = core[0].text, core[1].text
        if not all(_name_like(ctx, w.text) for w in core[1:]):
            return None  # "Paris Principles", "Data Protection"
        if _given(ctx, first, FIRST_RANK) or (
            (ctx.gaz.last_rank(first, ctx.lang) or 10**9) <= FIRST_RANK
            and _given(ctx, second, FIRST_RANK)
        ):
            return name
        return None
    if (
        len(core) == 1
        and len(core[0].text) >= 3
        and ctx.lang != "de"
        and not is_upper(core[0].text)
    ):
        # one given name alone, in running text: not at the start of a sentence, a line
        # or a heading, where any word takes a capital ("Data urodzenia:", "Bienvenido"),
        # nor in a title
        word = core[0]
        if starts_sentence(text, word.start) or ctx.gaz.is_place(word.text):
            return None
        if _given(ctx, word.text, ALONE_RANK) and not _title_case(ctx, word):
            return name
    return None


def persons(ctx: Context) -> Iterator[Candidate]:
    words = tokens(ctx.text)
    for run in _runs(ctx, words):
        run = _strip_honorifics(ctx, run)
        if not run.words:
            continue
        cue = run.cue or _cue_of(ctx, run.words[0].start)
        name: list[Token] | None
        if cue is not None:
            strong = cue in ("name", "honorific", "label")
            name = _trim(ctx, run.words, cued=strong)
            single = len([w for w in name if not w.text.islower()]) < 2
            if single and cue == "article":
                name = _gazetteer_name(ctx, run.words)
                cue = None
            elif cue == "self" and name and not _given(ctx, name[0].text, FIRST_RANK):
                name = None  # "I am Kwame", not "I am Catholic"
            elif (
                cue == "relation"
                and single
                and name
                and (
                    (ctx.lang == "de" and not _given(ctx, name[0].text, FIRST_RANK))
                    or (
                        not _name_like(ctx, name[0].text)
                        and (
                            "\n" in ctx.text[max(0, name[0].start - 4) : name[0].start]
                            or is_upper(name[0].text)
                        )
                    )
                )
            ):
                # "the rights of the child / Delivered on behalf of" (a new line), "die
                # Mutter Angst hat" (a German noun), "son NIR" (an acronym)
                name = None
        else:
            name = _gazetteer_name(ctx, run.words)
        if name:
            rule = f"person.{cue}" if cue else "person.gazetteer"
            yield ctx.candidate("person", name[0].start, name[-1].end, rule, 54 if cue else 50)


def known_mentions(
    ctx: Context, stems: Iterable[str], taken: Sequence[tuple[int, int]] = ()
) -> Iterator[Candidate]:
    """Capitalised words that are part of a name already found in the document."""
    known = frozenset(stems)
    if not known:
        return
    stop, particles = _stopwords(ctx.lang), _particles()
    current: list[Token] = []
    for word in tokens(ctx.text):
        hit = (
            (is_capitalised(word.text) or (is_upper(word.text) and len(word.text) > 3))
            and stem(word.text, ctx.lang) in known
            and word.text.casefold() not in stop
            and word.text.casefold() not in particles
            and not ctx.keep.covers(word.start, word.end)
            and not any(s <= word.start and word.end <= e for s, e in taken)
        )
        if hit and current and ctx.text[current[-1].end : word.start] in (" ", "\n"):
            current.append(word)
            continue
        if current:
            yield ctx.candidate("person", current[0].start, current[-1].end, "person.known", 48)
            current = []
        if hit:
            current = [word]
    if current:
        yield ctx.candidate("person", current[0].start, current[-1].end, "person.known", 48)


def name_stems(text: str, language: str | None) -> set[str]:
    """The stems of a found name's words that may identify it later on their own."""
    particles, stop = _particles(), _stopwords(language)
    out = set()
    for word in tokens(text):
        if len(word.text) < 3 or word.text.casefold() in particles or word.text.casefold() in stop:
            continue
        if is_greek(word.text) or is_capitalised(word.text) or is_upper(word.text):
            out.add(stem(word.text, language))
    return out

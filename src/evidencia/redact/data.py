"""The redactor's YAML data (``evidencia/data/redact``): cue phrases per language, and the
words of addresses, workplaces and institutions, read once and compiled to regular
expressions. A linguist fixes a language by editing the YAML, not the detectors."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from pydantic import BaseModel, ConfigDict

from evidencia.datafile import DataFileError, parse
from evidencia.redact.text import LANGUAGES, fold

PerLanguage = dict[str, list[str]]


class RedactDataError(DataFileError):
    """A redaction data file that cannot be used."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CueFile(_Strict):
    name: PerLanguage
    honorific: PerLanguage
    relation: PerLanguage
    label: PerLanguage
    article: PerLanguage
    relation_link: PerLanguage
    self: PerLanguage
    birth: PerLanguage
    phone: PerLanguage
    case: PerLanguage
    plate: PerLanguage
    work: PerLanguage
    home: PerLanguage
    at_place: PerLanguage
    judgment: PerLanguage
    versus: PerLanguage
    id: dict[str, PerLanguage]


class Postcodes(_Strict):
    strong: list[str]
    weak: list[str]


class Plates(_Strict):
    strong: dict[str, str]
    cued: dict[str, str]


class PlacesFile(_Strict):
    street_before: list[str]
    street_bare: list[str]
    street_after: list[str]
    street_suffix: list[str]
    street_tail: list[str]
    units: list[str]
    home_units: list[str]
    postcodes: Postcodes
    workplaces: PerLanguage
    company_suffixes: list[str]
    institutions: list[str]
    organisations: list[str]
    particles: list[str]
    street_particles: list[str]
    conjunctions: list[str]
    plates: Plates


def _read(name: str) -> str:
    return files("evidencia.data").joinpath("redact", name).read_text("utf-8")


@cache
def cue_file() -> CueFile:
    return parse(_read("cues.yaml"), "data/redact/cues.yaml", CueFile, RedactDataError)


@cache
def places() -> PlacesFile:
    return parse(_read("places.yaml"), "data/redact/places.yaml", PlacesFile, RedactDataError)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _parse(phrase: str) -> tuple[str, bool, bool, bool, bool]:
    """(expression body, case-sensitive, left boundary, right boundary, stem) of a phrase."""
    phrase = " ".join(phrase.split())
    exact = phrase.startswith("=") and len(phrase) > 1
    phrase = phrase.lstrip("=") if exact else phrase
    stemmed = phrase.endswith("*") and len(phrase) > 1
    text = phrase.rstrip("*") if stemmed else phrase
    letters = [ch for ch in text if ch.isalpha()]
    sensitive = exact or (len(letters) >= 2 and all(ch.isupper() for ch in letters))
    return text, sensitive, _is_word(text[0]), stemmed or _is_word(text[-1]), stemmed


def _escape(text: str) -> str:
    return r"\s+".join(re.escape(w) for w in text.split(" ")).replace("'", "['’]")


def _trie(words: list[str], case_fold: bool) -> str:
    """One expression for many literal phrases, as a trie: Python's regular expressions try
    alternatives one by one, so shared beginnings are factored out (longest match first)."""
    root: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in words:
        node = root
        for ch in word.lower() if case_fold else word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:  # type: ignore[type-arg]
        end = "" in node
        branches = []
        for ch in sorted(k for k in node if k):
            if ch == " ":
                head = r"\s+"
            elif ch == "'":
                head = "['’]"
            else:
                head = re.escape(ch)
            branches.append(head + build(node[ch]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return build(root)


def phrase_pattern(phrase: str) -> str:
    """A cue phrase as a regular expression: whole words, any white space between them, a
    trailing ``*`` for any ending; case ignored unless the phrase is written in capitals
    or starts with ``=`` ("=państwa": the honorific, not "Państwa", the State)."""
    text, sensitive, left, right, stemmed = _parse(phrase)
    body = _escape(text) + (r"\w*" if stemmed else "")
    pattern = (r"(?<!\w)" if left else "") + body + (r"(?!\w)" if right else "")
    return pattern if sensitive else f"(?i:{pattern})"


def alternation(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One expression for many phrases: grouped by case and word boundaries, each group a
    trie, so that the longest phrase wins ("né le" over "né") and matching stays fast."""
    groups: dict[tuple[bool, bool, bool, bool], list[str]] = {}
    for phrase in phrases:
        if phrase.strip():
            text, sensitive, left, right, stemmed = _parse(phrase)
            groups.setdefault((sensitive, left, right, stemmed), []).append(text)
    if not groups:
        return None
    parts = []
    for (sensitive, left, right, stemmed), texts in sorted(groups.items()):
        body = _trie(texts, case_fold=not sensitive) + (r"\w*" if stemmed else "")
        part = (r"(?<!\w)" if left else "") + f"(?:{body})" + (r"(?!\w)" if right else "")
        parts.append(part if sensitive else f"(?i:{part})")
    return re.compile("|".join(parts))


def _languages(lang: str | None, english: bool = True) -> tuple[str, ...]:
    """The cue languages for a hint: that language and English (quoted forms, "Name:"), or
    all of them when the language is unknown."""
    if lang in LANGUAGES:
        return (lang,) if lang == "en" or not english else (lang, "en")
    return LANGUAGES


#: sections whose English words are ordinary words elsewhere ("son" is French for "his")
_OWN_LANGUAGE_ONLY = frozenset({"relation", "relation_link", "self", "article"})


def _pick(table: PerLanguage, lang: str | None, english: bool = True) -> list[str]:
    out: list[str] = []
    for code in _languages(lang, english):
        out.extend(table.get(code, []))
    out.extend(table.get("*", []))
    return out


@cache
def cues(section: str, lang: str | None) -> re.Pattern[str] | None:
    """The compiled cue phrases of one section of ``cues.yaml`` for a language hint."""
    if section == "id":  # any kind of identity number
        return alternation(p for t in cue_file().id.values() for p in _pick(t, lang))
    table = getattr(cue_file(), section)
    if not isinstance(table, dict):
        raise KeyError(section)
    return alternation(_pick(table, lang, english=section not in _OWN_LANGUAGE_ONLY))


@cache
def id_cues(lang: str | None) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(sub-kind, expression) for each kind of identity number a cue can announce."""
    out = []
    for sub, table in cue_file().id.items():
        pattern = alternation(_pick(table, lang))
        if pattern is not None:
            out.append((sub, pattern))
    return tuple(out)


@cache
def workplace_words(lang: str | None) -> frozenset[str]:
    return frozenset(fold(w) for w in _pick(places().workplaces, lang))


@dataclass(frozen=True)
class Institutions:
    """Words that make a capitalised run an institution, organisation, law or policy."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    phrases: tuple[str, ...]

    def holds(self, word: str) -> bool:
        key = word.casefold()
        if key in self.exact:
            return True
        if self.prefixes and key.startswith(self.prefixes):
            return True
        return bool(self.suffixes) and key.endswith(self.suffixes) and len(key) > 4

    def within(self, words: Iterable[str]) -> bool:
        listed = list(words)
        if any(self.holds(w) for w in listed):
            return True
        joined = " " + " ".join(w.casefold() for w in listed) + " "
        return any(f" {p} " in joined for p in self.phrases)


@cache
def institutions() -> Institutions:
    exact, prefixes, suffixes, phrases = set(), [], [], []
    for raw in places().institutions:
        word = raw.casefold()
        if " " in word:
            phrases.append(word)
        elif word.endswith("*"):
            prefixes.append(word[:-1])
        elif word.startswith("*"):
            suffixes.append(word[1:])
        else:
            exact.add(word)
    return Institutions(frozenset(exact), tuple(prefixes), tuple(suffixes), tuple(phrases))


@cache
def organisations() -> re.Pattern[str] | None:
    return alternation(places().organisations)

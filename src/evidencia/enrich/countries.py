"""Countries and European scopes (EU, Council of Europe, Schengen, EEA) named in a text.

Users filter and compare evidence by country, in whatever language a source was written, so
every way a passage can name a country counts: the short and official names, adjectives and
demonyms, the inflected forms of languages with cases, and capitals. A dictionary is used,
not a model: the names are a closed, well-kept set (CLDR via Babel, ISO 3166 translations
via pycountry), results must be explainable and correctable, and it has to run over every
stored passage. What the libraries lack (demonyms, case endings, cities, traps such as
"Chad Smith" or "Atlanta, Georgia") lives in YAML under ``evidencia/data/countries`` so that
a linguist can fix a language without touching this file.

How it matches: the text is cut into word tokens; each token's normalised form is looked up
in one dictionary built from every form of every name (inflections are generated up front
from per-language suffix rules, which keeps ``find`` to one lookup per token); a hit may
extend over following tokens for multi-word names; the longest hit wins, and trap rules
(regular expressions on the words around it) can veto it. Each form carries a case
requirement, so "Turkey" is a country and "turkey" a bird, while lowercase adjectives of
languages that write them so ("española", "néerlandaises") still match.

With a ``language`` hint only that language's forms (plus English and language-neutral
ones) are used, which avoids cross-language homographs; without one, all languages are.

Keys: ISO 3166-1 alpha-2 (GR for Greece, GB for the United Kingdom, and XK for Kosovo),
kind "country"; or kind "scope" for areas that are not countries: EU (the Union, its
institutions and agencies, Frontex included, since a passage about them is about EU
action), COE (the Council of Europe and its bodies; the European Court and Convention of
Human Rights belong here, not to the EU), SCHENGEN and EEA. A bare "Europe" is no scope.
A city counts for its country; a language ("in French"), a person ("Chad Smith") or an
instrument named after a city ("Dublin Regulation", "Istanbul Convention") does not.
``attrs["form"]`` says what was matched: name, adj, people, city, scope or extra (a plain
name from a locale outside the EU's languages).
"""

from __future__ import annotations

import gettext
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

import pycountry
import yaml
from babel import Locale, UnknownLocaleError

from evidencia.enrich.base import Mention, TextEnricher

# A token is a run of word characters (with combining marks, for decomposed text) or a
# dotted capital acronym ("U.S.", "E.U."). Apostrophes and hyphens separate tokens, so
# "d'Italie", "l-Italja" and "EU-Staaten" all expose the name as a token of its own.
_TOKEN_RE = re.compile(r"(?:[A-Z]\.){2,}|[\w\u0300-\u036f]+")
# What may separate the tokens of a multi-word name: spaces, hyphens, apostrophes, dots.
_GAP_RE = re.compile(r"[\s.\-\u00ad\u2010\u2011\u2013'\u2019`]+")

ANY, CAP, UPPER = 0, 1, 2  # case a token must have: any, capital initial, all capitals
KIND_RANK = {"name": 0, "scope": 0, "city": 1, "people": 2, "adj": 3, "extra": 4}

_FOLD = str.maketrans({"ς": "σ", "ş": "ș", "ţ": "ț", "Ş": "ș", "Ţ": "ț", "ß": "ss", "’": "'"})


def _normalise(token: str) -> str:
    """The lookup key of a token: lower case, NFC, Romanian comma letters, and no Greek
    accents (Greek capitals drop them, so "ΕΛΛΑΔΑ" must meet "Ελλάδα")."""
    if token.isascii():
        return token.lower()
    key = unicodedata.normalize("NFC", token).lower().translate(_FOLD)
    if any("\u0370" <= ch <= "\u03ff" or "\u1f00" <= ch <= "\u1fff" for ch in key):
        stripped = "".join(
            ch for ch in unicodedata.normalize("NFD", key) if not unicodedata.combining(ch)
        )
        key = unicodedata.normalize("NFC", stripped)
    return key


_cached_key = lru_cache(maxsize=1 << 16)(_normalise)


def _req_of(token: str) -> int:
    """The case a text token needs, read off how the form was written in the data."""
    if len(token) >= 2 and token.isupper():
        return UPPER
    return CAP if token[:1].isupper() else ANY


# --------------------------------------------------------------------------------------
# Data files


# libyaml's loader when PyYAML was built with it: the data files are read on first use
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _data_dir() -> Traversable:
    """The packaged YAML files (read through importlib so that a zipped install works)."""
    return files("evidencia.data").joinpath("countries")


def _load_yaml(resource: Traversable) -> dict[str, Any]:
    raw = yaml.load(resource.read_text("utf-8"), Loader=_YAML_LOADER)
    if not isinstance(raw, dict):
        raise ValueError(f"{resource.name}: expected a mapping")
    return raw


def _words(value: object, where: str) -> list[str]:
    """A space-separated list of templates from the data (YAML would turn a bare ``no`` or
    ``on`` in a list into a boolean, so lists are written as strings)."""
    if value is None:
        return []
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected a string, got {value!r}")
    return value.split()


_ALT_RE = re.compile(r"\(([^()]*)\)")


def _expand(template: str) -> list[str]:
    """``Francuz(|a|i)`` -> Francuz, Francuza, Francuzi; ``_`` stands for a space."""
    match = _ALT_RE.search(template)
    if match is None:
        return [template.replace("_", " ")]
    out: list[str] = []
    for alt in match.group(1).split("|"):
        out.extend(_expand(template[: match.start()] + alt + template[match.end() :]))
    return out


@dataclass(frozen=True, slots=True)
class _Rule:
    """Replace what ``ends`` (or ``begins``) matched by each of ``to``, if ``when`` holds."""

    pattern: re.Pattern[str]
    to: tuple[str, ...]
    when: re.Pattern[str] | None = None

    def apply(self, word: str) -> Iterable[str]:
        if self.when is not None and not self.when.search(word):
            return ()
        match = self.pattern.search(word)
        if match is None:
            return ()
        out = []
        head, tail = word[: match.start()], word[match.end() :]
        for t in self.to:
            lower = t.startswith("!")  # "!i": the result is a lowercase adjective
            t = t.lstrip("!")
            form = head + (match.expand(t) if "\\" in t else t) + tail
            out.append(form.lower() if lower else form)
        return out


def _rule(spec: object, where: str, at_start: bool = False) -> _Rule:
    """A rule from the data: ``"PATTERN > REPL REPL"`` or ``{if: REGEX, rule: ...}``; ``_``
    is the empty replacement, ``\\1`` a group, a leading ``!`` lowercases the result."""
    when: str | None = None
    if isinstance(spec, dict):
        when, body = spec.get("if"), spec.get("rule")
    else:
        body = spec
    if not isinstance(body, str) or " > " not in body:
        raise ValueError(f"{where}: a rule is 'PATTERN > REPLACEMENT ...', got {spec!r}")
    pattern, _, repl = body.partition(" > ")
    regex = f"^(?:{pattern.strip()})" if at_start else f"(?:{pattern.strip()})$"
    to = tuple("" if r == "_" else r for r in repl.split())
    return _Rule(re.compile(regex), to, re.compile(when) if when else None)


@dataclass
class _Lang:
    """One language's data file, compiled."""

    code: str
    cldr: list[str]
    gettext: list[str]
    articles: frozenset[str]
    min_inflect: int
    block: frozenset[str]
    hint_only: frozenset[str]
    rules: dict[str, list[_Rule]]
    initial: list[_Rule]
    base: list[_Rule]
    fold: bool
    entries: dict[str, dict[str, list[str]]]
    scopes: frozenset[str] = frozenset()


def _parse_lang(raw: dict[str, Any], where: str) -> _Lang:
    code = str(raw["lang"])
    rules = {
        cat: [_rule(r, f"{where} rules.{cat}") for r in specs or []]
        for cat, specs in (raw.get("rules") or {}).items()
    }
    entries: dict[str, dict[str, list[str]]] = {}
    for section in ("countries", "scopes"):
        for key, spec in (raw.get(section) or {}).items():
            if not isinstance(spec, dict):
                raise ValueError(f"{where}: {section}.{key} must be a mapping")
            entry = entries.setdefault(str(key), {})
            for cat, value in spec.items():
                entry.setdefault(str(cat), []).extend(_words(value, f"{where} {key}.{cat}"))
    return _Lang(
        code=code,
        cldr=_words(raw.get("cldr", code), where),
        gettext=_words(raw.get("gettext", code), where),
        articles=frozenset(_words(raw.get("articles"), where)),
        min_inflect=int(raw.get("min_inflect", 4)),
        block=frozenset(_normalise(w) for w in _words(raw.get("block"), where)),
        hint_only=frozenset(_normalise(w) for w in _words(raw.get("hint_only"), where)),
        rules=rules,
        initial=[_rule(r, f"{where} initial", True) for r in raw.get("initial") or []],
        base=[_rule(r, f"{where} base", True) for r in raw.get("base") or []],
        fold=bool(raw.get("fold", False)),
        entries=entries,
        scopes=frozenset(str(k) for k in raw.get("scopes") or {}),
    )


@dataclass(frozen=True, slots=True)
class _Trap:
    """A context in which a match is not what it seems; all given conditions must hold."""

    name: str
    keys: frozenset[str] | None
    kinds: frozenset[str] | None
    forms: frozenset[str] | None
    langs: frozenset[str] | None
    before: re.Pattern[str] | None
    after: re.Pattern[str] | None
    surface: re.Pattern[str] | None
    window: int

    def fires(
        self, text: str, start: int, end: int, norm: str, cand: _Cand, lang: str | None
    ) -> bool:
        """Whether this trap vetoes ``cand`` found at ``text[start:end]`` (``norm``: its
        lookup key); the cheap conditions are tested first."""
        if self.keys is not None and cand.key not in self.keys:
            return False
        if self.kinds is not None and cand.kind not in self.kinds:
            return False
        if self.langs is not None and (lang or "none") not in self.langs:
            return False
        if self.forms is not None and norm not in self.forms:
            return False
        if self.surface is not None and not self.surface.fullmatch(text, start, end):
            return False
        if self.after is not None and not self.after.match(text, end, end + 80):
            return False
        if self.before is None:
            return True
        return bool(self.before.search(text, max(0, start - self.window), start))


def _parse_traps(raw: dict[str, Any]) -> list[_Trap]:
    """The trap rules, with ``<NAME>`` definitions expanded and expressions compiled."""
    defs = {str(k): re.sub(r"\s+", "", str(v)) for k, v in (raw.get("defs") or {}).items()}

    def compile_(pattern: object, anchor: str, icase: bool) -> re.Pattern[str] | None:
        if pattern is None:
            return None
        text = str(pattern)
        for _ in range(4):  # definitions may use definitions
            for name, value in defs.items():
                text = text.replace(f"<{name}>", value)
        body = f"(?:{text})\\Z" if anchor == "end" else f"(?:{text})"
        return re.compile(body, re.IGNORECASE if icase else 0)

    def optional(spec: dict[str, Any], name: str, norm: bool = False) -> frozenset[str] | None:
        if name not in spec:
            return None
        words = _words(spec[name], f"traps {spec.get('name')}.{name}")
        return frozenset(_normalise(w.replace("_", " ")) if norm else w for w in words)

    traps = []
    for spec in raw.get("traps") or []:
        icase = bool(spec.get("icase", False))
        traps.append(
            _Trap(
                name=str(spec.get("name", "?")),
                keys=optional(spec, "keys"),
                kinds=optional(spec, "kinds"),
                forms=optional(spec, "forms", norm=True),
                langs=optional(spec, "langs"),
                before=compile_(spec.get("before"), "end", icase),
                after=compile_(spec.get("after"), "start", icase),
                surface=compile_(spec.get("surface"), "full", icase),
                window=int(spec.get("window", 60)),
            )
        )
    return traps


@dataclass
class _Data:
    """The parsed data files."""

    langs: dict[str, _Lang]
    common: _Lang
    labels: dict[str, str]
    extra_cldr: list[str]
    global_block: frozenset[str]
    prefixes: dict[str, str]
    traps: list[_Trap]


@cache
def _data() -> _Data:
    """All data files, parsed once."""
    root = _data_dir()
    common_raw = _load_yaml(root.joinpath("common.yaml"))
    langs: dict[str, _Lang] = {}
    for resource in sorted(root.joinpath("lang").iterdir(), key=lambda r: r.name):
        if resource.name.endswith(".yaml"):
            lang = _parse_lang(_load_yaml(resource), resource.name)
            langs[lang.code] = lang
    common = _parse_lang({**common_raw, "lang": "*", "cldr": "", "gettext": ""}, "common.yaml")
    prefixes = {
        _normalise(p): str(key)
        for key, words in (common_raw.get("prefixes") or {}).items()
        for p in _words(words, "common.yaml prefixes")
    }
    return _Data(
        langs=langs,
        common=common,
        labels={str(k): str(v) for k, v in (common_raw.get("labels") or {}).items()},
        extra_cldr=_words(common_raw.get("extra_cldr"), "common.yaml extra_cldr"),
        global_block=frozenset(
            _normalise(w.replace("_", " ")) for w in _words(common_raw.get("block"), "block")
        ),
        prefixes=prefixes,
        traps=_parse_traps(_load_yaml(root.joinpath("traps.yaml"))),
    )


# --------------------------------------------------------------------------------------
# Forms


@dataclass(frozen=True, slots=True)
class _Form:
    """A way of naming ``key``: one set of accepted token keys per word of the name."""

    slots: tuple[frozenset[str], ...]
    reqs: tuple[int, ...]
    key: str
    kind: str
    lang: str
    hint_only: bool


@dataclass(frozen=True, slots=True)
class _Cand:
    """What a first token may begin: the rest of the name, the cases, the result."""

    rest: tuple[frozenset[str], ...]
    reqs: tuple[int, ...]
    key: str
    kind: str
    label: str = field(compare=False)


def _territory_codes() -> set[str]:
    """Every ISO 3166-1 country, plus Kosovo."""
    codes = {c.alpha_2 for c in pycountry.countries}
    codes.add("XK")  # Kosovo: user-assigned in ISO 3166, used by the EU and CLDR
    return codes


def _clean_name(name: str) -> list[str]:
    """CLDR writes some names as lists ("Myanmar (Burma)", "Hong Kong, RAE da China"):
    each part is a name of its own."""
    head, _, _ = name.partition(",")
    inside = re.findall(r"\(([^()]*)\)", head)
    outside = " ".join(re.sub(r"\([^()]*\)", " ", head).split())
    # "(fr.)", "(NL)": abbreviations in parentheses are not names
    parts = [outside] + [p.strip() for p in inside if len(p.strip()) > 3 and "." not in p]
    return [p for p in parts if _TOKEN_RE.search(p)]


def _auto_names(lang: _Lang, codes: set[str], extra: bool = False) -> dict[str, set[str]]:
    """Names of every territory (and the EU) in this language from CLDR and pycountry."""
    names: dict[str, set[str]] = {}
    wanted = codes | {"EU"}
    for loc in lang.cldr:
        try:
            territories = Locale.parse(loc).territories
        except (UnknownLocaleError, ValueError):
            warnings.warn(f"countries: no CLDR locale {loc!r}", stacklevel=2)
            continue
        for code, name in territories.items():
            if code in wanted:
                names.setdefault(code, set()).update(_clean_name(name))
    if extra:
        return names
    for loc in lang.gettext:
        trans = gettext.translation(
            "iso3166-1", pycountry.LOCALES_DIR, languages=[loc], fallback=True
        )
        for country in pycountry.countries:
            for attr in ("name", "official_name", "common_name"):
                source = getattr(country, attr, None)
                if not source or "," in source:
                    continue  # "Korea, Republic of": a list entry, not how texts write it
                translated = trans.gettext(source)
                if translated != source or lang.code == "en":
                    names.setdefault(country.alpha_2, set()).update(_clean_name(translated))
    return names


def _tokens(form: str) -> list[str]:
    """Data forms are cut into words exactly as texts are."""
    return _TOKEN_RE.findall(form)


def _fold(word: str) -> str:
    """Drop accents but keep case: Greek data is matched without accents anyway."""
    return unicodedata.normalize(
        "NFC",
        "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c)),
    )


class _Builder:
    """Turns one language's data into forms, applying rules and mutations."""

    def __init__(self, lang: _Lang, global_block: frozenset[str]) -> None:
        self.lang = lang
        self.block = lang.block | global_block

    def _variants(self, word: str, cats: tuple[str, ...], fixed: bool) -> tuple[set[str], set[str]]:
        """A word's inflected forms, and separately its initial mutations (Irish), which
        begin in lower case ("hÉireann", "bhFrainc")."""
        if self.lang.fold:
            word = _fold(word)
        bases = {word}
        for rule in self.lang.base:
            bases.update(rule.apply(word))
        out = set(bases)
        if not fixed and len(word) >= self.lang.min_inflect and _req_of(word) != UPPER:
            for base in bases:
                for cat in cats:
                    for rule in self.lang.rules.get(cat, ()):
                        out.update(rule.apply(base))
        mutated: set[str] = set()
        if _req_of(word) != UPPER:  # acronyms ("AE") are not mutated
            mutated = {m for rule in self.lang.initial for v in out for m in rule.apply(v)}
        return {v for v in out if v}, {v for v in mutated if v} - out

    def forms(
        self, template: str, key: str, kind: str, cats: tuple[str, ...], auto: bool
    ) -> list[_Form]:
        """Every form a template stands for, grouped by word count into slot sets."""
        fixed = template.startswith("=")  # "=Niemczech": this form only, no endings
        template = template.lstrip("=")
        by_len: dict[int, list[list[str]]] = {}
        for alt in _expand(template):
            toks = _tokens(alt)
            if self.lang.articles and len(toks) > 1 and toks[0].lower() in self.lang.articles:
                toks = toks[1:]
            if toks:
                by_len.setdefault(len(toks), []).append(toks)
        out = []
        for alts in by_len.values():
            n = len(alts[0])
            plain: list[set[str]] = [set() for _ in range(n)]
            mutated: list[set[str]] = [set() for _ in range(n)]
            reqs = [UPPER] * n
            for toks in alts:
                for i, tok in enumerate(toks):
                    words, mutations = self._variants(tok, cats, fixed)
                    if n == 1 and self.block:
                        # a blocked word is dropped unless the data lists it by hand
                        words = {
                            w
                            for w in words
                            if (w == tok and not auto) or _normalise(w) not in self.block
                        }
                        mutations = {w for w in mutations if _normalise(w) not in self.block}
                    plain[i].update(words)
                    mutated[i].update(mutations)
                    reqs[i] = min(reqs[i], _req_of(tok))
            if n == 1:
                # a variant that begins in lower case (an Irish mutation, an adjective
                # derived by a "!" rule) needs no capital
                words = plain[0] | mutated[0]
                upper = {w for w in words if w[:1].isupper()}
                out.extend(self._single(upper, reqs[0] if reqs[0] == UPPER else CAP, key, kind))
                out.extend(self._single(words - upper, ANY, key, kind))
            else:
                slots = [p | m for p, m in zip(plain, mutated, strict=True)]
                if all(slots):
                    reqs = [ANY if m else r for r, m in zip(reqs, mutated, strict=True)]
                    keys = tuple(frozenset(_normalise(w) for w in s) for s in slots)
                    out.append(_Form(keys, tuple(reqs), key, kind, self.lang.code, False))
        return out

    def _single(self, words: set[str], req: int, key: str, kind: str) -> list[_Form]:
        """One-word forms, split into those usable anywhere and those only with a hint."""
        keys = frozenset(_normalise(w) for w in words)
        free, hinted = keys - self.lang.hint_only, keys & self.lang.hint_only
        code = self.lang.code
        return [
            _Form((part,), (req,), key, kind, code, hint)
            for part, hint in ((free, False), (hinted, True))
            if part
        ]


_CATS = {
    "n": ("name", ("n",)),
    "a": ("adj", ("a",)),
    "p": ("people", ("p",)),
    "c": ("city", ("n",)),
    "x": ("name", ("n", "a")),  # multi-word names whose words are adjectives too
}


def _lang_forms(lang: _Lang, data: _Data, codes: set[str], extra: bool = False) -> list[_Form]:
    """One language's forms: the libraries' names, then the data file's entries."""
    builder = _Builder(lang, data.global_block)
    out: list[_Form] = []
    for code, names in _auto_names(lang, codes, extra).items():
        # names from the extra locales yield to any EU-language reading of a word
        kind = "scope" if code == "EU" else "extra" if extra else "name"
        for name in names:
            multi = len(_tokens(name)) > 1
            cats = ("n", "a") if multi else ("n",)
            out.extend(builder.forms(name.replace(" ", "_"), code, kind, cats, auto=True))
    for key, entry in lang.entries.items():
        scope = key in lang.scopes
        if not scope and key not in codes:
            raise ValueError(f"{lang.code}: {key!r} is not an ISO 3166-1 alpha-2 code")
        for cat, templates in entry.items():
            if cat not in _CATS:
                raise ValueError(f"{lang.code}: {key}: unknown category {cat!r}")
            kind, rule_cats = _CATS[cat]
            if scope:
                kind = "scope"
            for template in templates:
                out.extend(builder.forms(template, key, kind, rule_cats, auto=False))
    return out


@cache
def _all_forms() -> tuple[_Form, ...]:
    """Every form of every name in every language, built once (about two seconds)."""
    data = _data()
    codes = _territory_codes()
    forms: list[_Form] = []
    for lang in data.langs.values():
        forms.extend(_lang_forms(lang, data, codes))
    common = data.common
    forms.extend(_lang_forms(common, data, codes))
    # language-neutral forms (cities such as "Berlin") take each language's endings
    for lang in data.langs.values():
        if not lang.rules:
            continue
        mixed = replace(common, code=lang.code, rules=lang.rules, min_inflect=lang.min_inflect)
        for form in _lang_forms(mixed, data, codes):
            if form.kind == "city":
                forms.append(form)
    # a word some language keeps for hinted texts only ("Island") is no plain name in
    # the extra locales either
    hinted = frozenset().union(*(lang.hint_only for lang in data.langs.values()))
    for loc in data.extra_cldr:
        extra = _Lang(
            code=loc,
            cldr=[loc],
            gettext=[],
            articles=frozenset(),
            min_inflect=99,
            block=hinted,
            hint_only=frozenset(),
            rules={},
            initial=[],
            base=[],
            fold=False,
            entries={},
        )
        forms.extend(_lang_forms(extra, data, codes, extra=True))
    return tuple(forms)


@cache
def _labels() -> dict[str, str]:
    """English short names (CLDR), as the data overrides them."""
    data = _data()
    english = Locale("en").territories
    labels = {code: english.get(code, code) for code in _territory_codes()}
    labels.update(data.labels)
    return labels


# --------------------------------------------------------------------------------------
# Matching


def _case_ok(word: str, req: int) -> bool:
    """Whether a word of the text has the case a form asks for."""
    if req == CAP:
        # "ROM" or "IR" in capitals is an acronym, not Rome or Ireland
        return word[0].isupper() and not (len(word) <= 3 and word.isupper())
    return req != UPPER or word.isupper()


@dataclass(frozen=True, slots=True)
class _Entry:
    """What one first word may begin: multi-word names (tried only when the next word is
    one that could follow, which keeps "an", "de" and "the" cheap) and one-word ones."""

    multi: tuple[_Cand, ...]
    seconds: frozenset[str]
    single: tuple[_Cand, ...]


@dataclass
class _Matcher:
    """The tables for one language hint, and the matching itself."""

    index: dict[str, _Entry]
    prefixes: tuple[str, ...]
    prefix_keys: dict[str, str]
    # traps filed under the key, the words or the kind they concern, so that a match
    # is only tested against the few that could apply to it
    traps_by_key: dict[str, list[_Trap]]
    traps_by_form: dict[str, list[_Trap]]
    traps_by_kind: dict[str, list[_Trap]]
    labels: Mapping[str, str]

    def _vetoed(self, text: str, start: int, end: int, cand: _Cand, lang: str | None) -> bool:
        norm = _normalise(text[start:end])
        for group in (
            self.traps_by_key.get(cand.key),
            self.traps_by_form.get(norm),
            self.traps_by_kind.get(cand.kind),
        ):
            if group and any(t.fires(text, start, end, norm, cand, lang) for t in group):
                return True
        return False

    def find(self, text: str, lang: str | None) -> list[Mention]:
        spans = [m.span() for m in _TOKEN_RE.finditer(text)]
        keys = []
        for s, e in spans:
            word = text[s:e]
            keys.append(word.lower() if word.isascii() else _cached_key(word))
        index, prefixes, out, n_tok = self.index, self.prefixes, [], len(spans)
        i = 0
        while i < n_tok:
            entry = index.get(keys[i])
            hit = None
            if entry is not None:
                hit = self._match(text, spans, keys, i, entry, lang)
            elif prefixes and keys[i].startswith(prefixes):
                hit = self._prefix(text, spans, keys, i, lang)
            if hit is None:
                i += 1
                continue
            out.append(hit[0])
            i = hit[1]
        return out

    def _match(
        self,
        text: str,
        spans: list[tuple[int, int]],
        keys: list[str],
        i: int,
        entry: _Entry,
        lang: str | None,
    ) -> tuple[Mention, int] | None:
        n_tok = len(spans)
        vetoed = 0  # once context rules out these words, no reading of them stands
        if entry.multi and i + 1 < n_tok and keys[i + 1] in entry.seconds:
            for cand in entry.multi:
                n = len(cand.reqs)
                if i + n > n_tok or n == vetoed:
                    continue
                if not all(keys[i + j] in cand.rest[j - 1] for j in range(1, n)):
                    continue
                if not all(
                    _GAP_RE.fullmatch(text, spans[i + j - 1][1], spans[i + j][0])
                    for j in range(1, n)
                ):
                    continue
                if not all(
                    _case_ok(text[spans[i + j][0] : spans[i + j][1]], cand.reqs[j])
                    for j in range(n)
                ):
                    continue
                start, end = spans[i][0], spans[i + n - 1][1]
                if self._vetoed(text, start, end, cand, lang):
                    vetoed = n
                    continue
                return self._mention(cand, start, end), i + n
        start, end = spans[i]
        word = text[start:end]
        for cand in entry.single:
            if vetoed == 1 or not _case_ok(word, cand.reqs[0]):
                continue
            if self._vetoed(text, start, end, cand, lang):
                vetoed = 1
                continue
            return self._mention(cand, start, end), i + 1
        return None

    def _prefix(
        self, text: str, spans: list[tuple[int, int]], keys: list[str], i: int, lang: str | None
    ) -> tuple[Mention, int] | None:
        for prefix in self.prefixes:
            if keys[i].startswith(prefix):
                key = self.prefix_keys[prefix]
                cand = _Cand((), (ANY,), key, "scope", self.labels.get(key, key))
                start, end = spans[i]
                if self._vetoed(text, start, end, cand, lang):
                    return None
                return self._mention(cand, start, end), i + 1
        return None

    @staticmethod
    def _mention(cand: _Cand, start: int, end: int) -> Mention:
        kind = "scope" if cand.kind == "scope" else "country"
        return Mention(kind, cand.key, cand.label, start, end, {"form": cand.kind})


def _rank(cand: _Cand) -> tuple[int, int, int]:
    """Longer names first; then stricter case (a capitalised name over a lowercase
    homograph); then names over adjectives."""
    return (-len(cand.reqs), -max(cand.reqs), KIND_RANK.get(cand.kind, 9))


def _language_of(language: str | None) -> str | None:
    """The data's language for a hint ("pt-BR" -> "pt"); None when there is no data."""
    if not language:
        return None
    code = language.replace("_", "-").split("-")[0].lower()
    return code if code in _data().langs else None


def _index(forms: Iterable[_Form], lang: str | None) -> dict[str, _Entry]:
    """The lookup table for texts in ``lang`` (that language, English and neutral forms)
    or, for ``None``, for texts in any language (all forms but the hint-only ones)."""
    labels = _labels()
    allowed = None if lang is None else {lang, "en", "*"}
    grouped: dict[str, dict[_Cand, None]] = {}
    interned: dict[_Cand, _Cand] = {}
    for form in forms:
        if allowed is None:
            if form.hint_only:
                continue
        elif form.lang not in allowed or (form.hint_only and form.lang != lang):
            continue
        cand = _Cand(form.slots[1:], form.reqs, form.key, form.kind, labels.get(form.key, form.key))
        cand = interned.setdefault(cand, cand)
        for first in form.slots[0]:
            grouped.setdefault(first, {})[cand] = None
    index = {}
    for first, found in grouped.items():
        ranked = sorted(found, key=_rank)
        multi = tuple(c for c in ranked if c.rest)
        seconds = frozenset(k for c in multi for k in c.rest[0])
        index[first] = _Entry(multi, seconds, tuple(c for c in ranked if not c.rest))
    return index


def _file_traps(
    traps: Iterable[_Trap],
) -> tuple[dict[str, list[_Trap]], dict[str, list[_Trap]], dict[str, list[_Trap]]]:
    """Traps by the key, else the words, else the kinds of match they concern."""
    by_key: dict[str, list[_Trap]] = {}
    by_form: dict[str, list[_Trap]] = {}
    by_kind: dict[str, list[_Trap]] = {}
    for trap in traps:
        if trap.keys is not None:
            for key in trap.keys:
                by_key.setdefault(key, []).append(trap)
        elif trap.forms is not None:
            for word in trap.forms:
                by_form.setdefault(word, []).append(trap)
        else:
            for kind in trap.kinds or KIND_RANK:
                by_kind.setdefault(kind, []).append(trap)
    return by_key, by_form, by_kind


@cache
def _matcher(lang: str | None) -> _Matcher:
    """Built once per language hint (and once for none) and shared by all calls."""
    data = _data()
    by_key, by_form, by_kind = _file_traps(data.traps)
    prefixes = tuple(sorted(data.prefixes, key=len, reverse=True))
    index = _index(_all_forms(), lang)
    return _Matcher(index, prefixes, data.prefixes, by_key, by_form, by_kind, _labels())


class CountryEnricher(TextEnricher):
    """Finds countries (ISO 3166-1 alpha-2 keys) and European scopes (EU, COE, SCHENGEN,
    EEA) in passages and footnotes; see the module docstring for how and why."""

    name = "countries"
    version = "1"
    targets = frozenset({"passage", "footnote"})

    def find(self, text: str, language: str | None = None) -> list[Mention]:
        if not text:
            return []
        lang = _language_of(language)
        return _matcher(lang).find(text, lang)


def warm() -> None:
    """Build the tables now (they are otherwise built on first use)."""
    _matcher(None)

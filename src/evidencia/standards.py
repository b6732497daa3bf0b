"""The standards catalogue: the legal and policy instruments the network cites, as data.

Evidence is filed against instruments (the Return Directive, A/RES/76/172, the Global
Compact for Migration...) and people ask for them by the names they use, in any language.
The catalogue keeps, for each instrument, the identifier that filters and joins use (a
CELEX number, a UN symbol, an ECLI, a Council of Europe treaty number), its official title,
the short names people write, where to read it, and which of the network's themes it
touches. It is a YAML file, not code, so that a lawyer can correct a date or add a
translation without touching the parser; the loader validates it strictly because a typo in
an identifier would silently split one instrument's evidence in two.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import cache, cached_property
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from evidencia import datafile
from evidencia.datafile import DataFileError

CATALOGUE_FILE = "standards.yaml"

Kind = Literal[
    "directive",
    "regulation",
    "decision",
    "framework_decision",
    "un_resolution",
    "un_document",
    "convention",
    "protocol",
    "charter",
    "proposal",
    "case",
    "package",
]
#: a theme id of the strategy framework; checked against the active framework where used,
#: not here, so another network's framework can name its own themes
Theme = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]

#: what an id must look like for each kind, so a CELEX number cannot lose a digit unnoticed
_CELEX = r"3\d{4}[LRDF]\d{4}"
_UN_SYMBOL = r"(?:A|S|E|CRC|CMW|CCPR|CEDAW|CERD|CAT|CRPD|HRI)/[A-Za-z0-9./()\-]+"
_ID_PATTERNS: dict[str, str] = {
    "directive": r"3\d{4}L\d{4}",
    "regulation": r"3\d{4}R\d{4}",
    "decision": r"3\d{4}D\d{4}",
    "framework_decision": r"3\d{4}F\d{4}",
    "un_resolution": r"(?:A|S|E)(?:/HRC)?/RES/[A-Za-z0-9./()\-]+",
    "un_document": _UN_SYMBOL,
    "convention": r"(?:CETS \d{3}|UN-[A-Z0-9-]+|ILO C\d{3})",
    "protocol": r"(?:CETS \d{3}|UN-[A-Z0-9-]+|ILO P\d{3})",
    "charter": r"(?:CETS \d{3}|1\d{4}P/TXT)",
    "proposal": r"COM\(\d{4}\) \d{1,4}",
    "case": r"ECLI:[A-Z]{2}:[A-Za-z0-9.]+:\d{4}:[A-Za-z0-9.]+",
    "package": r"EU-[A-Z0-9-]+",
}
_PARAGRAPH = r"^\d{1,3}(?:\([a-z]{1,4}\))*$"


def name_key(name: str) -> str:
    """The form two spellings of a name share: case, accents' composition, spacing,
    apostrophes and hyphens do not distinguish names ("Victims' Directive" is the
    "Victims Directive"; "Istanbul-Konvention" the "Istanbul Konvention")."""
    folded = unicodedata.normalize("NFC", name).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paragraph(_Strict):
    """A numbered paragraph of a UN text that evidence answers to, with its gist in the
    catalogue's own words (never the resolution's wording, which is quoted by documents)."""

    id: str = Field(pattern=_PARAGRAPH)
    summary: str = Field(min_length=10)
    themes: list[Theme] = Field(default_factory=list)
    source: str = ""
    verified: bool = True


class Objective(_Strict):
    """One of the Global Compact's 23 objectives: evidence is often filed against these."""

    number: int = Field(ge=1, le=99)
    title: str = Field(min_length=5)
    paragraph: str = Field(pattern=_PARAGRAPH)
    themes: list[Theme] = Field(default_factory=list)


class Instrument(_Strict):
    """One instrument. ``aliases`` are identifiers from another scheme that mean this entry
    (a CJEU case number for a judgment's ECLI, each half of a joint general comment's
    symbol), so every way of citing it lands on one key."""

    id: str
    kind: Kind
    title: str = Field(min_length=5)
    short_names: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    adopted: date | None = None
    url: str = Field(pattern=r"^https://\S+$")
    themes: list[Theme] = Field(default_factory=list)
    paragraphs: list[Paragraph] = Field(default_factory=list)
    objectives: list[Objective] = Field(default_factory=list)
    members: list[str] = Field(default_factory=list)
    amends: list[str] = Field(default_factory=list)
    replaces: list[str] = Field(default_factory=list)
    verified: bool = True
    note: str = ""

    @model_validator(mode="after")
    def _id_fits_kind(self) -> Instrument:
        if not re.fullmatch(_ID_PATTERNS[self.kind], self.id):
            raise ValueError(f"id {self.id!r} is not a valid identifier for a {self.kind}")
        numbers = [o.number for o in self.objectives]
        if numbers and numbers != list(range(1, len(numbers) + 1)):
            raise ValueError("objectives must be numbered 1, 2, 3... in order")
        if len({p.id for p in self.paragraphs}) != len(self.paragraphs):
            raise ValueError("a paragraph is listed twice")
        return self

    @property
    def label(self) -> str:
        """What a person reads: the first (English) short name, else the title."""
        return self.short_names[0] if self.short_names else self.title

    def paragraph(self, pid: str) -> Paragraph | None:
        return next((p for p in self.paragraphs if p.id == pid), None)

    def objective(self, number: int) -> Objective | None:
        return next((o for o in self.objectives if o.number == number), None)


class Group(_Strict):
    """A name that stands for several instruments at once ("the interoperability
    regulations"): a mention of it is a mention of each member."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    names: list[str] = Field(min_length=1)
    members: list[str] = Field(min_length=2)
    note: str = ""


class Catalogue(_Strict):
    instruments: list[Instrument] = Field(min_length=1)
    groups: list[Group] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_resolve(self) -> Catalogue:
        ids: set[str] = set()
        for inst in self.instruments:
            if inst.id in ids:
                raise ValueError(f"duplicate id {inst.id!r}")
            ids.add(inst.id)
        owners: dict[str, str] = {}

        def claim(name: str, owner: str) -> None:
            key = name_key(name)
            if not key:
                raise ValueError(f"{owner}: empty name {name!r}")
            if owners.setdefault(key, owner) != owner:
                raise ValueError(f"name {name!r} given to both {owners[key]!r} and {owner!r}")

        for inst in self.instruments:
            for name in inst.short_names:
                claim(name, inst.id)
            for alias in inst.aliases:
                if alias in ids:
                    raise ValueError(f"{inst.id}: alias {alias!r} is another entry's id")
            for ref in (*inst.members, *inst.amends, *inst.replaces):
                if ref not in ids:
                    raise ValueError(f"{inst.id}: refers to unknown instrument {ref!r}")
        aliases = [a for inst in self.instruments for a in inst.aliases]
        if len(set(aliases)) != len(aliases):
            raise ValueError("an alias is given to two instruments")
        for group in self.groups:
            for name in group.names:
                claim(name, f"group {group.id}")
            for member in group.members:
                if member not in ids:
                    raise ValueError(f"group {group.id!r} names unknown instrument {member!r}")
        return self

    @cached_property
    def _by_key(self) -> dict[str, Instrument]:
        by_key = {inst.id: inst for inst in self.instruments}
        for inst in self.instruments:
            for alias in inst.aliases:
                by_key.setdefault(alias, inst)
        return by_key

    @cached_property
    def _by_name(self) -> dict[str, tuple[str, ...]]:
        return {name_key(name): ids for name, ids in self.names().items()}

    def get(self, key: str) -> Instrument | None:
        """The entry with this id or alias."""
        return self._by_key.get(key)

    def names(self) -> dict[str, tuple[str, ...]]:
        """Every short name and group name as written, with the ids it stands for."""
        result: dict[str, tuple[str, ...]] = {}
        for inst in self.instruments:
            for name in inst.short_names:
                result[name] = (inst.id,)
        for group in self.groups:
            for name in group.names:
                result[name] = tuple(group.members)
        return result

    def resolve_name(self, name: str) -> tuple[str, ...]:
        """The ids a name stands for (empty when the catalogue does not know it)."""
        return self._by_name.get(name_key(name), ())


class CatalogueError(DataFileError):
    """A catalogue file that cannot be used, naming the file and the field at fault."""


def parse(text: str, source: str) -> Catalogue:
    return datafile.parse(text, source, Catalogue, CatalogueError)


def load_file(path: Path) -> Catalogue:
    return datafile.load_file(path, Catalogue, CatalogueError)


@cache
def catalogue() -> Catalogue:
    """The catalogue shipped with the package (read once per process; it does not change
    while a process runs, and every enricher call needs it)."""
    resource = files("evidencia.data").joinpath(CATALOGUE_FILE)
    return parse(resource.read_text(encoding="utf-8"), f"evidencia/data/{CATALOGUE_FILE}")

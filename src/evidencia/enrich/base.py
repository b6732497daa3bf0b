"""What an enricher is and what it finds.

An enricher reads stored texts (passages and footnotes) and returns mentions: things a user
filters, compares or cites by. Each mention keeps its character span, so a hit can be
highlighted and a correction can point at the exact words. Enrichers see one document's
texts at a time, in order, so those that need context (an "Ibid." footnote, a paragraph
number whose resolution was named earlier) can have it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal, Protocol

TextKind = Literal["passage", "footnote"]


@dataclass(frozen=True, slots=True)
class Mention:
    """One thing found in a text.

    ``kind`` is the finer type within an enricher ("country" or "scope"; "directive",
    "un_resolution", "case"...; "reference"); ``key`` the normalised identifier that
    filters and joins use (ISO code, CELEX number, UN symbol, ECLI...); ``label`` what a
    person reads; ``attrs`` anything else worth keeping (a URL, a paragraph, an author).
    """

    kind: str
    key: str
    label: str
    start: int
    end: int
    attrs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TextUnit:
    """A stored text as enrichers see it: a passage or a footnote of one document."""

    text: str
    kind: TextKind = "passage"
    language: str | None = None
    heading_path: tuple[str, ...] = ()


class Enricher(Protocol):
    """The contract every enricher meets; ``version`` changes whenever results would, so
    stored results from an older version are known to be stale."""

    name: ClassVar[str]
    version: ClassVar[str]

    def find(self, text: str, language: str | None = None) -> list[Mention]:
        """Mentions in one free-standing text (``language`` is an ISO 639-1 hint)."""
        ...

    def find_all(self, units: Sequence[TextUnit]) -> list[list[Mention]]:
        """Mentions for each of one document's texts, in order (same length as ``units``)."""
        ...


class TextEnricher:
    """Base for enrichers that read each text on its own, restricted to some kinds of text."""

    name: ClassVar[str]
    version: ClassVar[str]
    targets: ClassVar[frozenset[TextKind]] = frozenset({"passage", "footnote"})

    def find(self, text: str, language: str | None = None) -> list[Mention]:
        raise NotImplementedError

    def find_all(self, units: Sequence[TextUnit]) -> list[list[Mention]]:
        return [self.find(u.text, u.language) if u.kind in self.targets else [] for u in units]

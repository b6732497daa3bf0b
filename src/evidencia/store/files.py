"""Originals kept content-addressed: ``files/ab/cd/<sha256>``, written atomically.

Writing to a temporary name and renaming means a crash never leaves a half-written
original under a valid name; storing under the hash makes re-running an ingest idempotent.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def blob_relpath(sha: str) -> str:
    return f"files/{sha[:2]}/{sha[2:4]}/{sha}"


class TooLarge(Exception):
    """The file grew past the size limit while it was being copied."""


def store_copy(root: Path, source: Path, max_bytes: int) -> tuple[str, str]:
    """Copy ``source`` into the store, hashing as it goes; return (sha256, relative path).

    Later stages read this copy, never the original again, so what is read, hashed and kept
    is the same bytes even if the original changes meanwhile.
    """
    incoming = root / "files"
    incoming.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=incoming, prefix=".incoming-")
    try:
        copied = 0
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            while chunk := src.read(CHUNK):
                copied += len(chunk)
                if copied > max_bytes:
                    raise TooLarge(copied)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        rel = blob_relpath(sha)
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha, rel

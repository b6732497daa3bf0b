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


def put(root: Path, source: Path, sha: str) -> str:
    """Copy ``source`` into the store under its hash; return the path relative to ``root``."""
    rel = blob_relpath(sha)
    target = root / rel
    if target.exists() and target.stat().st_size == source.stat().st_size:
        return rel
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            while chunk := src.read(CHUNK):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return rel

"""Originals of restricted documents, encrypted at rest (AES-256-GCM, in chunks).

The keys live in a key file (``$EVIDENCIA_KEY_FILE``, else ``<home>/keys/originals.json``,
created readable by its owner only) or in ``$EVIDENCIA_KEY``; never in the database, so a
copy of the database alone reveals no original. Each sealed file names the key it was
sealed with, so ``evidencia keys rotate`` can seal everything again under a new key and
only then forget the old one.

A sealed file is a header (magic, key id, nonce prefix) and chunks of at most 1 MiB, each
encrypted with its index and a last-chunk flag as associated data: a chunk changed, moved,
removed or cut off makes opening fail instead of returning altered bytes.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from evidencia.config import Home

MAGIC = b"EVSEAL\x01"
CHUNK = 1 << 20
KEY_ENV = "EVIDENCIA_KEY"
KEY_FILE_ENV = "EVIDENCIA_KEY_FILE"
SUFFIX = ".sealed"
#: beside a redacted document's original: who each pseudonym stands for, sealed
PSEUDONYMS = ".pseudonyms.sealed"


class SealError(RuntimeError):
    """An original that cannot be opened: wrong or missing key, or altered bytes."""


@dataclass
class KeyRing:
    """The keys originals are sealed with; the current one seals, any of them opens."""

    keys: dict[str, bytes] = field(default_factory=dict)
    current: str = ""
    #: where the ring is kept (None when it came from the environment)
    path: Path | None = None

    @classmethod
    def load(cls, home: Home, *, create: bool = True) -> KeyRing:
        raw = os.environ.get(KEY_ENV)
        if raw:
            key = _decode_key(raw, KEY_ENV)
            return cls({"env": key}, "env", None)
        path = Path(os.environ.get(KEY_FILE_ENV) or home.root / "keys" / "originals.json")
        if not path.exists():
            if not create:
                raise SealError(f"no key file at {path} (set ${KEY_FILE_ENV} or ${KEY_ENV})")
            ring = cls(path=path)
            ring.add_key()
            return ring
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            keys = {str(k["id"]): _decode_key(k["key"], str(path)) for k in data["keys"]}
            current = str(data["current"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SealError(f"{path}: not a readable key file ({exc})") from exc
        if current not in keys:
            raise SealError(f"{path}: the current key {current!r} is not in the file")
        return cls(keys, current, path)

    def add_key(self) -> str:
        """Make a new key current (and keep the others for opening), saved at once."""
        if self.path is None:
            raise SealError(f"keys from ${KEY_ENV} cannot be rotated here: change the variable")
        key_id = datetime.now(UTC).strftime("k%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
        self.keys[key_id] = AESGCM.generate_key(bit_length=256)
        self.current = key_id
        self.save()
        return key_id

    def forget(self, key_id: str) -> None:
        if key_id == self.current:
            raise SealError("the current key cannot be forgotten")
        self.keys.pop(key_id, None)
        self.save()

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "current": self.current,
            "keys": [
                {"id": k, "key": base64.urlsafe_b64encode(v).decode("ascii")}
                for k, v in self.keys.items()
            ],
        }
        partial = self.path.with_name(self.path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump(data, stream)
        os.replace(partial, self.path)


def _decode_key(raw: str, where: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(raw.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise SealError(f"{where}: the key is not base64") from exc
    if len(key) != 32:
        raise SealError(f"{where}: a key must be 32 bytes (AES-256), not {len(key)}")
    return key


def _header(key_id: str, prefix: bytes) -> bytes:
    name = key_id.encode("utf-8")
    return MAGIC + struct.pack(">B", len(name)) + name + prefix


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def seal(source: Readable, target: BinaryIO, ring: KeyRing) -> None:
    """Write ``source`` to ``target`` sealed with the ring's current key."""
    prefix = secrets.token_bytes(8)
    header = _header(ring.current, prefix)
    cipher = AESGCM(ring.keys[ring.current])
    target.write(header)
    index = 0
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK) if chunk else b""
        last = not following
        aad = header + struct.pack(">I?", index, last)
        sealed = cipher.encrypt(prefix + struct.pack(">I", index), chunk, aad)
        target.write(struct.pack(">I", len(sealed)) + sealed)
        if last:
            return
        chunk, index = following, index + 1


def key_of(source: BinaryIO) -> str:
    """The id of the key a sealed file was sealed with (reads the header only)."""
    if source.read(len(MAGIC)) != MAGIC:
        raise SealError("not a sealed original")
    (length,) = struct.unpack(">B", source.read(1))
    return str(source.read(length).decode("utf-8"))


def unseal(source: BinaryIO, ring: KeyRing) -> Iterator[bytes]:
    """The original's bytes, chunk by chunk; :class:`SealError` if anything was altered."""
    key_id = key_of(source)
    if key_id not in ring.keys:
        raise SealError(f"sealed with key {key_id!r}, which the key file does not hold")
    prefix = source.read(8)
    header = _header(key_id, prefix)
    cipher = AESGCM(ring.keys[key_id])
    index = 0
    while True:
        size_bytes = source.read(4)
        if len(size_bytes) != 4:
            raise SealError("the sealed original was cut short")
        (size,) = struct.unpack(">I", size_bytes)
        sealed = source.read(size)
        for last in (False, True):  # the flag is authenticated: only the true one opens
            aad = header + struct.pack(">I?", index, last)
            try:
                plain = cipher.decrypt(prefix + struct.pack(">I", index), sealed, aad)
            except InvalidTag:
                continue
            break
        else:
            raise SealError("the sealed original was altered (or the key is wrong)")
        yield plain
        if last:
            if source.read(1):
                raise SealError("bytes after the last chunk of a sealed original")
            return
        index += 1


def seal_file(path: Path, ring: KeyRing) -> Path:
    """Seal an original in place: ``<path>.sealed`` written atomically, then the plain file
    removed. Returns the sealed file's path."""
    target = path.with_name(path.name + SUFFIX)
    partial = path.with_name(path.name + SUFFIX + ".partial")
    with path.open("rb") as source, partial.open("wb") as out:
        seal(source, out, ring)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)
    path.unlink()
    return target


def seal_bytes(data: bytes, target: Path, ring: KeyRing) -> None:
    """Seal a small piece of data (a pseudonym map) into ``target``, atomically."""
    import io

    partial = target.with_name(target.name + ".partial")
    with partial.open("wb") as out:
        seal(io.BytesIO(data), out, ring)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, target)


def read_original(path: Path, ring: KeyRing | None) -> Iterator[bytes]:
    """An original's bytes, opened first if it is sealed."""
    if path.name.endswith(SUFFIX):
        if ring is None:
            raise SealError(f"{path.name} is sealed and no key was given")
        with path.open("rb") as source:
            yield from unseal(source, ring)
        return
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            yield chunk


def reseal(path: Path, ring: KeyRing) -> bool:
    """Seal a sealed original again under the ring's current key; False if it already was."""
    with path.open("rb") as source:
        if key_of(source) == ring.current:
            return False
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as out:
        plain = _Chunks(read_original(path, ring))
        seal(plain, out, ring)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)
    return True


class _Chunks:
    """An iterator of byte chunks read like a file, so resealing never holds a whole
    original in memory."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def read(self, size: int) -> bytes:
        while len(self._buffer) < size:
            nxt = next(self._chunks, None)
            if nxt is None:
                break
            self._buffer += nxt
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out

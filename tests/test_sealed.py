"""Sealed originals: what goes in comes out, and nothing altered, cut or keyless opens."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest

from evidencia.config import Home
from evidencia.store import sealed
from evidencia.store.sealed import KeyRing, SealError


def _round_trip(data: bytes, ring: KeyRing) -> bytes:
    out = io.BytesIO()
    sealed.seal(io.BytesIO(data), out, ring)
    assert len(data) < 16 or data[:64] not in out.getvalue()
    return b"".join(sealed.unseal(io.BytesIO(out.getvalue()), ring))


@pytest.fixture
def ring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KeyRing:
    monkeypatch.delenv(sealed.KEY_ENV, raising=False)
    monkeypatch.delenv(sealed.KEY_FILE_ENV, raising=False)
    return KeyRing.load(Home(tmp_path))


@pytest.mark.parametrize("size", [0, 1, sealed.CHUNK - 1, sealed.CHUNK, 2 * sealed.CHUNK + 5])
def test_round_trip_of_any_size(ring: KeyRing, size: int) -> None:
    data = os.urandom(size)
    assert _round_trip(data, ring) == data


def test_the_key_file_is_private_and_outside_the_database(ring: KeyRing, tmp_path: Path) -> None:
    assert ring.path == tmp_path / "keys" / "originals.json"
    assert stat.S_IMODE(ring.path.stat().st_mode) == 0o600
    again = KeyRing.load(Home(tmp_path))
    assert again.keys == ring.keys and again.current == ring.current


def test_altered_cut_or_reordered_sealed_files_do_not_open(ring: KeyRing) -> None:
    data = os.urandom(3 * sealed.CHUNK)
    out = io.BytesIO()
    sealed.seal(io.BytesIO(data), out, ring)
    blob = out.getvalue()
    flipped = bytearray(blob)
    flipped[len(blob) // 2] ^= 1
    for broken in (bytes(flipped), blob[: len(blob) - sealed.CHUNK - 20], blob + b"x"):
        with pytest.raises(SealError):
            b"".join(sealed.unseal(io.BytesIO(broken), ring))


def test_rotation_keeps_old_files_readable_until_the_old_key_is_forgotten(
    ring: KeyRing,
) -> None:
    out = io.BytesIO()
    sealed.seal(io.BytesIO(b"testimony"), out, ring)
    old = ring.current
    ring.add_key()
    assert ring.current != old
    assert b"".join(sealed.unseal(io.BytesIO(out.getvalue()), ring)) == b"testimony"
    ring.forget(old)
    with pytest.raises(SealError, match="does not hold"):
        b"".join(sealed.unseal(io.BytesIO(out.getvalue()), ring))


def test_a_key_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import base64

    monkeypatch.setenv(sealed.KEY_ENV, base64.urlsafe_b64encode(b"k" * 32).decode())
    ring = KeyRing.load(Home(tmp_path))
    assert ring.current == "env" and not (tmp_path / "keys").exists()
    assert _round_trip(b"abc", ring) == b"abc"
    monkeypatch.setenv(sealed.KEY_ENV, base64.urlsafe_b64encode(b"short").decode())
    with pytest.raises(SealError, match="32 bytes"):
        KeyRing.load(Home(tmp_path))


def test_a_broken_key_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sealed.KEY_ENV, raising=False)
    path = tmp_path / "k.json"
    path.write_text(json.dumps({"current": "a", "keys": []}))
    monkeypatch.setenv(sealed.KEY_FILE_ENV, str(path))
    with pytest.raises(SealError, match=r"k\.json.*current key 'a'"):
        KeyRing.load(Home(tmp_path))


def test_restricted_originals_are_sealed_at_ingest_and_survive_rotation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from evidencia.cli import app
    from evidencia.ingest.pipeline import Ingestor
    from evidencia.model import AccessLevel, DocumentType
    from evidencia.store.db import Store
    from evidencia.store.documents import DocumentMeta

    monkeypatch.delenv(sealed.KEY_ENV, raising=False)
    monkeypatch.delenv(sealed.KEY_FILE_ENV, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    store = Store(Home(home))
    note = tmp_path / "note.txt"
    note.write_text("Case note: quexomarbly was detained at the border.\n")
    public = tmp_path / "public.txt"
    public.write_text("A public report on detention.\n")
    metas = {
        note: DocumentMeta(doc_type=DocumentType.TESTIMONY, access=AccessLevel.RESTRICTED),
        public: DocumentMeta(),
    }
    Ingestor(store, workers=1).run([note, public], lambda p: metas[p])
    originals = [p for p in (home / "files").rglob("*") if p.is_file()]
    assert len(originals) == 2
    assert sum(p.name.endswith(sealed.SUFFIX) for p in originals) == 1
    assert not any(b"quexomarbly" in p.read_bytes() for p in originals)
    cli = CliRunner()
    checked = cli.invoke(app, ["check", "--home", str(home)])
    assert checked.exit_code == 0, checked.output  # the sealed one opened and hashed
    rotated = cli.invoke(app, ["keys", "rotate", "--home", str(home)])
    assert rotated.exit_code == 0 and "1 original(s) sealed again" in rotated.output
    ring = KeyRing.load(Home(home))
    assert len(ring.keys) == 1
    assert cli.invoke(app, ["check", "--home", str(home)]).exit_code == 0
    assert cli.invoke(app, ["audit", "verify", "--home", str(home)]).exit_code == 0
    store.close()

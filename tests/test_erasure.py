"""Erasure: after `evidencia erase`, not one byte of the document's words is left in the data
directory (database, write-ahead log, indexes, originals), the store checks out, and the
audit log says that it happened without saying what the document said."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from evidencia import audit
from evidencia.cli import app
from evidencia.embed.run import embed_missing
from evidencia.ingest.pipeline import Ingestor
from evidencia.model import AccessLevel
from evidencia.search import semantic, word_index
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta
from evidencia.store.schema import Document
from tests.web.conftest import HashBackend

MARKERS = ["zorblaxquint", "vumtrexilo", "ompraskelvin"]


def _bytes_everywhere(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


@pytest.fixture
def filled(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    secret = tmp_path / "testimony.txt"
    secret.write_text(
        f"At the {MARKERS[1]} meeting they told me about the {MARKERS[0]} raid.\n\n"
        f"We met again in the {MARKERS[2]} shelter, afraid of the police.\n",
        encoding="utf-8",
    )
    other = tmp_path / "report.txt"
    other.write_text("Firewalls let victims report crime to the police safely.\n")
    # a network document, neither redacted nor sealed: its words reach every store and
    # index as they are (the sealed and redacted case: tests/web/test_canary.py)
    meta = {
        secret: DocumentMeta(title="A testimony", access=AccessLevel.NETWORK),
        other: DocumentMeta(title="A report"),
    }
    Ingestor(store, workers=1).run([secret, other], lambda p: meta[p])
    embed_missing(store, HashBackend())
    semantic.build_index(store, HashBackend().name)
    monkeypatch.setattr(word_index, "USE_FROM", 1)  # a word index even for two documents
    word_index.build(store)
    for marker in MARKERS:
        assert _bytes_everywhere(store.home.root, marker.encode()), marker
    return store


def test_erase_leaves_no_byte_of_the_document(filled: Store, cli: CliRunner) -> None:
    store = filled
    with store.session() as session:
        doc = session.scalar(select(Document.id).where(Document.title == "A testimony"))
    home = str(store.home.root)
    result = cli.invoke(app, ["erase", str(doc), "--yes", "--home", home])
    assert result.exit_code == 0, result.output
    assert "Erased document" in result.output
    for marker in MARKERS:
        for needle in {marker.encode(), marker.lower().encode()}:
            assert _bytes_everywhere(store.home.root, needle) == [], marker
    with store.session() as session:
        assert session.get(Document, doc) is None
        assert session.scalar(select(Document.id).where(Document.title == "A report"))
    checked = cli.invoke(app, ["check", "--home", home])
    assert checked.exit_code == 0, checked.output
    assert audit.verify(store).ok
    exported = cli.invoke(app, ["audit", "export", "--action", "erase", "--home", home])
    entries = [json.loads(line) for line in exported.output.splitlines()]
    assert [e["document_id"] for e in entries] == [doc]
    assert entries[0]["actor"].startswith("cli")
    assert not any(m.lower() in exported.output.lower() for m in MARKERS)
    # the search still works on what is left
    found = cli.invoke(app, ["search", "firewalls", "--home", home, "--mode", "lexical"])
    assert found.exit_code == 0 and "A report" in found.output


def test_erasing_what_is_not_there_says_so(store: Store, cli: CliRunner) -> None:
    result = cli.invoke(app, ["erase", "42", "--yes", "--home", str(store.home.root)])
    assert result.exit_code == 2 and "no document 42" in result.output

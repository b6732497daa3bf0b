"""The web app over a real store: a copy of the session's demo store (so tests here may add
users and files without disturbing other tests), with one account per role and one file
that failed to ingest; and a fresh, empty store for the upload tests."""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from evidencia import accounts
from evidencia.access import Role
from evidencia.config import Home
from evidencia.embed.base import Vectors
from evidencia.ingest.pipeline import Ingestor
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta
from evidencia.web.app import create_app

PASSWORD = "correct horse battery staple"
#: email -> (role, organisation)
USERS = {
    "admin@example.org": (Role.ADMIN, None),
    "staff@example.org": (Role.STAFF, None),
    "ana@puentes.example": (Role.MEMBER, "Fundación Puentes (Madrid)"),
}
ANA_TESTIMONY = "Testimonio: trabajadora del hogar"
JAN_TESTIMONY = "Świadectwo: wypadek przy pracy"
NETWORK_BRIEFING = "Policing, data and people without papers"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session", autouse=True)
def cheap_hashes() -> Iterator[None]:
    """Argon2 at its cheapest: logins in tests need not resist offline cracking."""
    saved = accounts.HASHER
    accounts.HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    accounts.HASHER = saved


def copy_home(source: Store, target: Path) -> Home:
    """A consistent copy of a data directory (SQLite's backup, then the originals)."""
    target.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source.home.database)
    dst = sqlite3.connect(target / "evidencia.db")
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    shutil.copytree(source.home.files, target / "files")
    return Home(target)


@pytest.fixture(scope="session")
def web_store(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    home = copy_home(demo_store, tmp_path_factory.mktemp("web-home"))
    store = Store(home)
    with store.session() as session:
        for email, (role, org) in USERS.items():
            if org and accounts.find_organisation(session, org) is None:
                accounts.add_organisation(session, org)
            accounts.create_user(
                session, email=email, password=PASSWORD, role=role, organisation=org
            )
        session.commit()
    broken = tmp_path_factory.mktemp("broken") / "broken-report.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage")
    Ingestor(store, workers=1).run([broken], lambda _p: DocumentMeta())
    yield store
    store.close()


@pytest.fixture(scope="session")
def web_app(web_store: Store) -> FastAPI:
    return create_app(web_store, embed_uploads=False)


@pytest.fixture
def client(web_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(web_app) as c:
        yield c


def csrf_of(client: TestClient, path: str = "/login") -> str:
    found = CSRF.search(client.get(path).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> None:
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def logged_in(app: FastAPI, email: str) -> TestClient:
    c = TestClient(app)
    login(c, email)
    return c


def document_id(store: Store, title_start: str) -> int:
    from sqlalchemy import select

    from evidencia.store.schema import Document

    with store.session() as session:
        found = session.scalar(select(Document.id).where(Document.title.startswith(title_start)))
    assert found is not None, title_start
    return int(found)


class HashBackend:
    """Vectors from a hash of the text: no model to load, deterministic, good enough for
    "more like this" and the semantic half of hybrid search to run their real code."""

    def __init__(self, name: str = "hash@1", dim: int = 8) -> None:
        self.name = name
        self.dim = dim

    def _vector(self, text: str) -> Vectors:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
        vector = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
        normalised: Vectors = vector / np.linalg.norm(vector)
        return normalised

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return np.stack([self._vector(t) for t in texts]).astype(np.float32)

    def embed_query(self, text: str) -> Vectors:
        return self._vector(text)


def hash_tagger(store: Store, backend: HashBackend, *, every: int = 3) -> int:
    """Fit a tagger on the starter set (one example in ``every``, which is plenty for hash
    vectors) with ``backend``'s vectors: seconds, no model. Make it the store's current one
    and tag the stored passages with it (they need vectors from ``backend``); returns the
    number of tags written."""
    from evidencia.classify import rules
    from evidencia.classify.examples import starter_examples
    from evidencia.classify.retrain import labels_of
    from evidencia.classify.shelf import Shelf
    from evidencia.classify.tagging import tag_stored
    from evidencia.classify.train import fit

    labels = labels_of(store)
    examples = starter_examples(labels)[::every]
    shelf = Shelf(store.home)
    fitted = fit(
        labels,
        rules.default(),
        examples,
        backend.embed_passages([e.text for e in examples]),
        backend.embed_passages([label.prototype for label in labels]),
        embedder=backend.name,
        version=shelf.next_version(),
    )
    shelf.promote(fitted.model)
    return tag_stored(store, fitted.model, rules.default(), backend=backend).tags

"""schemathesis against the API's own OpenAPI document (``/api/v1/openapi.json``), in-process
over ASGI: as an admin (a bearer token) and anonymously, every documented operation gets
generated requests, and every answer must be no server error and match the document
(status code documented, content type and body as described).

It runs on a throwaway data directory (a few documents, one failed ingestion), so the
destructive operations may run too: deleting users and tokens, uploading files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from evidencia import accounts
from evidencia.access import Role
from evidencia.config import Home
from evidencia.ingest.pipeline import Ingestor
from evidencia.model import AccessLevel
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta
from evidencia.web.api import create_api
from evidencia.web.app import create_app
from tests.web.conftest import PASSWORD

ADMIN = "fuzz-admin@example.org"


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "home").mkdir()
    store = Store(Home(root / "home"))
    with store.session() as session:
        accounts.add_organisation(session, "Organisation A", "BE")
        accounts.create_user(session, email=ADMIN, password=PASSWORD, role=Role.ADMIN)
        session.commit()
    notes = {
        "public.md": ("# Shelters\n\nNight shelters in Belgium turned people away.\n", "public"),
        "restricted.md": (
            "# Casework\n\nA case in Spain: a worker without papers.\n",
            "restricted",
        ),
        "broken.pdf": ("%PDF-1.4\n1 0 obj <<>> not a PDF", "public"),
    }
    for name, (text, _access) in notes.items():
        (root / name).write_text(text, encoding="utf-8")
    Ingestor(store, workers=1).run(
        [root / name for name in notes],
        lambda path: DocumentMeta(
            access=AccessLevel(notes[path.name][1]), organisation="Organisation A"
        ),
    )
    yield store
    store.close()


@pytest.fixture(scope="module")
def fuzz_app(fuzz_store: Store) -> Iterator[FastAPI]:
    app = create_app(fuzz_store, embed_uploads=False)
    yield app
    app.state.web.uploads.close()


class AdminToken:
    """An admin's bearer token, made again whenever the fuzzer revoked it or removed its
    account (both are operations it may call)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.token = ""

    def headers(self) -> dict[str, str]:
        with self.store.session() as session:
            if not self.token or accounts.user_for_token(session, self.token) is None:
                user = accounts.get_user(session, ADMIN) or accounts.create_user(
                    session, email=ADMIN, password=PASSWORD, role=Role.ADMIN
                )
                self.token = accounts.issue_token(session, user, "fuzz")
            session.commit()
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="module")
def admin_token(fuzz_store: Store) -> AdminToken:
    return AdminToken(fuzz_store)


@pytest.fixture(scope="module")
def api_schema(fuzz_app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_app)


#: every operation of the API, known without a data directory (the served document is the
#: one fuzzed; a test below checks the two agree)
OPERATIONS = sorted(
    (method.upper(), path)
    for path, methods in create_api().openapi()["paths"].items()
    for method in methods
)
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
FUZZ = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
)


def _tame(case: Any) -> None:
    """Keep each call short: an upload may ask the server to wait for the ingestion."""
    if isinstance(case.query, dict) and "wait" in case.query:
        case.query["wait"] = 0


def _fuzz(
    api_schema: Any,
    method: str,
    path: str,
    mode: GenerationMode,
    headers: Callable[[], dict[str, str]],
) -> None:
    operation = api_schema[path][method]

    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        _tame(case)
        case.call_and_validate(headers=headers())

    run()


@pytest.mark.parametrize("mode", MODES, ids=[m.value for m in MODES])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_api_as_admin(
    api_schema: Any, admin_token: AdminToken, method: str, path: str, mode: GenerationMode
) -> None:
    _fuzz(api_schema, method, path, mode, admin_token.headers)


@pytest.mark.parametrize("mode", MODES, ids=[m.value for m in MODES])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_api_anonymously(api_schema: Any, method: str, path: str, mode: GenerationMode) -> None:
    _fuzz(api_schema, method, path, mode, dict)


def test_the_fuzzed_document_is_the_served_one(api_schema: Any) -> None:
    served = sorted(
        (method.upper(), path)
        for path, methods in api_schema.raw_schema["paths"].items()
        for method in methods
    )
    assert served == OPERATIONS
    assert api_schema.raw_schema["servers"] == [{"url": "/api/v1"}]

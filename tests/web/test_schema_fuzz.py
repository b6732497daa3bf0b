"""schemathesis against the API's own OpenAPI document (``/api/v1/openapi.json``, as the app
serves it), in-process over ASGI, as an admin (a bearer token) and anonymously.

Every documented operation gets generated requests, valid ones and (where it takes any
input) invalid ones, and every answer must pass schemathesis's checks: no server error;
status code, content type, headers and body as documented; invalid input refused with a
4xx; authentication enforced where the document says it is required (and declared optional
where anonymous callers are served). Invalid input that cannot exist on the wire is not held
against the server (see ``_unseen_on_the_wire``).

One check is left out: ``positive_data_acceptance`` (a schema-valid request must not get a
400). The API refuses some schema-valid requests on purpose, with a 400 and a message, for
rules JSON Schema cannot state: a member needs an organisation, an organisation named must
exist, a password needs 12 characters (the existing tests hold the 400 for that), 31
February is no date, a query of punctuation has nothing to search.

It runs on a throwaway data directory (three files, one of them broken), so nothing is
excluded: deleting users and tokens and uploading files run as well. Two things keep it
bounded: the admin's token is made again whenever the fuzzer revoked it or removed its
account, and an upload's ``wait`` is set to 0 (so no call waits for an ingestion).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.core.failures import AcceptedNegativeData, FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance

from evidencia import accounts
from evidencia.access import Role
from evidencia.config import Home
from evidencia.ingest.pipeline import Ingestor
from evidencia.model import AccessLevel
from evidencia.search.modes import Searcher
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta
from evidencia.web.api import create_api
from evidencia.web.app import create_app
from tests.web.conftest import PASSWORD, HashBackend

ADMIN = "fuzz-admin@example.org"
#: examples per operation, mode and caller: 20 take about 40 s on two cores; set
#: EVIDENCIA_FUZZ_EXAMPLES for a longer search
EXAMPLES = int(os.environ.get("EVIDENCIA_FUZZ_EXAMPLES", "20"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,  # the same examples on every run: a failure here is reproducible
    phases=[Phase.explicit, Phase.generate],
)


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "home").mkdir()
    store = Store(Home(root / "home"))
    with store.session() as session:
        accounts.add_organisation(session, "Organisation A", "BE")
        accounts.create_user(session, email=ADMIN, password=PASSWORD, role=Role.ADMIN)
        session.commit()
    files = {
        "public.md": ("# Shelters\n\nNight shelters in Belgium turned people away.\n", "public"),
        "restricted.md": (
            "# Casework\n\nA case in Spain: a worker without papers.\n",
            "restricted",
        ),
        "broken.pdf": ("%PDF-1.4\n1 0 obj <<>> not a PDF", "public"),
    }
    for name, (text, _access) in files.items():
        (root / name).write_text(text, encoding="utf-8")
    Ingestor(store, workers=1).run(
        [root / name for name in files],
        lambda path: DocumentMeta(
            access=AccessLevel(files[path.name][1]), organisation="Organisation A"
        ),
    )
    yield store
    store.close()


@pytest.fixture(scope="module")
def fuzz_app(fuzz_store: Store) -> Iterator[FastAPI]:
    """The app with the hash backend: the tagger's retrain (an operation like any other
    here) then takes seconds, not the model's load and minutes of embedding."""
    app = create_app(fuzz_store, embed_uploads=False, searcher=Searcher(fuzz_store, HashBackend()))
    yield app
    app.state.web.uploads.close()
    app.state.web.tagger.close()


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
    """The document as served at /api/v1/openapi.json (servers: /api/v1)."""
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_app)


def _operations() -> list[tuple[str, str, GenerationMode]]:
    """Every operation, known without a data directory (the served document is the one
    fuzzed; a test below checks the two agree); invalid input only where there is input."""
    found = []
    for path, methods in create_api().openapi()["paths"].items():
        for method, operation in methods.items():
            found.append((method.upper(), path, GenerationMode.POSITIVE))
            if operation.get("parameters") or operation.get("requestBody"):
                found.append((method.upper(), path, GenerationMode.NEGATIVE))
    return sorted(found)


OPERATIONS = _operations()
IDS = [f"{method} {path} {mode.value}" for method, path, mode in OPERATIONS]


def _takes_text(schema: dict[str, Any], document: dict[str, Any]) -> bool:
    """Whether some text is of this schema's type: a string (a file's bytes too), a list
    of strings (repeated parameters or files), or a choice of types including one."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _takes_text(document["components"]["schemas"][name], document)
    if "anyOf" in schema:
        return any(_takes_text(option, document) for option in schema["anyOf"])
    if schema.get("type") == "array":
        return _takes_text(schema.get("items", {}), document)
    return schema.get("type") == "string"


def _text_fields(operation: dict[str, Any], document: dict[str, Any]) -> dict[str, set[str]]:
    """Per place, the names of the fields sent as bare text: query parameters, and the
    parts of a multipart body (a form field or a file is text or bytes on the wire)."""
    fields = {
        "query": {
            p["name"]
            for p in operation.get("parameters", [])
            if p.get("in") == "query" and _takes_text(p.get("schema", {}), document)
        }
    }
    form = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data")
    if form:
        body = form["schema"]
        if "$ref" in body:
            body = document["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
        fields["body"] = {
            name
            for name, schema in body.get("properties", {}).items()
            if _takes_text(schema, document)
        }
    return fields


def _unseen_on_the_wire(case: Any, operation: dict[str, Any], document: dict[str, Any]) -> bool:
    """Whether the case's only mutations change the *type* of values sent as bare text.
    "13189" sent for a list of strings, or a file whose bytes read "-92", is valid, not
    the integer schemathesis meant (it knows this for single query mutations, not for
    several in one case, nor for multipart bodies)."""
    fields = _text_fields(operation, document)
    mutations = getattr(getattr(getattr(case.meta, "phase", None), "data", None), "mutations", ())

    def unseen(mutation: Any) -> bool:
        place = mutation.parameter_location.value
        name = mutation.parameter
        if place == "body":
            pointer = mutation.schema_pointer.split("/")
            name = pointer[2] if len(pointer) > 2 and pointer[1] == "properties" else None
        return set(mutation.keywords) <= {"type", "anyOf"} and name in fields.get(place, set())

    return bool(mutations) and all(unseen(m) for m in mutations)


def _fuzz(
    api_schema: Any, method: str, path: str, mode: GenerationMode, headers: Callable[[], Any]
) -> None:
    operation = api_schema[path][method]
    raw = api_schema.raw_schema["paths"][path][method.lower()]

    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        if isinstance(case.query, dict) and "wait" in case.query:
            case.query["wait"] = 0  # an upload may ask to wait up to 2 minutes
        try:
            case.call_and_validate(headers=headers(), excluded_checks=[positive_data_acceptance])
        except FailureGroup as failed:
            if all(isinstance(f, AcceptedNegativeData) for f in failed.exceptions) and (
                _unseen_on_the_wire(case, raw, api_schema.raw_schema)
            ):
                return
            raise

    run()


@pytest.mark.parametrize(("method", "path", "mode"), OPERATIONS, ids=IDS)
def test_api_as_admin(
    api_schema: Any, admin_token: AdminToken, method: str, path: str, mode: GenerationMode
) -> None:
    _fuzz(api_schema, method, path, mode, admin_token.headers)


@pytest.mark.parametrize(("method", "path", "mode"), OPERATIONS, ids=IDS)
def test_api_anonymously(api_schema: Any, method: str, path: str, mode: GenerationMode) -> None:
    _fuzz(api_schema, method, path, mode, dict)


def test_the_fuzzed_document_is_the_served_one(api_schema: Any) -> None:
    served = {
        (method.upper(), path)
        for path, methods in api_schema.raw_schema["paths"].items()
        for method in methods
    }
    assert served == {(method, path) for method, path, _mode in OPERATIONS}
    assert api_schema.raw_schema["servers"] == [{"url": "/api/v1"}]


@pytest.mark.parametrize(
    "path", ["/api/v1", "/api/v1/countries/b%0Ae", "/api/v1/documents/1%0D%0A"]
)
def test_api_addresses_the_mount_misses_answer_json(fuzz_app: FastAPI, path: str) -> None:
    """Found by the fuzzer: a line break in the path slips past the mount's pattern, and
    the pages answered with an HTML 404 where the document promises JSON."""
    response = TestClient(fuzz_app).get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"

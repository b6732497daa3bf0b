"""The REST API: search with filters, facets and pages; documents and passages within what
the caller may see; tokens; admin-only users; JSON errors; a complete OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount

from evidencia.store.db import Store
from evidencia.web.api import ROUTERS
from tests.web.conftest import ANA_TESTIMONY, JAN_TESTIMONY, csrf_of, document_id, logged_in


def bearer_for(app: FastAPI, email: str) -> dict[str, str]:
    with logged_in(app, email) as c:
        made = c.post(
            "/api/v1/tokens",
            json={"label": "tests"},
            headers={"X-CSRF-Token": csrf_of(c, "/")},
        )
        assert made.status_code == 201, made.text
        return {"Authorization": f"Bearer {made.json()['token']}"}


@pytest.fixture(scope="module")
def admin_auth(web_app: FastAPI) -> dict[str, str]:
    return bearer_for(web_app, "admin@example.org")


@pytest.fixture(scope="module")
def member_auth(web_app: FastAPI) -> dict[str, str]:
    return bearer_for(web_app, "ana@puentes.example")


@pytest.fixture
def api(web_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(web_app, base_url="http://testserver/api/v1") as c:
        yield c


def test_search_with_filters_facets_and_pages(api: TestClient) -> None:
    first = api.get(
        "/search", params={"q": "police", "mode": "lexical", "limit": 3, "facets": True}
    )
    assert first.status_code == 200
    body = first.json()
    assert body["total"] >= 4 and len(body["hits"]) == 3 and body["next_offset"] == 3
    assert {"countries", "languages", "doc_types"} <= set(body["facets"])
    hit = body["hits"][0]
    assert hit["url"] == f"/documents/{hit['document_id']}#p-{hit['passage_id']}"
    assert "<mark>" in hit["snippet"]
    second = api.get("/search", params={"q": "police", "mode": "lexical", "limit": 3, "offset": 3})
    ids = {h["passage_id"] for h in body["hits"]}
    assert ids.isdisjoint(h["passage_id"] for h in second.json()["hits"])
    narrowed = api.get("/search", params={"q": "police", "mode": "lexical", "country": ["NL"]})
    assert 0 < narrowed.json()["total"] < body["total"]
    assert narrowed.json()["filters"] == {"countries": ["NL"]}


def test_search_totals_count_only_what_the_caller_sees(
    api: TestClient, admin_auth: dict[str, str]
) -> None:
    params = {"q": "trabajadora OR wypadek OR testimonio", "mode": "lexical"}
    public = api.get("/search", params=params).json()
    admin = api.get("/search", params=params, headers=admin_auth).json()
    assert admin["total"] > public["total"]
    assert all(h["access"] == "public" for h in public["hits"])


def test_search_errors_are_json(api: TestClient) -> None:
    bad_mode = api.get("/search", params={"q": "x", "mode": "psychic"})
    assert bad_mode.status_code == 422
    error = bad_mode.json()["error"]
    assert error["code"] == "invalid_request" and "mode" in error["message"]
    too_deep = api.get("/search", params={"q": "x", "offset": 495, "limit": 10})
    assert too_deep.status_code == 400 and too_deep.json()["error"]["code"] == "bad_query"
    nothing = api.get("/search", params={"q": "***", "mode": "lexical"})
    assert nothing.status_code == 400 and "nothing to search" in nothing.json()["error"]["message"]
    assert api.get("/nowhere").json()["error"]["code"] == "not_found"
    assert api.delete("/search").json()["error"]["code"] == "method_not_allowed"


def test_documents_pages_and_totals(
    api: TestClient, admin_auth: dict[str, str], member_auth: dict[str, str]
) -> None:
    public = api.get("/documents", params={"limit": 2}).json()
    assert len(public["items"]) == 2 and public["next_offset"] == 2
    totals = [
        api.get("/documents", headers=auth).json()["total"]
        for auth in ({}, member_auth, admin_auth)
    ]
    assert totals[0] < totals[1] < totals[2]
    everything = api.get("/documents", params={"limit": 200}, headers=member_auth).json()["items"]
    titles = [d["title"] for d in everything]
    assert any(t.startswith(ANA_TESTIMONY) for t in titles)
    assert not any(t.startswith(JAN_TESTIMONY) for t in titles)


def test_document_passages_and_original(api: TestClient, web_store: Store) -> None:
    doc = document_id(web_store, "L'accès aux soins")
    detail = api.get(f"/documents/{doc}").json()
    assert detail["original_url"] == f"/documents/{doc}/original" and detail["footnotes"]
    page = api.get(f"/documents/{doc}/passages", params={"limit": 5}).json()
    assert page["total"] > 5 and len(page["items"]) == 5
    passage = page["items"][0]
    assert passage["page"] == 1 and passage["url"].endswith(f"#p-{passage['id']}")
    assert api.get(f"/passages/{passage['id']}").json() == passage
    original = api.get(f"/documents/{doc}/original")
    assert original.status_code == 200 and original.content.startswith(b"%PDF")


def test_hidden_documents_answer_404(
    api: TestClient, web_store: Store, member_auth: dict[str, str]
) -> None:
    jan = document_id(web_store, JAN_TESTIMONY)
    for path in (f"/documents/{jan}", f"/documents/{jan}/passages", f"/documents/{jan}/original"):
        for auth in ({}, member_auth):
            response = api.get(path, headers=auth)
            assert response.status_code == 404, path
            assert response.json()["error"]["code"] == "not_found"
    with web_store.session() as session:
        from sqlalchemy import select

        from evidencia.store.schema import Passage

        hidden = session.scalar(select(Passage.id).where(Passage.document_id == jan))
    assert api.get(f"/passages/{hidden}").status_code == 404
    assert api.get(f"/similar/{hidden}").status_code == 404


def test_tokens_and_who_am_i(api: TestClient, member_auth: dict[str, str]) -> None:
    assert api.get("/me").json()["logged_in"] is False
    me = api.get("/me", headers=member_auth).json()
    assert me["role"] == "member" and me["via"] == "token"
    assert me["organisation"] == "Fundación Puentes (Madrid)"
    wrong = api.get("/me", headers={"Authorization": "Bearer evd_not-a-token"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_token"
    made = api.post("/tokens", json={"label": "short-lived"}, headers=member_auth).json()
    mine = api.get("/tokens", headers=member_auth).json()
    assert made["id"] in [t["id"] for t in mine] and "token" not in mine[0]
    assert api.delete(f"/tokens/{made['id']}", headers=member_auth).status_code == 204
    revoked = api.get("/me", headers={"Authorization": f"Bearer {made['token']}"})
    assert revoked.status_code == 401


def test_users_are_for_admins(
    api: TestClient, admin_auth: dict[str, str], member_auth: dict[str, str]
) -> None:
    assert api.get("/users").json()["error"]["code"] == "login_required"
    assert api.get("/users", headers=member_auth).status_code == 403
    users = api.get("/users", headers=admin_auth).json()
    assert "ana@puentes.example" in [u["email"] for u in users]
    made = api.post(
        "/users",
        json={"email": "temp@example.org", "password": "a long enough password", "role": "staff"},
        headers=admin_auth,
    )
    assert made.status_code == 201, made.text
    short = api.post(
        "/users",
        json={"email": "t2@example.org", "password": "short", "role": "staff"},
        headers=admin_auth,
    )
    assert short.status_code == 400 and "12 characters" in short.json()["error"]["message"]
    assert api.delete(f"/users/{made.json()['id']}", headers=admin_auth).status_code == 204


def test_corpus_endpoints(api: TestClient, admin_auth: dict[str, str]) -> None:
    overview = api.get("/overview").json()
    assert overview["documents"] > 0 and overview["failures"] is None
    assert api.get("/overview", headers=admin_auth).json()["failures"]
    framework = api.get("/framework").json()
    assert framework["areas"] and all(
        a["passages"] == 0 or a["passages"] > 0 for a in framework["areas"]
    )
    countries = api.get("/countries").json()
    assert "ES" in [c["code"] for c in countries]
    spain = api.get("/countries/ES").json()
    assert spain["passages"] > 0 and spain["documents"]
    failures = api.get("/ingestions", headers=admin_auth).json()
    assert failures["items"][0]["file"] == "broken-report.pdf"
    assert api.get("/ingestions").status_code == 401


def test_openapi_lists_every_route(api: TestClient, web_app: FastAPI) -> None:
    document = api.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert any(isinstance(r, Mount) and r.path == "/api/v1" for r in web_app.routes)
    routes = {
        (route.path, method.lower())
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    assert len(routes) >= 24
    documented = {(p, m) for p, ops in document["paths"].items() for m in ops}
    assert routes == documented
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            assert op.get("summary"), (path, method)
            assert "200" in op["responses"] or "201" in op["responses"] or "204" in op["responses"]
            assert "404" in op["responses"] and "422" in op["responses"]
    error = document["components"]["schemas"]["ErrorBody"]
    assert error["required"] == ["error"]
    assert document["components"]["securitySchemes"].keys() >= {"HTTPBearer", "APIKeyCookie"}
    assert document.get("servers") == [{"url": "/api/v1"}]


@pytest.mark.parametrize(
    "path",
    [
        "/documents/99999999999999999999999",
        "/documents/0/passages",
        "/passages/-1",
        "/similar/99999999999999999999999",
        "/documents?offset=99999999999999999999999",
        "/search?q=x&limit=0",
        "/countries/%00",
    ],
)
def test_out_of_range_input_is_refused_not_crashed(api: TestClient, path: str) -> None:
    response = api.get(path)
    assert 400 <= response.status_code < 500, (path, response.text)
    assert response.json()["error"]["code"]

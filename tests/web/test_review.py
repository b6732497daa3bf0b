"""Reviewing the tagger's suggestions on the web and through the API, and the tagger's own
page: who may review, what a decision changes (the tag, search's theme filter, the queue),
that a hidden passage looks like a missing one, clear refusals of bad input, tagging after
an upload, and retraining and rolling back in the background.

The data directory is a copy of the demo store, embedded with the hash backend and tagged by
a tagger fitted on the starter set with the same hash vectors (a few seconds, no model)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from evidencia import accounts
from evidencia.classify.shelf import Shelf
from evidencia.classify.tagging import ENRICHER
from evidencia.embed.run import embed_missing
from evidencia.search.modes import Searcher
from evidencia.store.db import Store
from evidencia.store.schema import Enrichment, Passage
from evidencia.web.app import create_app
from tests.web.conftest import (
    ANA_TESTIMONY,
    JAN_TESTIMONY,
    NETWORK_BRIEFING,
    PASSWORD,
    USERS,
    HashBackend,
    copy_home,
    csrf_of,
    document_id,
    hash_tagger,
    logged_in,
)

ADMIN, STAFF, MEMBER = "admin@example.org", "staff@example.org", "ana@puentes.example"
HX = {"HX-Request": "true"}
NO_SUCH_PASSAGE = 10**9


@pytest.fixture(scope="module")
def review_store(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The demo corpus, embedded with the hash backend and tagged by a tagger trained on
    those vectors, with one account per role."""
    store = Store(copy_home(demo_store, tmp_path_factory.mktemp("review-home")))
    with store.session() as session:
        for email, (role, org) in USERS.items():
            if org and accounts.find_organisation(session, org) is None:
                accounts.add_organisation(session, org)
            accounts.create_user(
                session, email=email, password=PASSWORD, role=role, organisation=org
            )
        session.commit()
    backend = HashBackend()
    embed_missing(store, backend)
    assert hash_tagger(store, backend) > 100
    yield store
    store.close()


@pytest.fixture(scope="module")
def app(review_store: Store) -> Iterator[FastAPI]:
    made = create_app(review_store, searcher=Searcher(review_store, HashBackend()))
    yield made
    made.state.web.tagger.close()
    made.state.web.uploads.close()


def bearer(app: FastAPI, email: str) -> dict[str, str]:
    with logged_in(app, email) as c:
        made = c.post(
            "/api/v1/tokens", json={"label": "review"}, headers={"X-CSRF-Token": csrf_of(c, "/")}
        )
        assert made.status_code == 201, made.text
        return {"Authorization": f"Bearer {made.json()['token']}"}


@pytest.fixture(scope="module")
def api(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver/api/v1") as c:
        yield c


@pytest.fixture(scope="module")
def tokens(app: FastAPI) -> dict[str, dict[str, str]]:
    return {email: bearer(app, email) for email in (ADMIN, STAFF, MEMBER)}


def queue(api: TestClient, auth: dict[str, str], **params: Any) -> dict[str, Any]:
    response = api.get("/review/queue", params=params, headers=auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def tags_of(api: TestClient, auth: dict[str, str], passage_id: int) -> dict[str, str]:
    response = api.get(f"/passages/{passage_id}/tags", headers=auth)
    assert response.status_code == 200, response.text
    return {t["key"]: t["status"] for t in response.json()}


def decide(
    api: TestClient, auth: dict[str, str], *decisions: tuple[int, str, str]
) -> dict[str, Any]:
    body = [{"passage_id": p, "key": k, "decision": d} for p, k, d in decisions]
    response = api.post("/review/decisions", json=body, headers=auth)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def with_theme(api: TestClient, auth: dict[str, str], item: dict[str, Any], theme: str) -> bool:
    """Whether search, filtered by ``theme``, finds the passage (by a phrase of its own)."""
    words = re.findall(r"\w+", item["text"])[:8]
    found = api.get(
        "/search",
        params={"q": f'"{" ".join(words)}"', "mode": "lexical", "theme": theme, "limit": 50},
        headers=auth,
    )
    assert found.status_code == 200, found.text
    return any(
        h["passage_id"] == item["passage_id"] or item["document_id"] in h["also_in"]
        for h in found.json()["hits"]
    )


def form(client: TestClient, path: str = "/review") -> str:
    return csrf_of(client, path)


def unique_suggestion(api: TestClient, auth: dict[str, str], doc: int, kind: str) -> dict[str, Any]:
    """A suggestion of ``kind`` in ``doc`` (a document without copies, so search shows the
    passage itself)."""
    items = queue(api, auth, document_id=doc, limit=100)["items"]
    chosen = [i for i in items if i["kind"] == kind]
    assert chosen, f"no {kind} suggested in document {doc}"
    return chosen[0]


# ------------------------------------------------------------------ who may review


def test_the_queue_is_for_the_team(app: FastAPI, api: TestClient, tokens: Any) -> None:
    anonymous = TestClient(app, follow_redirects=False)
    response = anonymous.get("/review?order=confident")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/review%3Forder%3Dconfident"
    with logged_in(app, MEMBER) as member:
        refused = member.get("/review")
        assert refused.status_code == 403
        assert "Reviewing tags is for the network" in refused.text
        assert 'href="/review"' not in member.get("/").text  # no link to it either
    assert api.get("/review/queue").status_code == 401
    answer = api.get("/review/queue", headers=tokens[MEMBER])
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "staff_only"
    for email in (STAFF, ADMIN):
        with logged_in(app, email) as c:
            page = c.get("/review")
            assert page.status_code == 200
            assert 'href="/review" aria-current="page"' in page.text
            assert 'id="keyboard-help"' in page.text and 'id="review-queue"' in page.text
        body = queue(api, tokens[email])
        assert body["total"] > 0 and len(body["items"]) == 50
        assert {i["status"] for i in body["items"]} == {"suggested"}


def test_hidden_passages_never_reach_the_queue(
    app: FastAPI, api: TestClient, tokens: Any, review_store: Store
) -> None:
    """Staff may not see the members' restricted testimonies: none of their suggestions
    are listed, counted, or open to a decision; an admin sees them."""
    hidden = [document_id(review_store, t) for t in (ANA_TESTIMONY, JAN_TESTIMONY)]
    for doc in hidden:
        assert queue(api, tokens[STAFF], document_id=doc)["total"] == 0
        assert queue(api, tokens[ADMIN], document_id=doc)["total"] > 0
    seen: set[int] = set()
    body = queue(api, tokens[STAFF], limit=100)
    total = body["total"]
    while True:
        seen |= {i["document_id"] for i in body["items"]}
        if body["next_offset"] is None:
            break
        body = queue(api, tokens[STAFF], limit=100, offset=body["next_offset"])
    assert not seen & set(hidden)
    assert total < queue(api, tokens[ADMIN])["total"]
    with logged_in(app, STAFF) as staff:
        page = staff.get(f"/review?document_id={hidden[0]}").text
        assert "Testimonio" not in page and "0 suggestions waiting" in page
    # a decision on a hidden passage is answered exactly as one on a passage that is not there
    shown_to_admin = queue(api, tokens[ADMIN], document_id=hidden[0])["items"][0]
    passage, theme = shown_to_admin["passage_id"], shown_to_admin["key"]
    on_hidden = decide(api, tokens[STAFF], (passage, theme, "rejected"))
    on_missing = decide(api, tokens[STAFF], (NO_SUCH_PASSAGE, theme, "rejected"))
    assert on_hidden["failed"] == 1 and on_hidden["results"][0]["error"]["code"] == "not_found"
    assert str(on_hidden).replace(str(passage), "N") == str(on_missing).replace(
        str(NO_SUCH_PASSAGE), "N"
    )
    assert theme in tags_of(api, tokens[ADMIN], passage)  # nothing happened to it
    assert api.get(f"/passages/{passage}/tags", headers=tokens[STAFF]).status_code == 404
    with logged_in(app, STAFF) as staff:
        token = form(staff)
        for target in (passage, NO_SUCH_PASSAGE):
            refused = staff.post(
                "/review/decide",
                data={
                    "passage_id": target,
                    "key": theme,
                    "decision": "rejected",
                    "csrf_token": token,
                },
            )
            assert refused.status_code == 404
            assert "There is no passage with this number, or you may not see it." in refused.text
            assert "Testimonio" not in refused.text
        hidden_tags = staff.post(
            f"/passages/{passage}/tags",
            data={"key": theme, "decision": "rejected", "csrf_token": token},
        )
        missing_tags = staff.post(
            f"/passages/{NO_SUCH_PASSAGE}/tags",
            data={"key": theme, "decision": "rejected", "csrf_token": token},
        )
        assert hidden_tags.status_code == missing_tags.status_code == 404
        assert hidden_tags.text.replace(str(passage), "N") == missing_tags.text.replace(
            str(NO_SUCH_PASSAGE), "N"
        )


# ------------------------------------------------------------------ decisions


def test_accepting_on_the_page_keeps_the_tag(
    app: FastAPI, api: TestClient, tokens: Any, review_store: Store
) -> None:
    doc = document_id(review_store, NETWORK_BRIEFING)
    item = unique_suggestion(api, tokens[STAFF], doc, "theme")
    key, pid = item["key"], item["passage_id"]
    assert with_theme(api, tokens[STAFF], item, key)  # a suggestion is a tag search filters by
    with logged_in(app, STAFF) as staff:
        shown = [f"{pid}:{key}"]
        answer = staff.post(
            "/review/decide",
            data={
                "passage_id": pid,
                "key": key,
                "decision": "accepted",
                "shown": shown,
                "next": f"/review?document_id={doc}",
                "csrf_token": form(staff),
            },
            headers=HX,
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["hx-trigger"] == "review-decided"
        row = re.search(r'<li class="suggestion status-(\w+)"[^>]*data-key="([^"]+)"', answer.text)
        assert row and row.groups() == ("accepted", key)
        assert 'hx-swap-oob="true"' in answer.text and 'id="review-announce"' in answer.text
        assert f"Accepted: {item['label']} on passage {pid}." in answer.text
        # the accepted row offers the other decision only
        assert (
            'value="rejected"' in answer.text
            and 'value="accepted" class="accept"' not in answer.text
        )
        # without htmx: back to the queue where it was
        again = staff.post(
            "/review/decide",
            data={
                "passage_id": pid,
                "key": key,
                "decision": "accepted",
                "next": f"/review?document_id={doc}",
                "csrf_token": form(staff),
            },
            follow_redirects=False,
        )
        assert (
            again.status_code == 303 and again.headers["location"] == f"/review?document_id={doc}"
        )
        elsewhere = staff.post(
            "/review/decide",
            data={
                "passage_id": pid,
                "key": key,
                "decision": "accepted",
                "next": "https://example.org/",
                "csrf_token": form(staff),
            },
            follow_redirects=False,
        )
        assert elsewhere.headers["location"] == "/review"
    assert tags_of(api, tokens[STAFF], pid)[key] == "accepted"
    assert tags_of(api, tokens[MEMBER], pid)[key] == "accepted"  # whoever may see the passage
    assert with_theme(api, tokens[STAFF], item, key)
    listed = queue(api, tokens[STAFF], document_id=doc, limit=100)["items"]
    assert (pid, key) not in {(i["passage_id"], i["key"]) for i in listed}


def test_rejecting_takes_the_tag_off_and_out_of_search(
    app: FastAPI, api: TestClient, tokens: Any, review_store: Store
) -> None:
    doc = document_id(review_store, NETWORK_BRIEFING)
    items = queue(api, tokens[ADMIN], document_id=doc, limit=100)["items"]
    item = next(i for i in items if i["kind"] == "theme")
    key, pid = item["key"], item["passage_id"]
    outcomes = {k for k, _s in tags_of(api, tokens[ADMIN], pid).items() if k.startswith(key + ".")}
    assert with_theme(api, tokens[STAFF], item, key)
    answer = decide(api, tokens[ADMIN], (pid, key, "rejected"))
    assert answer["rejected"] == 1 and answer["failed"] == 0
    assert answer["results"][0] == {
        "passage_id": pid,
        "key": key,
        "decision": "rejected",
        "ok": True,
        "status": "rejected",
        "error": None,
    }
    after = tags_of(api, tokens[ADMIN], pid)
    assert after[key] == "rejected"  # reviewers see the decision...
    assert not outcomes & set(after)  # ...and the theme's outcomes went with it
    assert key not in tags_of(api, tokens[MEMBER], pid)  # others see the tag gone
    assert not with_theme(api, tokens[STAFF], item, key)  # search's theme filter follows at once
    listed = queue(api, tokens[ADMIN], document_id=doc, limit=100)["items"]
    assert not {(pid, key)} & {(i["passage_id"], i["key"]) for i in listed}
    with logged_in(app, ADMIN) as admin:
        page = admin.get(f"/documents/{doc}").text
        block = re.search(rf'<div class="passage-tags" id="tags-{pid}">(.*?)</div>', page, re.S)
        assert block is None or f'data-key="{key}"' not in block.group(1)


def test_a_decision_redraws_the_rows_it_changed(app: FastAPI, api: TestClient, tokens: Any) -> None:
    """Accepting an outcome accepts its theme: both rows come back, as they are now."""
    items = queue(api, tokens[ADMIN], limit=100, order="confident")["items"]
    pairs = {(i["passage_id"], i["key"]) for i in items}
    outcome = next(
        i for i in items if i["kind"] == "outcome" and (i["passage_id"], i["theme"]) in pairs
    )
    pid, theme = outcome["passage_id"], outcome["theme"]
    with logged_in(app, ADMIN) as admin:
        answer = admin.post(
            "/review/decide",
            data={
                "passage_id": pid,
                "key": outcome["key"],
                "decision": "accepted",
                "shown": [f"{pid}:{outcome['key']}", f"{pid}:{theme}"],
                "csrf_token": form(admin),
            },
            headers=HX,
        )
    assert answer.status_code == 200, answer.text
    rows = dict(
        (key, status)
        for status, key in re.findall(
            r'<li class="suggestion status-(\w+)"[^>]*data-key="([^"]+)"', answer.text
        )
    )
    assert rows == {outcome["key"]: "accepted", theme: "accepted"}
    assert tags_of(api, tokens[ADMIN], pid)[theme] == "accepted"


def test_deciding_on_a_selection(app: FastAPI, api: TestClient, tokens: Any) -> None:
    items = queue(api, tokens[STAFF], limit=100, order="document")["items"]
    chosen = [i for i in items if i["kind"] == "theme"][:3]
    values = [f"{i['passage_id']}:{i['key']}" for i in chosen]
    with logged_in(app, STAFF) as staff:
        answer = staff.post(
            "/review/bulk",
            data={
                "item": values[:2],
                "shown": values,
                "decision": "accepted",
                "csrf_token": form(staff),
            },
            headers=HX,
        )
        assert answer.status_code == 200, answer.text
        assert "2 accepted, 0 rejected." in answer.text
        assert answer.text.count('hx-swap-oob="true"') >= 3  # the two rows and the status line
        plain = staff.post(
            "/review/bulk",
            data={
                "item": values[2:],
                "decision": "rejected",
                "next": "/review?order=document",
                "csrf_token": form(staff),
            },
            follow_redirects=False,
        )
        assert plain.status_code == 303 and plain.headers["location"] == "/review?order=document"
    statuses = [tags_of(api, tokens[STAFF], i["passage_id"]).get(i["key"]) for i in chosen]
    assert statuses == ["accepted", "accepted", "rejected"]


def test_the_api_takes_many_decisions_each_on_its_own(api: TestClient, tokens: Any) -> None:
    items = queue(api, tokens[STAFF], limit=100, order="confident")["items"]
    first, second = [i for i in items if i["kind"] == "theme"][:2]
    answer = decide(
        api,
        tokens[STAFF],
        (first["passage_id"], first["key"], "accepted"),
        (first["passage_id"], "no.such.outcome", "accepted"),
        (NO_SUCH_PASSAGE, first["key"], "accepted"),
        (second["passage_id"], second["key"], "rejected"),
    )
    assert (answer["accepted"], answer["rejected"], answer["failed"]) == (1, 1, 2)
    codes = [r["error"]["code"] if r["error"] else None for r in answer["results"]]
    assert codes == [None, "bad_decision", "not_found", None]
    assert "no.such.outcome" in answer["results"][1]["error"]["message"]
    assert tags_of(api, tokens[STAFF], first["passage_id"])[first["key"]] == "accepted"
    assert tags_of(api, tokens[STAFF], second["passage_id"])[second["key"]] == "rejected"


# ------------------------------------------------------------------ the document page


def test_the_document_page_shows_tags_and_their_status(
    app: FastAPI, api: TestClient, tokens: Any, review_store: Store
) -> None:
    doc = document_id(review_store, NETWORK_BRIEFING)
    item = unique_suggestion(api, tokens[STAFF], doc, "theme")
    pid, key = item["passage_id"], item["key"]
    with logged_in(app, MEMBER) as member:
        page = member.get(f"/documents/{doc}").text
        assert f'id="tags-{pid}"' in page and f'data-key="{key}" data-status="suggested"' in page
        assert f'action="/passages/{pid}/tags"' not in page  # members do not review
        refused = member.post(
            f"/passages/{pid}/tags",
            data={"key": key, "decision": "accepted", "csrf_token": form(member, "/")},
        )
        assert refused.status_code == 403
    with logged_in(app, STAFF) as staff:
        page = staff.get(f"/documents/{doc}").text
        assert f'action="/passages/{pid}/tags"' in page
        answer = staff.post(
            f"/passages/{pid}/tags",
            data={"key": key, "decision": "accepted", "csrf_token": form(staff, "/")},
            headers=HX,
        )
        assert answer.status_code == 200, answer.text
        assert answer.text.lstrip().startswith(f'<div class="passage-tags" id="tags-{pid}">')
        assert f'data-key="{key}" data-status="accepted"' in answer.text
        plain = staff.post(
            f"/passages/{pid}/tags",
            data={"key": key, "decision": "accepted", "csrf_token": form(staff, "/")},
            follow_redirects=False,
        )
        assert plain.status_code == 303
        assert plain.headers["location"] == f"/documents/{doc}#p-{pid}"
        fr = staff.get(f"/documents/{doc}?ui=fr").text
        assert "accepté" in fr and "Accepter" in fr
    assert tags_of(api, tokens[STAFF], pid)[key] == "accepted"


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"min_score": 0.8, "max_score": 0.2}, 400, "bad_filter"),
        ({"tag": "no.such.theme"}, 400, "bad_filter"),
        ({"order": "random"}, 422, "invalid_request"),
        ({"min_score": 2}, 422, "invalid_request"),
        ({"limit": 0}, 422, "invalid_request"),
        ({"document_id": 0}, 422, "invalid_request"),
    ],
)
def test_bad_queue_filters_are_refused(
    api: TestClient, tokens: Any, params: dict[str, Any], status: int, code: str
) -> None:
    response = api.get("/review/queue", params=params, headers=tokens[STAFF])
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize(
    "body",
    [
        [],
        [{"passage_id": 1, "key": "health", "decision": "maybe"}],
        [{"passage_id": 0, "key": "health", "decision": "accepted"}],
        [{"passage_id": 1, "key": "", "decision": "accepted"}],
        [{"passage_id": 1, "decision": "accepted"}],
        {"passage_id": 1, "key": "health", "decision": "accepted"},
        [{"passage_id": 1, "key": "health", "decision": "accepted", "extra": 1}],
    ],
)
def test_bad_decisions_are_refused(api: TestClient, tokens: Any, body: Any) -> None:
    response = api.post("/review/decisions", json=body, headers=tokens[STAFF])
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"


def test_bad_page_input_is_explained(app: FastAPI, api: TestClient, tokens: Any) -> None:
    item = queue(api, tokens[STAFF])["items"][0]
    with logged_in(app, STAFF) as staff:
        for query, expected in (
            ("?min_score=abc", 400),
            ("?min_score=0.9&max_score=0.1", 400),
            ("?tag=nothing", 400),
            ("?order=sideways", 400),
            ("?min_score=&max_score=&document_id=&tag=", 200),  # a blank form is "any"
        ):
            assert staff.get("/review" + query).status_code == expected, query
        token = form(staff)
        bad_key = staff.post(
            "/review/decide",
            data={
                "passage_id": item["passage_id"],
                "key": "no.such",
                "decision": "accepted",
                "csrf_token": token,
            },
        )
        assert bad_key.status_code == 400 and "no theme or outcome" in bad_key.text
        bad_decision = staff.post(
            "/review/decide",
            data={
                "passage_id": item["passage_id"],
                "key": item["key"],
                "decision": "perhaps",
                "csrf_token": token,
            },
        )
        assert bad_decision.status_code == 400
        nothing = staff.post("/review/bulk", data={"decision": "accepted", "csrf_token": token})
        assert nothing.status_code == 400 and "Select at least one suggestion" in nothing.text
        malformed = staff.post(
            "/review/bulk",
            data={"decision": "accepted", "item": ["12-health"], "csrf_token": token},
        )
        assert malformed.status_code == 400 and "passage:tag" in malformed.text
        no_csrf = staff.post(
            "/review/decide",
            data={"passage_id": item["passage_id"], "key": item["key"], "decision": "accepted"},
        )
        assert no_csrf.status_code == 403
    assert tags_of(api, tokens[STAFF], item["passage_id"])[item["key"]] == "suggested"


# ------------------------------------------------------------------ uploads are tagged


def test_uploaded_documents_are_tagged(app: FastAPI, api: TestClient, tokens: Any) -> None:
    text = (
        "# Detention of children\n\nChildren without papers were held in immigration "
        "detention for weeks before their families were returned, although alternatives "
        "to detention were available in the city.\n"
    )
    sent = api.post(
        "/uploads?wait=60",
        files={"files": ("children-detention.md", text.encode(), "text/markdown")},
        data={"access": "network"},
        headers=tokens[STAFF],
    )
    assert sent.status_code == 200, sent.text
    doc = sent.json()["files"][0]["document_id"]
    version = Shelf(app.state.web.store.home).current_version()
    with app.state.web.store.session() as session:
        tagged = session.scalar(
            select(Enrichment.version).where(
                Enrichment.document_id == doc, Enrichment.enricher == ENRICHER
            )
        )
        passages = list(session.scalars(select(Passage.id).where(Passage.document_id == doc)))
    assert tagged == version
    assert any(tags_of(api, tokens[STAFF], pid) for pid in passages)


# ------------------------------------------------------------------ the tagger


def test_the_tagger_is_for_admins(app: FastAPI, api: TestClient, tokens: Any) -> None:
    for email in (MEMBER, STAFF):
        for path in ("/tagger", "/tagger/jobs/x"):
            refused = api.get(path, headers=tokens[email])
            assert refused.status_code == 403 and refused.json()["error"]["code"] == "admin_only"
        assert api.post("/tagger/train", headers=tokens[email]).status_code == 403
        with logged_in(app, email) as c:
            assert c.get("/admin/tagger").status_code == 403
            assert 'href="/admin/tagger"' not in c.get("/").text
    assert api.get("/tagger").status_code == 401
    anonymous = TestClient(app, follow_redirects=False)
    assert anonymous.get("/admin/tagger").headers["location"] == "/login?next=/admin/tagger"
    status = api.get("/tagger", headers=tokens[ADMIN]).json()
    assert status["current"] == "v0001" and status["job"] is None
    assert status["versions"][0]["version"] == "v0001"
    assert status["versions"][-1]["packaged"] and status["versions"][0]["held_out"]["micro_f1"] > 0
    with logged_in(app, ADMIN) as admin:
        page = admin.get("/admin/tagger").text
        assert 'id="retrain"' in page and 'id="rollback"' in page and "v0001" in page
        assert 'href="/admin/tagger" aria-current="page"' in page
    assert api.get("/tagger/jobs/nope", headers=tokens[ADMIN]).status_code == 404


def test_retrain_keeps_decisions_then_roll_back(app: FastAPI, api: TestClient, tokens: Any) -> None:
    """Retraining runs in the background, one job at a time; whatever it decides, people's
    decisions stay: an accepted tag stays accepted, a rejected one stays off."""
    items = queue(api, tokens[ADMIN], limit=100, order="confident")["items"]
    kept, dropped = [i for i in items if i["kind"] == "theme"][:2]
    decide(
        api,
        tokens[ADMIN],
        (kept["passage_id"], kept["key"], "accepted"),
        (dropped["passage_id"], dropped["key"], "rejected"),
    )
    with logged_in(app, ADMIN) as admin:
        started = admin.post(
            "/admin/tagger/train", data={"csrf_token": form(admin, "/admin/tagger")}, headers=HX
        )
        assert started.status_code == 200, started.text
        assert 'id="tagger-job"' in started.text
        assert 'hx-get="/admin/tagger/job"' in started.text  # the page polls it
        busy = api.post("/tagger/train", headers=tokens[ADMIN])
        assert busy.status_code == 409 and busy.json()["error"]["code"] == "busy"
        again = admin.post(
            "/admin/tagger/train", data={"csrf_token": form(admin, "/admin/tagger")}, headers=HX
        )
        assert "A job is running already" in again.text
        job = api.get("/tagger", headers=tokens[ADMIN]).json()["job"]
        assert job["kind"] == "train"
        done = api.get(f"/tagger/jobs/{job['id']}?wait=120", headers=tokens[ADMIN])
        assert done.status_code == 200, done.text
        job = done.json()
        assert job["state"] == "done", job
        assert job["version"] == "v0002" and job["replaced"] == "v0001"
        assert job["held_out"]["micro_f1"] > 0 and job["before"] is not None and job["reason"]
        polled = admin.get("/admin/tagger/job", headers=HX).text
        assert "hx-get" not in polled.split('id="tagger-job"')[1].split(">")[0]  # it stopped
        assert (
            'id="tagger-versions" aria-labelledby="versions-heading" hx-swap-oob="true"' in polled
        )
        assert ("Version v0002 is now in use." in polled) == job["promoted"]
    assert tags_of(api, tokens[ADMIN], kept["passage_id"])[kept["key"]] == "accepted"
    assert tags_of(api, tokens[ADMIN], dropped["passage_id"])[dropped["key"]] == "rejected"
    assert dropped["key"] not in tags_of(api, tokens[STAFF], dropped["passage_id"]) or (
        tags_of(api, tokens[STAFF], dropped["passage_id"])[dropped["key"]] == "rejected"
    )
    if not job["promoted"]:
        return
    assert job["tagged_documents"] > 10
    status = api.get("/tagger", headers=tokens[ADMIN]).json()
    assert status["current"] == "v0002" and status["versions"][0]["replaces"] == "v0001"
    back = api.post("/tagger/rollback?wait=120", headers=tokens[ADMIN])
    assert back.status_code == 200, back.text
    assert back.json()["state"] == "done" and back.json()["version"] == "v0001"
    assert api.get("/tagger", headers=tokens[ADMIN]).json()["current"] == "v0001"
    assert tags_of(api, tokens[ADMIN], kept["passage_id"])[kept["key"]] == "accepted"
    assert tags_of(api, tokens[ADMIN], dropped["passage_id"])[dropped["key"]] == "rejected"
    # once more: back to the packaged tagger, which reads the real model's vectors, which
    # these passages do not have: the job says so, and their tags stay as they were
    packaged = api.post("/tagger/rollback?wait=120", headers=tokens[ADMIN])
    assert packaged.status_code == 200, packaged.text
    failed = packaged.json()
    assert failed["state"] == "failed" and "run `evidencia embed` first" in failed["error"]
    assert tags_of(api, tokens[ADMIN], kept["passage_id"])[kept["key"]] == "accepted"
    with logged_in(app, ADMIN) as admin:
        refused = admin.post(
            "/admin/tagger/rollback", data={"csrf_token": form(admin, "/admin/tagger")}
        )
        assert refused.status_code == 409 and "nothing to roll back" in refused.text

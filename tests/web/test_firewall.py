"""The firewall's web side, route by route: the audit log for admins (page and API), erasing
a document from its page or the API, what search scores and remembered queries may tell;
and the one side channel known to remain (``test_word_statistics_are_store_wide``).

The canary (``test_canary.py``) walks every route as every role; these tests look at each
feature on a small store of its own."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from evidencia import accounts, audit
from evidencia.access import Role, Viewer
from evidencia.config import Home
from evidencia.embed.base import Vectors
from evidencia.ingest.pipeline import Ingestor
from evidencia.model import AccessLevel, DocumentType
from evidencia.search.modes import RememberedQueries
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta
from evidencia.store.schema import AuditEvent, Document
from evidencia.web import searching
from evidencia.web.app import create_app
from tests.web.conftest import CSRF, PASSWORD, HashBackend, login

ORG = "Casa Amiga"
USERS = {
    "admin": ("admin@firewall.example", Role.ADMIN, None),
    "staff": ("staff@firewall.example", Role.STAFF, None),
    "member": ("member@casa.example", Role.MEMBER, ORG),
}
REPORT = (
    "# Shelters\n\nNight shelters in Ghent turned people away although the rules say otherwise.\n"
)
TESTIMONY = (
    "# A testimony\n\nMy name is Mariam Okonkwo and I clean houses in Ixelles without a "
    "contract.\n\nThe employer kept the passport; the police never asked about it.\n"
)


@dataclass
class Small:
    app: FastAPI
    store: Store
    root: Path
    tokens: dict[str, str]
    report: int
    testimony: int

    def api(self, role: str | None) -> TestClient:
        client = TestClient(self.app, follow_redirects=False)
        if role is not None:
            client.headers["Authorization"] = f"Bearer {self.tokens[role]}"
        return client

    def browser(self, role: str) -> TestClient:
        client = TestClient(self.app, follow_redirects=False)
        login(client, USERS[role][0])
        return client

    def ingest(self, name: str, text: str, meta: DocumentMeta) -> int:
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        (result,) = Ingestor(self.store, workers=1).run([path], lambda _p: meta)
        assert result.document_id is not None, result
        return result.document_id


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Small]:
    root = tmp_path_factory.mktemp("firewall")
    (root / "home").mkdir()
    store = Store(Home(root / "home"))
    tokens = {}
    with store.session() as session:
        accounts.add_organisation(session, ORG)
        for role, (email, kind, org) in USERS.items():
            user = accounts.create_user(
                session, email=email, password=PASSWORD, role=kind, organisation=org
            )
            tokens[role] = accounts.issue_token(session, user, "firewall")
        session.commit()
    app = create_app(store, embed_uploads=False)
    world = Small(app, store, root, tokens, 0, 0)
    world.report = world.ingest("report.md", REPORT, DocumentMeta(organisation=ORG))
    world.testimony = world.ingest(
        "testimony.md",
        TESTIMONY,
        DocumentMeta(
            doc_type=DocumentType.TESTIMONY, access=AccessLevel.RESTRICTED, organisation=ORG
        ),
    )
    yield world
    app.state.web.uploads.close()
    app.state.web.tagger.close()
    store.close()


def _record(store: Store, count: int, action: audit.Action, document_id: int | None) -> None:
    with store.session() as session, session.begin():
        for i in range(count):
            audit.record(
                session, audit.Actor("someone@example.org", 7), action, document_id, {"i": i}
            )


# ------------------------------------------------------------------ the audit log


def test_the_audit_page_is_newest_first_filtered_and_paged(small: Small) -> None:
    _record(small.store, 55, audit.Action.VIEW, small.testimony)
    _record(small.store, 3, audit.Action.DOWNLOAD, small.report)
    admin = small.browser("admin")
    page = admin.get("/admin/audit")
    assert page.status_code == 200
    numbers = [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", page.text)]
    assert len(numbers) == 50 and numbers == sorted(numbers, reverse=True)
    with small.store.session() as session:
        newest = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    assert numbers[0] == newest
    assert 'id="next-page"' in page.text and 'href="/api/v1/audit/export"' in page.text
    second = admin.get("/admin/audit?offset=50").text
    later = [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", second)]
    assert later and max(later) < min(numbers)
    downloads = admin.get(f"/admin/audit?action=download&document={small.report}").text
    rows = re.findall(r"<tr><td>\d+</td>.*?</tr>", downloads, re.S)
    assert len(rows) == 3 and all(">download<" in r for r in rows)
    assert f"/api/v1/audit/export?action=download&amp;document_id={small.report}" in downloads
    assert admin.get("/admin/audit?action=nonsense").status_code == 400
    verified = admin.get("/admin/audit?verify=1").text
    assert 'id="audit-verified"' in verified
    assert 'href="/admin/audit"' in admin.get("/").text  # in the admin's menu
    for role in ("staff", "member"):
        refused = small.browser(role).get("/admin/audit")
        assert refused.status_code == 403 and "audit log" in refused.text
        assert 'href="/admin/audit"' not in small.browser(role).get("/").text


def test_the_audit_api_filters_pages_and_exports(small: Small) -> None:
    _record(small.store, 4, audit.Action.SEARCH_HIT, small.testimony)
    admin = small.api("admin")
    hits = admin.get(
        "/api/v1/audit", params={"action": "search_hit", "document_id": small.testimony, "limit": 3}
    ).json()
    assert hits["total"] >= 4 and len(hits["items"]) == 3 and hits["next_offset"] == 3
    assert all(e["action"] == "search_hit" for e in hits["items"])
    assert [e["id"] for e in hits["items"]] == sorted(
        (e["id"] for e in hits["items"]), reverse=True
    )
    rest = admin.get(
        "/api/v1/audit",
        params={"action": "search_hit", "document_id": small.testimony, "offset": 3, "limit": 500},
    ).json()
    assert len(rest["items"]) == hits["total"] - 3 and rest["next_offset"] is None
    future = admin.get("/api/v1/audit", params={"since": "2999-01-01T00:00:00+01:00"}).json()
    assert future["total"] == 0 and future["items"] == []
    assert admin.get("/api/v1/audit", params={"action": "look"}).status_code == 422

    exported = admin.get("/api/v1/audit/export")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/x-ndjson")
    assert "attachment" in exported.headers["content-disposition"]
    lines = [json.loads(line) for line in exported.text.splitlines()]
    with small.store.session() as session:
        stored = list(audit.entries(session))
    assert lines == stored  # every entry, oldest first, with its hash, as the CLI exports
    assert lines[-1]["action"] == "export" and lines[-1]["actor"] == USERS["admin"][0]
    assert lines[-1]["detail"] == {"what": "audit log", "filters": {}}
    some = admin.get("/api/v1/audit/export", params={"action": "download"}).text.splitlines()
    assert some and all(json.loads(line)["action"] == "download" for line in some)
    assert admin.get("/api/v1/audit/verify").json() == {
        "ok": True,
        "entries": len(stored) + 1,  # the second export's own entry
        "problems": [],
    }
    for role in ("staff", "member"):
        refused = small.api(role).get("/api/v1/audit")
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "admin_only"


def test_a_tampered_log_shows_on_the_page_and_in_the_api(tmp_path: Path, small: Small) -> None:
    store = Store(Home(tmp_path))
    with store.session() as session:
        user = accounts.create_user(
            session, email="a@example.org", password=PASSWORD, role=Role.ADMIN
        )
        token = accounts.issue_token(session, user, "t")
        session.commit()
    _record(store, 3, audit.Action.VIEW, 1)
    raw = sqlite3.connect(store.home.database)  # from outside the application
    with raw:
        raw.execute("DROP TRIGGER audit_event_no_update")
        raw.execute("""UPDATE audit_event SET detail = '{"i":9}' WHERE id = 2""")
    raw.close()
    app = create_app(store, embed_uploads=False)
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    verified = api.get("/api/v1/audit/verify").json()
    assert not verified["ok"] and verified["entries"] == 3
    assert any("entry 2" in p for p in verified["problems"])
    browser = TestClient(app)
    login(browser, "a@example.org")
    page = browser.get("/admin/audit?verify=1").text
    assert 'id="audit-tampered"' in page and "entry 2" in page
    store.close()


# ------------------------------------------------------------------ erasure


def test_erasing_from_the_page_asks_for_the_number_and_forgets_everything(small: Small) -> None:
    doc = small.ingest(
        "gone.md",
        "# Gone\n\nThe word trelvanquish appears only here, in a shelter report.\n",
        DocumentMeta(organisation=ORG),
    )
    admin = small.browser("admin")
    assert admin.get("/api/v1/search?q=trelvanquish&mode=lexical").json()["total"] == 1
    assert any("trelvanquish" in r.model_dump_json() for r in searching._results.values())
    page = admin.get(f"/documents/{doc}").text
    assert 'id="erase-form"' in page and f'action="/documents/{doc}/erase"' in page
    token = CSRF.search(page)
    assert token
    refused = admin.post(
        f"/documents/{doc}/erase", data={"confirm": "1", "csrf_token": token.group(1)}
    )
    assert refused.status_code == 400
    assert admin.get(f"/documents/{doc}").status_code == 200  # not erased
    no_csrf = admin.post(f"/documents/{doc}/erase", data={"confirm": str(doc)})
    assert no_csrf.status_code == 403
    done = admin.post(
        f"/documents/{doc}/erase", data={"confirm": str(doc), "csrf_token": token.group(1)}
    )
    assert done.status_code == 303 and done.headers["location"] == f"/documents?erased={doc}"
    listed = admin.get(done.headers["location"]).text
    assert f"Document {doc} was erased" in listed
    assert not any("trelvanquish" in r.model_dump_json() for r in searching._results.values())
    assert admin.get(f"/documents/{doc}").status_code == 404
    assert admin.get("/api/v1/search?q=trelvanquish&mode=lexical").json()["total"] == 0
    with small.store.session() as session:
        assert session.get(Document, doc) is None
        (entry,) = audit.entries(session, action="erase", document_id=doc)
    assert entry["actor"] == USERS["admin"][0] and "trelvanquish" not in json.dumps(entry)
    # someone else's "erased" address says nothing; nor does a made-up one to an admin
    assert "was erased" not in small.browser("staff").get(f"/documents?erased={doc}").text
    assert "was erased" not in admin.get(f"/documents?erased={small.report}").text


@pytest.mark.parametrize("role", ["staff", "member"])
def test_only_admins_see_the_erase_form(small: Small, role: str) -> None:
    page = small.browser(role).get(f"/documents/{small.report}").text
    assert 'id="erase-form"' not in page and "Erase for good" not in page
    refused = small.browser(role).post(f"/documents/{small.report}/erase", data={})
    assert refused.status_code == 403  # the CSRF check first, whoever asks


def test_erasing_through_the_api(small: Small) -> None:
    doc = small.ingest("api-gone.md", "# Api\n\nA note to erase.\n", DocumentMeta())
    for role in ("staff", "member"):
        refused = small.api(role).delete(f"/api/v1/documents/{doc}")
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "admin_only"
    assert small.api(None).delete(f"/api/v1/documents/{doc}").status_code == 401
    admin = small.api("admin")
    gone = admin.delete(f"/api/v1/documents/{doc}")
    assert gone.status_code == 204 and gone.content == b""
    again = admin.delete(f"/api/v1/documents/{doc}")
    assert again.status_code == 404 and again.json()["error"]["code"] == "not_found"
    assert admin.get(f"/api/v1/documents/{doc}").status_code == 404


# ------------------------------------------------------------------ subject-access export


def test_the_subject_form_is_for_owners_of_protected_documents(small: Small) -> None:
    member = small.browser("member")
    page = member.get(f"/documents/{small.testimony}").text
    assert 'id="subject-form"' in page and 'value="[PERSON 1]"' in page
    exported = member.get(f"/documents/{small.testimony}/subject?pseudonym=%5BPERSON+1%5D")
    assert exported.status_code == 200
    assert exported.headers["content-disposition"] == (
        f'attachment; filename="document-{small.testimony}-person-1.json"'
    )
    assert exported.headers["cache-control"] == "no-store"
    assert "Okonkwo" in exported.json()["stands_for"][0]
    # a public report holds no pseudonym: no form, even for its owners
    assert 'id="subject-form"' not in member.get(f"/documents/{small.report}").text
    # staff may see the testimony? no (another organisation's): and may not export it
    staff = small.browser("staff")
    assert staff.get(f"/documents/{small.testimony}").status_code == 404
    hidden = staff.get(f"/documents/{small.testimony}/subject?pseudonym=%5BPERSON+1%5D")
    missing = staff.get("/documents/999999/subject?pseudonym=%5BPERSON+1%5D")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.text.replace(f"/documents/{small.testimony}/", "/documents/{id}/") == (
        missing.text.replace("/documents/999999/", "/documents/{id}/")
    )


# ------------------------------------------------------------------ what search may tell


def test_word_scores_are_places_for_those_who_do_not_see_everything(small: Small) -> None:
    """A BM25 figure depends on every stored passage; only admins (who see them all) get
    it, anyone else the hit's place."""
    ask = {"q": "shelters OR police OR passport", "mode": "lexical", "limit": 10}
    member = small.api("member").get("/api/v1/search", params=ask).json()
    assert len(member["hits"]) >= 2
    assert [h["score"] for h in member["hits"]] == [
        round(1 / place, 4) for place in range(1, len(member["hits"]) + 1)
    ]
    paged = small.api("member").get("/api/v1/search", params={**ask, "offset": 1}).json()
    assert paged["hits"][0]["score"] == 0.5
    admin = small.api("admin").get("/api/v1/search", params=ask).json()
    assert [h["passage_id"] for h in admin["hits"]] == [h["passage_id"] for h in member["hits"]]
    assert admin["hits"][0]["score"] != 1.0  # BM25


class Counting:
    """A backend that counts the queries it embeds."""

    name, dim = "counting@1", 8

    def __init__(self) -> None:
        self.asked: list[str] = []

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return HashBackend().embed_passages(texts)

    def embed_query(self, text: str) -> Vectors:
        self.asked.append(text)
        vector: Vectors = np.ones(self.dim, dtype=np.float32) / np.sqrt(self.dim)
        return vector


def test_remembered_queries_are_kept_apart_per_viewer() -> None:
    """A query answered at once because someone else asked it lately would tell, by its
    speed, what others search for: each viewer's queries are remembered apart."""
    inner = Counting()
    remembered = RememberedQueries(inner)
    ana, jan = Viewer(Role.MEMBER, 1, 1), Viewer(Role.MEMBER, 2, 2)
    remembered.asked_by(ana).embed_query("raid at the harbour")
    remembered.asked_by(ana).embed_query("raid at the harbour")
    assert inner.asked == ["raid at the harbour"]
    remembered.asked_by(jan).embed_query("raid at the harbour")
    assert len(inner.asked) == 2
    remembered.forget()
    remembered.asked_by(ana).embed_query("raid at the harbour")
    assert len(inner.asked) == 3
    assert remembered.asked_by(ana).name == "counting@1" and remembered.asked_by(ana).dim == 8


@pytest.mark.xfail(
    strict=True,
    reason="known side channel: BM25 (SQLite FTS5 and the tantivy word index) weighs words "
    "by statistics of the whole store, hidden passages included, so the order of visible "
    "hits can tell whether hidden passages hold a word; closing it needs per-scope "
    "statistics in the search core",
)
def test_word_statistics_are_store_wide(tmp_path: Path) -> None:
    """Two stores with the same public documents; one also holds restricted passages with
    the word "qorvanthex". Searching by words for "qorvanthex OR zzcontrol", an anonymous
    visitor should get the same answer from both. They do not: the hidden passages make
    "qorvanthex" a common word, so the public passage holding it falls below the one
    holding "zzcontrol". (Someone who may upload can plant such a pair and ask, word by
    word, what hidden documents contain.)"""
    answers = []
    for hidden in (False, True):
        home = tmp_path / f"hidden-{hidden}"
        home.mkdir()
        store = Store(Home(home))
        files = {
            "a.md": "# A\n\nqorvanthex qorvanthex and a note about shelters in the city.\n",
            "b.md": "# B\n\nzzcontrol and a note about shelters in the town too.\n",
            **{
                f"filler-{i}.md": f"# Filler {i}\n\nA report on schools number {i}.\n"
                for i in range(8)
            },
        }
        if hidden:
            files["hidden.md"] = "# Hidden\n\n" + "".join(
                f"Paragraph {i} names qorvanthex.\n\n" for i in range(20)
            )
        for name, text in files.items():
            (tmp_path / name).write_text(text, encoding="utf-8")
        Ingestor(store, workers=1).run(
            [tmp_path / name for name in files],
            lambda p: DocumentMeta(
                access=AccessLevel.RESTRICTED if p.name == "hidden.md" else AccessLevel.PUBLIC
            ),
        )
        with TestClient(create_app(store, embed_uploads=False)) as client:
            found = client.get(
                "/api/v1/search", params={"q": "qorvanthex OR zzcontrol", "mode": "lexical"}
            ).json()
        answers.append([h["title"] for h in found["hits"]])
        store.close()
    assert answers[0] == answers[1]

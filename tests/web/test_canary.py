"""The canary: a restricted testimony holding words found nowhere else is uploaded by its
owner, and then every role walks through every route the app serves.

The testimony belongs to one organisation; it has odd marker words in its title, a heading,
a passage, a footnote and its file name, a country no other document mentions, and a
person who is pseudonymised ("[PERSON 1]"). The roles: anonymous, a member of another
organisation, the network's staff (it was not shared with them), a member of the owning
organisation, an admin.

What must hold:

- **Nothing shows.** The markers are in no answer (body or header) to anyone who may not see
  the testimony, on any route, in any search mode, facet, count, "more like this", export
  or error.
- **Nothing tells it exists.** Every page and every API read (every GET route, enumerated
  from the app as the authorisation matrix does, with the testimony's and its passages'
  numbers, a search for each marker, its exact text, its country, its organisation and its
  type) answers an outsider exactly as it did before the testimony was uploaded: same
  status, same body. Its numbers were free then, so "hidden" is compared with "missing"
  too. The one exception is known and kept apart (``test_uploading_its_bytes_again``).
- **Insiders see it, and it is audited.** Its owner and admins find the markers through
  the same routes; every hit of it shown to them wrote a ``search_hit`` entry with the
  passages shown, every view and download a ``view`` or ``download`` entry, the subject
  export a ``subject_export`` entry; outsiders wrote none; the log holds no marker and its
  chain verifies.
- **Erased, it is gone.** Erased from its page by an admin, no route shows a marker to
  anyone, every role sees exactly what it saw before the upload, no cache of the process
  holds a trace of it, and no file of the data directory holds a marker.

It runs on its own copy of the web test store (the tests here upload, embed and erase),
with hash vectors (``HashBackend``) so meaning and "more like this" run their real code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select

from evidencia import accounts, audit
from evidencia.access import Role
from evidencia.embed.run import embed_missing
from evidencia.model import AccessLevel
from evidencia.search import scope as search_scope
from evidencia.search import semantic
from evidencia.search.modes import RememberedQueries, Searcher
from evidencia.store.db import Store
from evidencia.store.embeddings import Embedding, from_blob, model_input
from evidencia.store.schema import Annotation, AuditEvent, Document, Footnote, Passage
from evidencia.web import searching
from evidencia.web.app import create_app
from evidencia.web.security import CSRF_FIELD, SESSION_COOKIE, SessionData
from evidencia.web.state import WebState
from tests.web.conftest import PASSWORD, HashBackend, copy_home, hash_tagger
from tests.web.test_authz_matrix import _walk

# ------------------------------------------------------------------ the testimony

#: where each marker word sits; none occurs anywhere else in the store
MARKERS = {
    "title": "zilbrumetta",
    "heading": "plumtoravik",
    "passage": "qorvanthex",
    "footnote": "vexquandril",
    "file": "snorbelwick",
}
WORDS = tuple(MARKERS.values())
FILE_NAME = f"testimony-{MARKERS['file']}.md"
COUNTRY = "MT"  # Malta: no other document mentions it
OWNER_ORG = "Refugio Norte"
#: a passage with no personal data in it, so it is stored as written
RAID = (
    f"The raid on the {MARKERS['passage']} night shift came in the spring: the police checked "
    "everyone's papers and took three workers to detention."
)
TITLE = f"Testimony {MARKERS['title']} from the harbour"
HEADINGS = [TITLE, f"The {MARKERS['heading']} crossing"]
#: the raid passage as the model reads it (under its title and headings): asked by meaning
#: with these exact words, the hash vectors put it first for whoever may see it
MEANING = model_input(TITLE, HEADINGS, RAID)
TESTIMONY = f"""# {TITLE}

My name is Mariam Okonkwo. I came to Malta by boat and stayed in the open centre for a year.

## {HEADINGS[1]}

{RAID}

## Health care

At the clinic they asked for a residence permit before they would treat my child, although
emergency care is open to everyone.[^1]

[^1]: The {MARKERS["footnote"]} inspectors described the same clinic in their report.
"""
PSEUDONYM = "[PERSON 1]"
PERSON = "Okonkwo"

# ------------------------------------------------------------------ who asks

OWNER = "owner@refugio.example"
EMAILS = {
    "outsider": "ana@puentes.example",  # a member of another organisation
    "staff": "staff@example.org",  # the network's staff: not shared with them
    "owner": OWNER,  # a member of the owning organisation
    "admin": "admin@example.org",
}
ROLES = ("anonymous", "outsider", "staff", "owner", "admin")
OUTSIDERS = ("anonymous", "outsider", "staff")
INSIDERS = ("owner", "admin")

NO_SUCH_ID = 10**9
NO_SUCH_BATCH = "no-such-batch-000"
#: how many passage numbers after the store's last are probed before the upload (the
#: testimony's passages take the first of them)
PASSAGE_SLOTS = 6

#: reads whose answer changes whatever the testimony does: the caller's own tokens (their
#: last use), and for admins the audit log (every probe of protected material adds to it)
VOLATILE = {"/account", "/api/v1/tokens"}
VOLATILE_FOR_ADMINS = ("/admin/audit", "/api/v1/audit")


class Visitor:
    """One role: a browser (a signed session cookie) for pages, an API client (its bearer
    token) for the API; the same session before and after, so pages compare byte for byte."""

    def __init__(self, app: FastAPI, web: WebState, user_id: int | None, token: str | None):
        self.session = SessionData.fresh(user_id)
        self.page = TestClient(app, follow_redirects=False)
        self.page.cookies.set(SESSION_COOKIE, web.sessions.dump(self.session))
        self.api = TestClient(app, follow_redirects=False)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        if url.startswith("/api/"):
            headers = {**self.headers, **kwargs.pop("headers", {})}
            return self.api.request(method, url, headers=headers, **kwargs)
        if method != "GET":
            data = dict(kwargs.pop("data", None) or {})
            data[CSRF_FIELD] = self.session.csrf
            kwargs["data"] = data
        return self.page.request(method, url, **kwargs)

    def get(self, url: str) -> Response:
        return self.request("GET", url)


@dataclass
class Canary:
    app: FastAPI
    store: Store
    visitors: dict[str, Visitor]
    user_ids: dict[str, int]
    document_id: int  # known before the upload: the next free number
    passage_slots: list[int]  # likewise
    public_document: int
    public_passage: int  # the public passage nearest the raid passage by meaning
    before: dict[tuple[str, str], tuple[int, str, str]] = field(default_factory=dict)
    #: the same answers whole, lower-cased: what each repeats of its question
    echoes: dict[tuple[str, str], str] = field(default_factory=dict)
    passages: list[int] = field(default_factory=list)
    batch_id: str = ""
    upload_bytes: bytes = b""

    @property
    def web(self) -> WebState:
        state: WebState = self.app.state.web
        return state


# ------------------------------------------------------------------ what every answer must be


def _text(response: Response) -> str:
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return headers + "\n" + response.content.decode("utf-8", errors="replace")


def markers_in(response: Response, echo: str = "") -> list[str]:
    """The markers in an answer beyond those it repeats from the question (a search for a
    marker names it back: ``echo`` is the same answer from before the testimony existed)."""
    text = _text(response).lower()
    return [w for w in WORDS if text.count(w) > echo.count(w)]


def assert_no_marker(response: Response, what: str, echo: str = "") -> None:
    found = markers_in(response, echo)
    assert not found, f"{what}: {found} shown in {_text(response)[:2000]}"


def comparable(response: Response, url: str = "") -> tuple[int, str, str]:
    """Status, content type and body; for a search ranked by words, the body as the same
    hits in any order (see ``test_firewall.py::test_word_statistics_are_store_wide``)."""
    body = response.content.decode("utf-8", errors="replace")
    if _ranked_by_words(url) and response.status_code == 200:
        if url.startswith("/api/"):
            found = json.loads(body)
            for hit in found["hits"]:
                hit.pop("score")
            found["hits"].sort(key=lambda hit: hit["passage_id"])
            body = json.dumps(found, sort_keys=True)
        else:
            body = "\n".join(sorted(body.splitlines()))
    return response.status_code, response.headers.get("content-type", ""), body


def _ranked_by_words(url: str) -> bool:
    """A search whose order BM25 decides (lexical, or half of hybrid)."""
    path, _, query = url.partition("?")
    if path not in ("/search", "/api/v1/search"):
        return False
    params = dict(parse_qsl(query))
    return bool(params.get("q")) and params.get("mode", "hybrid") in ("lexical", "hybrid")


# ------------------------------------------------------------------ every route, probed


def _searches(c: Canary) -> list[dict[str, str | int]]:
    """Search parameters that would find the testimony if anything could: each marker, its
    exact text by meaning, its country, organisation and type, with and without words."""
    asks: list[dict[str, str | int]] = []
    for word in WORDS:
        asks.append({"q": word, "mode": "lexical"})
    for mode in ("hybrid", "semantic"):
        asks.append({"q": MARKERS["passage"], "mode": mode})
        asks.append({"q": MEANING, "mode": mode})
    asks += [
        {"q": "police detention", "mode": "lexical"},
        {"q": "police detention", "mode": "hybrid"},
        {"q": f"{MARKERS['passage']}*", "mode": "lexical"},  # a prefix: FTS5 itself
        {"q": "clinic", "mode": "lexical", "type": "testimony"},
        {"country": COUNTRY},  # browsing: no query
        {"org": OWNER_ORG},
        {"type": "testimony"},
        {"q": "police", "mode": "lexical", "org": OWNER_ORG},
    ]
    return [{**a, "limit": 50} for a in asks]


def _search_urls(c: Canary, path: str, *, api: bool) -> list[str]:
    urls = []
    for ask in _searches(c):
        params = {**ask, "facets": "true"} if api else ask
        urls.append(f"{path}?{urlencode(params)}")
    return urls


def _get_urls(c: Canary, route: str) -> list[str]:
    """Concrete addresses for one GET route: every number the testimony has (or will
    have), a missing one, a public one; and for lists and searches, the filters that would
    single it out."""
    doc_ids = [c.document_id, NO_SUCH_ID, c.public_document]
    passage_ids = [*c.passage_slots, NO_SUCH_ID, c.public_passage]
    subject = urlencode({"pseudonym": PSEUDONYM})
    special: dict[str, list[str]] = {
        "/search": _search_urls(c, "/search", api=False),
        "/api/v1/search": _search_urls(c, "/api/v1/search", api=True),
        "/documents": ["/documents", "/documents?type=testimony"],
        "/api/v1/documents": [
            "/api/v1/documents?limit=200",
            "/api/v1/documents?type=testimony&limit=200",
            f"/api/v1/documents?{urlencode({'org': OWNER_ORG})}",
            "/api/v1/documents?lang=en&limit=200",
        ],
        "/countries/{code}": [f"/countries/{COUNTRY}", "/countries/BE"],
        "/api/v1/countries/{code}": [f"/api/v1/countries/{COUNTRY}", "/api/v1/countries/BE"],
        "/documents/{document_id}/subject": [f"/documents/{d}/subject?{subject}" for d in doc_ids],
        "/api/v1/documents/{document_id}/subject": [
            f"/api/v1/documents/{d}/subject?{subject}" for d in doc_ids
        ],
        "/review": ["/review", f"/review?document_id={c.document_id}"],
        "/api/v1/review/queue": [
            "/api/v1/review/queue?limit=200",
            f"/api/v1/review/queue?document_id={c.document_id}&limit=200",
        ],
        "/admin/audit": ["/admin/audit", f"/admin/audit?document={c.document_id}"],
        "/api/v1/audit": [f"/api/v1/audit?document_id={c.document_id}&limit=500"],
        "/api/v1/audit/export": ["/api/v1/audit/export"],
    }
    if route in special:
        return special[route]
    values: dict[str, list[str]] = {
        "document_id": [str(d) for d in doc_ids],
        "passage_id": [str(p) for p in passage_ids],
        "batch_id": [NO_SUCH_BATCH],
        "job_id": ["no-such-job"],
        "path:path": ["app.css"],
        "code": ["BE"],
    }
    names = re.findall(r"\{([^}]+)\}", route)
    if not names:
        return [route]
    assert len(names) == 1, f"add addresses for {route} to _get_urls"
    name = names[0]
    assert name in values, f"add values for {{{name}}} ({route}) to _get_urls"
    return [route.replace("{" + name + "}", v) for v in values[name]]


def get_routes(app: FastAPI) -> list[str]:
    return sorted({path for method, path in _walk(app.routes) if method == "GET"})


def unsafe_routes(app: FastAPI) -> list[tuple[str, str]]:
    return sorted({(m, p) for m, p in _walk(app.routes) if m != "GET"})


@dataclass(frozen=True)
class Probe:
    """A state-changing call made in the testimony's presence, and who it is made for
    (``None``: everyone)."""

    method: str
    url: str
    data: dict[str, str] | None = None
    json: Any = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    roles: tuple[str, ...] | None = None


def _unsafe_probes(c: Canary) -> dict[tuple[str, str], list[Probe]]:
    """For each state-changing route, the calls made as ``role``: on the testimony's
    numbers where the route takes one (to be refused as missing, or done by insiders),
    otherwise harmless ones (a missing target, an invalid body). Nothing that would change
    what the later comparisons compare (no retraining, no new account)."""
    refused = (*OUTSIDERS, "owner")  # not admins: for them the call would happen
    theme = "health"
    decisions = [{"passage_id": p, "key": theme, "decision": "accepted"} for p in c.passages]
    return {
        ("POST", "/login"): [Probe("POST", "/login", data={"email": OWNER, "password": "wrong"})],
        ("POST", "/logout"): [],  # below, on a session of its own (it ends the session)
        ("POST", "/upload"): [],  # the bytes again: test_uploading_its_bytes_again
        ("POST", "/upload/{batch_id}/{index}/retry"): [
            Probe("POST", f"/upload/{NO_SUCH_BATCH}/0/retry"),
            Probe("POST", f"/upload/{c.batch_id}/0/retry"),
        ],
        ("POST", "/account/tokens"): [Probe("POST", "/account/tokens", data={"label": ""})],
        ("POST", "/account/tokens/{token_id}/revoke"): [
            Probe("POST", f"/account/tokens/{NO_SUCH_ID}/revoke")
        ],
        ("POST", "/review/decide"): [
            Probe(
                "POST",
                "/review/decide",
                data={"passage_id": str(p), "key": theme, "decision": "accepted"},
            )
            for p in c.passages
        ],
        ("POST", "/review/bulk"): [
            Probe(
                "POST",
                "/review/bulk",
                data={"item": f"{p}:{theme}", "shown": f"{p}:{theme}", "decision": "accepted"},
            )
            for p in c.passages
        ],
        ("POST", "/passages/{passage_id}/tags"): [
            Probe("POST", f"/passages/{p}/tags", data={"key": theme, "decision": "accepted"})
            for p in c.passages
        ],
        ("POST", "/admin/tagger/train"): [Probe("POST", "/admin/tagger/train", roles=refused)],
        ("POST", "/admin/tagger/rollback"): [
            Probe("POST", "/admin/tagger/rollback", roles=refused)
        ],
        ("POST", "/admin/users"): [
            Probe("POST", "/admin/users", data={"email": "not an address", "role": "member"})
        ],
        ("POST", "/admin/users/remove"): [
            Probe("POST", "/admin/users/remove", data={"email": "nobody@example.org"})
        ],
        ("POST", "/admin/organisations"): [
            Probe("POST", "/admin/organisations", data={"name": OWNER_ORG})  # exists already
        ],
        ("POST", "/documents/{document_id}/erase"): [
            Probe(
                "POST",
                f"/documents/{c.document_id}/erase",
                data={"confirm": str(c.document_id)},
                roles=refused,
            ),
            Probe("POST", f"/documents/{NO_SUCH_ID}/erase", data={"confirm": str(NO_SUCH_ID)}),
            Probe("POST", f"/documents/{c.document_id}/erase", data={"confirm": "no"}),
        ],
        ("POST", "/api/v1/tokens"): [Probe("POST", "/api/v1/tokens", json={"label": ""})],
        ("DELETE", "/api/v1/tokens/{token_id}"): [Probe("DELETE", f"/api/v1/tokens/{NO_SUCH_ID}")],
        ("POST", "/api/v1/uploads"): [],  # test_uploading_its_bytes_again
        ("POST", "/api/v1/uploads/{batch_id}/files/{index}/retry"): [
            Probe("POST", f"/api/v1/uploads/{NO_SUCH_BATCH}/files/0/retry"),
            Probe("POST", f"/api/v1/uploads/{c.batch_id}/files/0/retry"),
        ],
        ("POST", "/api/v1/review/decisions"): [
            Probe("POST", "/api/v1/review/decisions", json=decisions)
        ],
        ("POST", "/api/v1/tagger/train"): [Probe("POST", "/api/v1/tagger/train", roles=refused)],
        ("POST", "/api/v1/tagger/rollback"): [
            Probe("POST", "/api/v1/tagger/rollback", roles=refused)
        ],
        ("POST", "/api/v1/users"): [
            Probe("POST", "/api/v1/users", json={"email": "x", "password": "", "role": "?"})
        ],
        ("DELETE", "/api/v1/users/{user_id}"): [Probe("DELETE", f"/api/v1/users/{NO_SUCH_ID}")],
        ("POST", "/api/v1/organisations"): [
            Probe("POST", "/api/v1/organisations", json={"name": OWNER_ORG})
        ],
        ("DELETE", "/api/v1/documents/{document_id}"): [
            Probe("DELETE", f"/api/v1/documents/{c.document_id}", roles=refused),
            Probe("DELETE", f"/api/v1/documents/{NO_SUCH_ID}"),
        ],
    }


def send(visitor: Visitor, probe: Probe) -> Response:
    return visitor.request(
        probe.method, probe.url, data=probe.data, json=probe.json, files=probe.files
    )


def _ids(c: Canary) -> list[int]:
    return [c.document_id, *c.passages]


def _twin(c: Canary, probe: Probe) -> Probe | None:
    """The same call with the testimony's numbers replaced by a missing one; None when the
    call names none of them."""
    text = json.dumps([probe.url, probe.data, probe.json])
    if not any(re.search(rf"\b{i}\b", text) for i in _ids(c)):
        return None
    for i in _ids(c):
        text = re.sub(rf"\b{i}\b", str(NO_SUCH_ID), text)
    url, data, body = json.loads(text)
    return Probe(probe.method, url, data, body, probe.files, probe.roles)


def _without_ids(c: Canary, response: Response) -> tuple[int, str, str]:
    status, kind, body = comparable(response)
    for i in [*_ids(c), NO_SUCH_ID]:
        body = re.sub(rf"\b{i}\b", "{id}", body)
    return status, kind, body


def snapshot(c: Canary, roles: tuple[str, ...]) -> dict[tuple[str, str], Response]:
    """Every GET address, as each of ``roles`` is answered."""
    found: dict[tuple[str, str], Response] = {}
    for role in roles:
        visitor = c.visitors[role]
        for route in get_routes(c.app):
            for url in _get_urls(c, route):
                response = visitor.get(url)
                assert response.status_code < 500, (role, url, response.text[:500])
                found[(role, url)] = response
    return found


def _compared(role: str, url: str) -> bool:
    path = url.split("?")[0]
    if path in VOLATILE:
        return False
    return not (role == "admin" and path.startswith(VOLATILE_FOR_ADMINS))


def assert_as_before(
    c: Canary, now: dict[tuple[str, str], Response], roles: tuple[str, ...]
) -> None:
    differ = [
        key
        for key, response in now.items()
        if key[0] in roles and _compared(*key) and comparable(response, key[1]) != c.before[key]
    ]
    if differ:
        role, url = differ[0]
        was, is_now = c.before[(role, url)], comparable(now[(role, url)], url)
        raise AssertionError(
            f"{len(differ)} answers changed, e.g. {role} {url}:\n"
            f"before: {was[:2]} {was[2][:1500]}\n"
            f"now:    {is_now[:2]} {is_now[2][:1500]}\n"
            f"all: {differ[:20]}"
        )


# ------------------------------------------------------------------ the store and the upload


@pytest.fixture(scope="module")
def canary(web_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Canary]:
    root = tmp_path_factory.mktemp("canary")
    store = Store(copy_home(web_store, root / "home"))
    user_ids: dict[str, int] = {}
    tokens: dict[str, str] = {}
    with store.session() as session:
        if accounts.find_organisation(session, OWNER_ORG) is None:
            accounts.add_organisation(session, OWNER_ORG)
        if accounts.get_user(session, OWNER) is None:
            accounts.create_user(
                session, email=OWNER, password=PASSWORD, role=Role.MEMBER, organisation=OWNER_ORG
            )
        for role, email in EMAILS.items():
            user = accounts.get_user(session, email)
            assert user is not None, email
            user_ids[role] = user.id
            tokens[role] = accounts.issue_token(session, user, "canary")
        session.commit()
        last_document = int(session.scalar(select(func.max(Document.id))) or 0)
        last_passage = int(session.scalar(select(func.max(Passage.id))) or 0)
        assert not session.scalar(  # nothing else mentions its country
            select(func.count()).select_from(Annotation).where(Annotation.key == COUNTRY)
        )
    backend = HashBackend("canary-hash@1", 16)
    embed_missing(store, backend)
    hash_tagger(store, backend)
    semantic.build_index(store, backend.name)

    # the public passage whose "more like this" should list the raid passage
    with store.session() as session:
        rows = session.execute(
            select(Passage.id, Passage.document_id, Embedding.vector, Embedding.dim)
            .join(Document, Document.id == Passage.document_id)
            .join(Embedding, Embedding.passage_id == Passage.id)
            .where(Document.access == AccessLevel.PUBLIC.value, Document.doc_type != "testimony")
        ).all()
    vectors = np.stack([from_blob(vector, dim) for _p, _d, vector, dim in rows])
    nearest = int(np.argmax(vectors @ backend.embed_query(MEANING)))
    public_passage, public_document = int(rows[nearest][0]), int(rows[nearest][1])

    app = create_app(
        store, embed_uploads=True, searcher=Searcher(store, RememberedQueries(backend))
    )
    web: WebState = app.state.web
    visitors = {role: Visitor(app, web, user_ids.get(role), tokens.get(role)) for role in ROLES}
    c = Canary(
        app=app,
        store=store,
        visitors=visitors,
        user_ids=user_ids,
        document_id=last_document + 1,
        passage_slots=list(range(last_passage + 1, last_passage + 1 + PASSAGE_SLOTS)),
        public_document=public_document,
        public_passage=public_passage,
    )
    for markers in (WORDS, (PERSON,)):  # the store knows none of them yet
        for word in markers:
            with store.session() as session:
                assert not session.scalar(
                    select(func.count()).select_from(Passage).where(Passage.text.contains(word))
                ), word
    for key, response in snapshot(c, ROLES).items():
        c.before[key] = comparable(response, key[1])
        c.echoes[key] = _text(response).lower()

    # the owner uploads the testimony, as anyone would: through the API
    c.upload_bytes = TESTIMONY.encode("utf-8")
    owner = visitors["owner"]
    uploaded = owner.request(
        "POST",
        "/api/v1/uploads?wait=120",
        data={"access": "restricted", "doc_type": "testimony"},
        files={"files": (FILE_NAME, c.upload_bytes, "text/markdown")},
    )
    assert uploaded.status_code == 200, uploaded.text
    (item,) = uploaded.json()["files"]
    assert item["status"] == "ok" and item["document_id"] == c.document_id, item
    c.batch_id = uploaded.json()["id"]
    with store.session() as session:
        c.passages = list(
            session.scalars(
                select(Passage.id).where(Passage.document_id == c.document_id).order_by(Passage.id)
            )
        )
    assert c.passages == c.passage_slots[: len(c.passages)], "the numbers were not the next"
    yield c
    web.uploads.close()
    web.tagger.close()
    store.close()


def test_the_testimony_is_stored_as_a_canary(canary: Canary) -> None:
    """The markers are where they were put, the person is pseudonymised, the document is
    restricted to its organisation and has vectors and a country: the rest tests something."""
    c = canary
    with c.store.session() as session:
        doc = session.get(Document, c.document_id)
        assert doc is not None
        assert doc.access == "restricted" and doc.doc_type == "testimony"
        assert doc.organisation is not None and doc.organisation.name == OWNER_ORG
        assert doc.title == TITLE
        assert MARKERS["file"] in doc.origin
        texts = [p.text for p in doc.passages]
        headings = [h for p in doc.passages for h in p.heading_path]
        notes = list(session.scalars(select(Footnote.text).where(Footnote.document_id == doc.id)))
        assert RAID in texts, texts
        assert any(MARKERS["heading"] in h for h in headings), headings
        raid = next(p for p in doc.passages if p.text == RAID)
        assert model_input(doc.title, raid.heading_path, raid.text) == MEANING
        assert any(MARKERS["footnote"] in n for n in notes), notes
        assert any(PSEUDONYM in t for t in texts) and not any(PERSON in t for t in texts)
    assert len(c.passages) <= PASSAGE_SLOTS
    document = c.visitors["owner"].get(f"/api/v1/documents/{c.document_id}").json()
    assert any(t["key"] == COUNTRY for t in document["tags"].get("countries/country", []))


# ------------------------------------------------------------------ outsiders


@pytest.fixture(scope="module")
def after(canary: Canary) -> dict[tuple[str, str], Response]:
    """Every GET address for every role, with the testimony stored."""
    return snapshot(canary, ROLES)


@pytest.mark.parametrize("role", OUTSIDERS)
def test_outsiders_see_no_marker_anywhere(
    canary: Canary, after: dict[tuple[str, str], Response], role: str
) -> None:
    for (who, url), response in after.items():
        if who == role:
            assert_no_marker(response, f"{role} {url}", canary.echoes[(who, url)])


@pytest.mark.parametrize("role", OUTSIDERS)
def test_outsiders_are_answered_as_before_the_upload(
    canary: Canary, after: dict[tuple[str, str], Response], role: str
) -> None:
    """Every read, byte for byte as before the testimony existed: no count, facet, title,
    number, country, suggestion or error tells it is there; its numbers answer as the
    missing numbers they were."""
    assert_as_before(canary, after, (role,))


@pytest.mark.parametrize("role", ROLES)
def test_every_state_changing_route_is_probed(canary: Canary, role: str) -> None:
    """Every route that is not a read is called in the testimony's presence (on its
    numbers where it takes some): no answer shows a marker, and what outsiders ask about
    its passages is answered as for a passage that does not exist."""
    c = canary
    probes = _unsafe_probes(c)
    missing = set(unsafe_routes(c.app)) - set(probes)
    assert not missing, f"add probes for {sorted(missing)} to _unsafe_probes"
    visitor = c.visitors[role]
    for route, calls in probes.items():
        for probe in calls:
            if probe.roles is not None and role not in probe.roles:
                continue
            response = send(visitor, probe)
            assert response.status_code < 500, (role, route, response.text[:500])
            if role not in OUTSIDERS:
                continue
            assert_no_marker(response, f"{role} {probe.method} {probe.url}")
            twin = _twin(c, probe)
            if twin is not None:  # about its numbers: answered as about missing ones
                assert _without_ids(c, send(visitor, twin)) == _without_ids(c, response), (
                    role,
                    probe,
                )
    fresh = TestClient(c.app, follow_redirects=False)  # logging out ends a session: its own
    session = SessionData.fresh(c.user_ids.get(role))
    fresh.cookies.set(SESSION_COOKIE, c.web.sessions.dump(session))
    out = fresh.post("/logout", data={CSRF_FIELD: session.csrf})
    assert out.status_code == 303
    assert_no_marker(out, f"{role} POST /logout")


def test_decisions_on_its_passages_look_missing_to_staff(canary: Canary) -> None:
    """Staff review tags on what they may see: a decision on the testimony's passage is
    answered as one on a passage that does not exist, and nothing is recorded."""
    c = canary
    staff = c.visitors["staff"]
    body = [{"passage_id": NO_SUCH_ID, "key": "health", "decision": "accepted"}]
    missing = staff.request("POST", "/api/v1/review/decisions", json=body)
    for passage_id in c.passages:
        body[0]["passage_id"] = passage_id
        hidden = staff.request("POST", "/api/v1/review/decisions", json=body)
        assert hidden.text.replace(str(passage_id), "{id}") == missing.text.replace(
            str(NO_SUCH_ID), "{id}"
        )


def test_uploading_its_bytes_again(canary: Canary) -> None:
    """The known exception. The store keeps one copy of identical bytes, so uploading the
    very file again is answered "already stored", to anyone: whoever holds the exact bytes
    learns that the network holds them too. Nothing more: not which document, its number,
    title, address or file name, and no marker."""
    c = canary
    for role in ("outsider", "staff", "owner", "admin"):
        visitor = c.visitors[role]
        response = visitor.request(
            "POST",
            "/api/v1/uploads?wait=60",
            data={"access": "public"},
            files={"files": ("copy.md", c.upload_bytes, "text/markdown")},
        )
        assert response.status_code == 200, response.text
        (item,) = response.json()["files"]
        assert item["status"] == "duplicate"
        page = visitor.get(f"/upload/{response.json()['id']}")
        if role in OUTSIDERS:
            assert item["document_id"] is None and item["url"] is None, item
            assert str(c.document_id) not in (item["error"] or "")
            assert_no_marker(response, role)
            assert_no_marker(page, role)
            assert f"/documents/{c.document_id}" not in page.text
        else:
            assert item["document_id"] == c.document_id


# ------------------------------------------------------------------ insiders, and the audit


def _shown_hits(url: str, response: Response, document_id: int) -> list[int]:
    """The testimony's passages a search-like answer showed as hits."""
    if response.status_code != 200:
        return []
    if url.startswith("/api/"):
        body = response.json()
        if isinstance(body, list):  # more like this
            hits = body
        elif "hits" in body:
            hits = body["hits"]
        else:  # a country
            hits = [h for t in body["themes"] for h in t["hits"]] + body["recent"]
        return sorted({h["passage_id"] for h in hits if h["document_id"] == document_id})
    found = {int(p) for p in re.findall(r'id="hit-(\d+)"', response.text)}
    with_links = {
        int(p) for p in re.findall(rf'href="/documents/{document_id}#p-(\d+)"', response.text)
    }
    return sorted(found & with_links)


HIT_ROUTES = re.compile(
    r"^/(api/v1/)?(search|similar/\d+|passages/\d+/similar|countries/[A-Za-z]+)(\?|$)"
)


def _expected_audit(c: Canary, url: str, response: Response) -> list[tuple[str, Any]]:
    """What the log should say about the testimony after one answer to an insider."""
    if response.status_code not in (200, 202):
        return []
    path = url.split("?")[0]
    doc = c.document_id
    expected: list[tuple[str, Any]] = []
    if HIT_ROUTES.match(url):
        source = re.match(r"^/passages/(\d+)/similar$", path)
        if source and int(source.group(1)) in c.passages:
            expected.append(("view", {"what": "passage"}))
        shown = _shown_hits(url, response, doc)
        if shown:
            expected.append(("search_hit", {"passages": shown}))
        return expected
    views = {
        f"/documents/{doc}": "document",
        f"/api/v1/documents/{doc}": "document",
        f"/api/v1/documents/{doc}/passages": "passages",
        **{f"/api/v1/passages/{p}": "passage" for p in c.passages},
    }
    if path in views:
        return [("view", {"what": views[path]})]
    if path in (f"/documents/{doc}/original", f"/api/v1/documents/{doc}/original"):
        return [("download", {})]
    if path in (f"/documents/{doc}/subject", f"/api/v1/documents/{doc}/subject"):
        passages = len(response.json()["passages"])
        return [("subject_export", {"pseudonym": PSEUDONYM, "passages": passages})]
    if path in ("/review", "/api/v1/review/queue"):
        shown = sorted({int(p) for p in re.findall(rf"/documents/{doc}#p-(\d+)", response.text)})
        return [("view", {"what": "review", "passages": shown})] if shown else []
    return []


def _entries_after(c: Canary, mark: int) -> list[dict[str, Any]]:
    with c.store.session() as session:
        return [e for e in audit.entries(session) if e["id"] > mark]


def _last_entry(c: Canary) -> int:
    with c.store.session() as session:
        return int(session.scalar(select(func.max(AuditEvent.id))) or 0)


def _key(entry: tuple[str, Any]) -> str:
    return json.dumps(entry, sort_keys=True)


def _normalised(detail: dict[str, Any]) -> dict[str, Any]:
    return {
        k: sorted(v) if k == "passages" and isinstance(v, list) else v for k, v in detail.items()
    }


@pytest.mark.parametrize("role", INSIDERS)
def test_insiders_find_it_and_every_sight_of_it_is_audited(canary: Canary, role: str) -> None:
    """The owner and admins find the markers by the same routes; each answer that showed
    them the testimony wrote exactly the audit entries it should (hits with the passages
    shown, views, downloads, the subject export), and nothing else about it."""
    c = canary
    visitor = c.visitors[role]
    email = EMAILS[role]
    found: set[str] = set()
    hits_seen = 0
    for route in get_routes(c.app):
        for url in _get_urls(c, route):
            mark = _last_entry(c)
            response = visitor.get(url)
            assert response.status_code < 500, (url, response.text[:500])
            found.update(markers_in(response, c.echoes[(role, url)]))
            expected = _expected_audit(c, url, response)
            hits_seen += sum(1 for action, _ in expected if action == "search_hit")
            written = [
                (e["action"], _normalised(e["detail"]))
                for e in _entries_after(c, mark)
                if e["document_id"] == c.document_id
            ]
            assert all(e["actor"] == email for e in _entries_after(c, mark)), url
            assert sorted(map(_key, written)) == sorted(
                _key((a, _normalised(d))) for a, d in expected
            ), (url, written, expected)
    assert found == set(WORDS), found
    assert hits_seen >= 10  # searches, browsing, its country

    page = visitor.get(f"/documents/{c.document_id}").text
    for word in WORDS:
        assert word in page, word
    assert PSEUDONYM in page and PERSON not in page
    lexical = visitor.get(f"/api/v1/search?q={MARKERS['passage']}&mode=lexical").json()
    assert [h["document_id"] for h in lexical["hits"]] == [c.document_id]
    meaning = visitor.get(f"/api/v1/search?{urlencode({'q': MEANING, 'mode': 'semantic'})}")
    assert meaning.json()["hits"][0]["passage_id"] in c.passages
    similar = visitor.get(f"/api/v1/similar/{c.public_passage}?limit=20").json()
    assert c.document_id in {h["document_id"] for h in similar}, "more like this"
    facets = visitor.get("/api/v1/search?type=testimony&facets=true").json()["facets"]
    assert OWNER_ORG in {f["value"] for f in facets["organisations"]}
    assert COUNTRY in {f["value"] for f in facets["countries"]}
    countries = {x["code"]: x for x in visitor.get("/api/v1/countries").json()}
    assert countries[COUNTRY]["documents"] == 1
    original = visitor.get(f"/documents/{c.document_id}/original")
    assert original.status_code == 200 and original.content == c.upload_bytes
    assert MARKERS["file"] in original.headers["content-disposition"]


def test_owners_export_what_is_held_about_the_person(canary: Canary) -> None:
    """The subject-access export: a form on the document's page for its owners, a JSON file
    naming who the pseudonym stands for; the same 404 for everyone else and for a pseudonym
    the document does not hold."""
    c = canary
    url = f"/documents/{c.document_id}/subject?{urlencode({'pseudonym': PSEUDONYM})}"
    for role in INSIDERS:
        visitor = c.visitors[role]
        page = visitor.get(f"/documents/{c.document_id}").text
        assert 'id="subject-form"' in page and f'value="{PSEUDONYM}"' in page
        exported = visitor.get(url)
        assert exported.status_code == 200
        assert "attachment" in exported.headers["content-disposition"]
        body = exported.json()
        assert body["pseudonym"] == PSEUDONYM and any(PERSON in n for n in body["stands_for"])
        assert body["document"]["id"] == c.document_id
        assert body["passages"] and all(PSEUDONYM in p["text"] for p in body["passages"])
        api = visitor.get(f"/api/v1/documents/{c.document_id}/subject?pseudonym={quote(PSEUDONYM)}")
        assert api.json() == body
    answers = set()
    for role in OUTSIDERS:
        visitor = c.visitors[role]
        assert 'id="subject-form"' not in visitor.get(f"/documents/{c.document_id}").text
        for target in (c.document_id, NO_SUCH_ID):
            response = visitor.get(
                f"/api/v1/documents/{target}/subject?pseudonym={quote(PSEUDONYM)}"
            )
            assert response.status_code == 404
            answers.add(response.text)
    owner = c.visitors["owner"]
    nobody = owner.get(f"/api/v1/documents/{c.document_id}/subject?pseudonym=%5BPERSON%209%5D")
    answers.add(nobody.text)
    assert len(answers) == 1, answers


def test_the_log_holds_no_content_and_verifies(
    canary: Canary, after: dict[tuple[str, str], Response]
) -> None:
    """Outsiders left no trace about the testimony (they saw nothing); the log, as admins
    read and export it, holds numbers and names, never a marker; its chain is whole."""
    c = canary
    with c.store.session() as session:
        entries = list(audit.entries(session, document_id=c.document_id))
    outsiders = {EMAILS[r] for r in OUTSIDERS if r in EMAILS} | {"anonymous"}
    assert not [e for e in entries if e["actor"] in outsiders]
    assert {e["action"] for e in entries} >= {"view", "search_hit", "download", "subject_export"}
    admin = c.visitors["admin"]
    exported = admin.get("/api/v1/audit/export")
    assert exported.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in exported.text.splitlines()]
    assert [e["id"] for e in lines] == sorted(e["id"] for e in lines)
    assert all(len(e["hash"]) == 64 for e in lines)
    assert_no_marker(exported, "the audit export")
    assert_no_marker(admin.get(f"/admin/audit?document={c.document_id}"), "the audit page")
    verified = admin.get("/api/v1/audit/verify").json()
    assert lines[-1]["action"] == "export"  # the export itself, recorded before it ran
    assert verified["ok"] and verified["entries"] == len(lines)
    assert audit.verify(c.store).ok


# ------------------------------------------------------------------ erased


def _holds_marker(value: object) -> bool:
    text = repr(value).lower()
    return any(w in text for w in WORDS)


def test_erased_it_is_gone_from_every_answer_cache_and_file(canary: Canary) -> None:
    c = canary
    admin = c.visitors["admin"]
    for role in ROLES:  # fill the caches with it (kept results, listings, query vectors)
        c.visitors[role].get(f"/api/v1/search?q={MARKERS['passage']}&mode=hybrid&facets=true")
        c.visitors[role].get(f"/search?type=testimony&org={quote(OWNER_ORG)}")
    page = admin.get(f"/documents/{c.document_id}").text
    assert 'id="erase-form"' in page
    for role in ("owner", "staff", "outsider"):
        assert 'id="erase-form"' not in c.visitors[role].get(f"/documents/{c.document_id}").text
    erased = admin.request(
        "POST", f"/documents/{c.document_id}/erase", data={"confirm": str(c.document_id)}
    )
    assert erased.status_code == 303
    assert erased.headers["location"] == f"/documents?erased={c.document_id}"
    notice = admin.get(erased.headers["location"]).text
    assert 'id="erased-notice"' in notice
    for role in ("owner", "staff", "anonymous"):  # said to admins only
        assert 'id="erased-notice"' not in c.visitors[role].get(erased.headers["location"]).text

    # no cache of the process holds anything of it
    assert not _holds_marker(list(searching._results.values()))
    assert not any(set(c.passages) & set(listed.ids) for listed in search_scope._listed.values())
    assert not any(
        (ids := getattr(s, "ids", None)) is not None and set(c.passages) & set(ids.tolist())
        for _fingerprint, s in semantic._cache.values()
    )
    backend = c.web.searcher.backend
    assert isinstance(backend, RememberedQueries)
    assert not _holds_marker(list(backend._vectors))
    batch = c.visitors["owner"].get(f"/api/v1/uploads/{c.batch_id}")
    assert_no_marker(batch, "the upload batch")
    assert batch.json()["files"][0]["document_id"] is None

    # every answer, to everyone, is what it was before the upload
    now = snapshot(c, ROLES)
    for key, response in now.items():
        assert_no_marker(response, f"{key} after the erasure", c.echoes[key])
    assert_as_before(c, now, ROLES)

    # nor any file of the data directory
    for path in c.store.home.root.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            for word in WORDS:
                assert word.encode() not in data, (path, word)
    with c.store.session() as session:
        (entry,) = audit.entries(session, action="erase", document_id=c.document_id)
    assert entry["actor"] == EMAILS["admin"] and not _holds_marker(entry)
    assert audit.verify(c.store).ok


def test_it_cannot_be_erased_twice_or_by_anyone_else(canary: Canary) -> None:
    c = canary
    gone = c.visitors["admin"].request("DELETE", f"/api/v1/documents/{c.document_id}")
    missing = c.visitors["admin"].request("DELETE", f"/api/v1/documents/{NO_SUCH_ID}")
    assert gone.status_code == missing.status_code == 404
    assert gone.text.replace(str(c.document_id), "{id}") == missing.text.replace(
        str(NO_SUCH_ID), "{id}"
    )
    for role in ("outsider", "staff", "owner"):
        refused = c.visitors[role].request("DELETE", f"/api/v1/documents/{c.public_document}")
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "admin_only"
    assert (
        c.visitors["anonymous"]
        .request("DELETE", f"/api/v1/documents/{c.public_document}")
        .status_code
        == 401
    )

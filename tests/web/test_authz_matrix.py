"""The authorisation matrix of the web app: every route of the pages and the API, for every
role, against documents at every access level.

The expectations come from the small tables below, written out by hand from the rule in the
issue (never computed by the code under test):

- ``VISIBLE``: which access levels each role sees;
- ``ROUTES``: who may call each route, and what a refusal looks like.

A route the app serves that is missing from ``ROUTES`` fails
:func:`test_every_route_is_in_the_matrix`, so a new page or endpoint cannot go untested.

Refusals, decided once for the whole app:

- a document or passage the caller may not see answers **404**, exactly as one that does not
  exist (status, content type and body, with the number itself left out of the comparison);
  likewise an upload batch or API token of someone else;
- a page that needs an account sends the anonymous visitor to ``/login?next=…`` (303); the
  API answers 401 (``login_required``);
- a logged-in caller without the role (admin pages and endpoints, the ingestion log,
  erasure) gets 403: the route's existence is no secret, and the refusal comes before the
  document is looked at;
- a subject-access export is for a protected document's owners (``SUBJECT``): anyone else,
  even one who may see the document, gets the answer for a document that does not exist.

Besides the status, every response is searched for the marker word of each document the
caller may not see (titles, file names, passages and versions all carry it): it must never
appear, on any route, in any answer, including errors.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from starlette.routing import BaseRoute, Mount, Route

from evidencia import accounts
from evidencia.access import Role, share, shared_with
from evidencia.config import Home
from evidencia.embed.run import embed_missing
from evidencia.ingest.pipeline import Ingestor
from evidencia.model import AccessLevel
from evidencia.search.modes import Searcher
from evidencia.store import sealed
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta
from evidencia.store.schema import ApiToken, Document, Passage, TagReview, User
from evidencia.web.app import create_app
from evidencia.web.security import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, SessionData
from evidencia.web.state import WebState
from tests.web.conftest import PASSWORD, HashBackend, hash_tagger

# ------------------------------------------------------------------ the tables

ROLES = ("anonymous", "member-A", "member-B", "staff", "admin")
LEVELS = (
    "public",
    "network",
    "restricted-A",  # restricted, owned by organisation A
    "shared-A-B",  # restricted, owned by organisation A and shared with organisation B
    "restricted-network",  # restricted, owned by the network's own organisation
    "restricted-unowned",  # restricted, no organisation: the network's own too
)
#: a document id or passage id that does not exist
MISSING = "missing"

#: which documents each role sees, from the issue's "Who sees what"
VISIBLE: dict[str, frozenset[str]] = {
    "anonymous": frozenset({"public"}),
    "member-A": frozenset({"public", "network", "restricted-A", "shared-A-B"}),
    "member-B": frozenset({"public", "network", "shared-A-B"}),
    "staff": frozenset({"public", "network", "restricted-network", "restricted-unowned"}),
    "admin": frozenset(LEVELS),
}

EVERYONE = frozenset(ROLES)
ACCOUNTS = EVERYONE - {"anonymous"}
TEAM = frozenset({"staff", "admin"})  # the ingestion log
ADMINS = frozenset({"admin"})
BATCH_OWNERS = frozenset({"member-A", "admin"})  # member A's upload; admins see every upload
TOKEN_OWNERS = frozenset({"member-A"})  # member A's API token: nobody else may revoke it

#: a word only each document holds (its title, file name and passages carry it)
MARKERS = {
    "public": "zqpubdoc",
    "network": "zqnetdoc",
    "restricted-A": "zqowndoc",
    "shared-A-B": "zqshrdoc",
    "restricted-network": "zqnwkdoc",
    "restricted-unowned": "zqnoorgdoc",
}
ORG_A, ORG_B = "Organisation A", "Organisation B"
#: level -> (access, owning organisation; "network" is the network's own, by its name)
DOCUMENTS: dict[str, tuple[AccessLevel, str | None]] = {
    "public": (AccessLevel.PUBLIC, ORG_A),
    "network": (AccessLevel.NETWORK, ORG_A),
    "restricted-A": (AccessLevel.RESTRICTED, ORG_A),
    "shared-A-B": (AccessLevel.RESTRICTED, ORG_A),
    "restricted-network": (AccessLevel.RESTRICTED, "network"),
    "restricted-unowned": (AccessLevel.RESTRICTED, None),
}
EMAILS = {
    "member-A": "member-a@example.org",
    "member-B": "member-b@example.org",
    "staff": "staff@example.org",
    "admin": "admin@example.org",
}
SPARE = "spare@example.org"  # the account the anonymous visitor logs in as
#: the same paragraph in every document, so they are near-duplicates of each other and each
#: document page lists the others as versions (which must stay hidden where they are)
SHARED_TEXT = (
    "Night shelters in Belgium turned away people without papers during the winter, although "
    "the municipal rules say that shelters are open to everyone. Outreach workers documented "
    "the cases and asked the city to restore access for undocumented people. zqmatrix"
)
#: a person named in every document: the protected ones hold "[PERSON 1]" instead, for the
#: subject-access export
PERSON = "My name is Mariam Okonkwo and I sleep in the shelter when there is room."
PSEUDONYM = "%5BPERSON%201%5D"  # "[PERSON 1]" in an address
#: who may export what a document holds about a person: (role, level); the public and
#: network documents are not redacted, so they hold no pseudonym at all
SUBJECT = frozenset(
    {
        ("member-A", "restricted-A"),
        ("member-A", "shared-A-B"),  # shared with B, still A's: B may read, not export
        ("staff", "restricted-network"),
        ("staff", "restricted-unowned"),
        *(
            ("admin", level)
            for level in ("restricted-A", "shared-A-B", "restricted-network", "restricted-unowned")
        ),
    }
)
UPLOAD = b"# Upload from the matrix\n\nA short note on outreach work with seasonal workers.\n"
CORRUPT = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> not a PDF at all"
NO_SUCH_ID = 10**9
NO_SUCH_BATCH = "no-such-batch-000"


# ------------------------------------------------------------------ the world


@dataclass
class World:
    app: FastAPI
    store: Store
    user_ids: dict[str, int]
    tokens: dict[str, str]
    documents: dict[str, int]
    passages: dict[str, int]
    batch_id: str
    counter: Iterator[int] = field(default_factory=itertools.count)

    @property
    def web(self) -> WebState:
        state: WebState = self.app.state.web
        return state

    def document(self, level: str | None) -> int:
        return NO_SUCH_ID if level in (None, MISSING) else self.documents[level]

    def passage(self, level: str | None) -> int:
        return NO_SUCH_ID if level in (None, MISSING) else self.passages[level]

    def unique(self) -> str:
        return f"u{next(self.counter)}"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("authz")
    (root / "home").mkdir()
    store = Store(Home(root / "home"))
    user_ids: dict[str, int] = {}
    tokens: dict[str, str] = {}
    with store.session() as session:
        accounts.add_organisation(session, ORG_A)
        accounts.add_organisation(session, ORG_B)
        network = accounts.network_organisation(session).name
        for role, email in EMAILS.items():
            org = {"member-A": ORG_A, "member-B": ORG_B}.get(role)
            user = accounts.create_user(
                session,
                email=email,
                password=PASSWORD,
                role=Role.ADMIN if role == "admin" else Role(role.split("-")[0]),
                organisation=org,
            )
            user_ids[role] = user.id
            tokens[role] = accounts.issue_token(session, user, "matrix")
        accounts.create_user(session, email=SPARE, password=PASSWORD, role=Role.STAFF)
        session.commit()

    files: dict[Path, str] = {}
    for level, marker in MARKERS.items():
        path = root / f"{marker}.md"
        path.write_text(
            f"# Matrix document {marker}\n\n{SHARED_TEXT} {marker}.\n\n"
            f"A second paragraph about {marker} and the firewall between services and "
            f"immigration control.\n\n{PERSON}\n",
            encoding="utf-8",
        )
        files[path] = level

    def meta(path: Path) -> DocumentMeta:
        level = files[path]
        access, owner = DOCUMENTS[level]
        return DocumentMeta(
            title=f"Matrix document {MARKERS[level]}",
            access=access,
            organisation=network if owner == "network" else owner,
        )

    results = Ingestor(store, workers=1).run(list(files), meta)
    assert [r.status for r in results] == ["ok"] * len(files), results
    documents = {files[Path(r.path)]: r.document_id for r in results if r.document_id}
    with store.session() as session:
        org_b = accounts.find_organisation(session, ORG_B)
        assert org_b is not None
        share(session, documents["shared-A-B"], org_b.id)
        session.commit()
        passages = {
            level: int(
                session.scalar(
                    select(Passage.id)
                    .where(Passage.document_id == doc_id)
                    .order_by(Passage.order)
                    .limit(1)
                )
                or 0
            )
            for level, doc_id in documents.items()
        }
    backend = HashBackend("matrix-hash@1", 16)
    embed_missing(store, backend)
    hash_tagger(store, backend)  # so the review queue has suggestions in every document

    app = create_app(store, embed_uploads=False, searcher=Searcher(store, backend))
    web: WebState = app.state.web
    batch = web.uploads.submit(
        user_ids["member-A"], DocumentMeta(organisation=ORG_A), [("broken.pdf", BytesIO(CORRUPT))]
    )
    assert web.uploads.wait(batch, 60) and batch.files[0].status == "failed"
    yield World(app, store, user_ids, tokens, documents, passages, batch.id)
    web.tagger.close()  # a retrain the matrix started stops at its next step
    web.uploads.close()
    store.close()


# ------------------------------------------------------------------ calls


@dataclass(frozen=True)
class Call:
    """One request, and what to look up afterwards to know whether it took effect."""

    method: str
    url: str
    data: dict[str, str] | None = None
    json: dict[str, Any] | list[dict[str, Any]] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    #: the change asked for, looked up in the store after the call
    happened: Callable[[], bool] | None = None
    #: the answer lists documents: every visible one must be in it
    lists: bool = False
    check: Callable[[Response, frozenset[str]], None] | None = None


@dataclass(frozen=True)
class Case:
    route: tuple[str, str]
    role: str
    level: str | None = None

    @property
    def id(self) -> str:
        method, path = self.route
        return f"{method} {path} [{self.role}{'/' + self.level if self.level else ''}]"


Build = Callable[[World, Case], Call]


@dataclass(frozen=True)
class Rule:
    """Who may call a route (``None``: whoever may see the target document) and how."""

    allowed: frozenset[str] | None
    build: Build
    ok: frozenset[int]
    #: a refusal is the answer for a target that does not exist (404, same body)
    hidden_as_missing: bool = False
    #: a refusal changes nothing and answers like a success (a redirect)
    silent: bool = False
    #: with ``allowed`` None: only these roles may act at all, on documents they may see
    roles: frozenset[str] | None = None
    #: with ``allowed`` None: exactly these (role, level) pairs may act (``SUBJECT``)
    pairs: frozenset[tuple[str, str]] | None = None


class Visitor:
    """One role's browser (a fresh signed session cookie, as the app makes them) or API
    client (its bearer token from ``accounts.issue_token``)."""

    def __init__(self, world: World, role: str, *, api: bool, cookie: bool = False) -> None:
        self.client = TestClient(world.app, follow_redirects=False)
        self.api = api
        session = SessionData.fresh(world.user_ids.get(role))
        self.csrf = session.csrf
        if not api or cookie:
            self.client.cookies.set(SESSION_COOKIE, world.web.sessions.dump(session))
        self.headers = (
            {"Authorization": f"Bearer {world.tokens[role]}"}
            if api and not cookie and role in world.tokens
            else {}
        )

    def send(self, call: Call, *, csrf: bool = True) -> Response:
        data = dict(call.data or {})
        headers = dict(self.headers)
        if csrf and call.method != "GET" and not self.api:
            data[CSRF_FIELD] = self.csrf
        elif csrf and call.method != "GET" and not self.headers:
            headers[CSRF_HEADER] = self.csrf  # the API with the browser's cookie
        return self.client.request(
            call.method,
            call.url,
            data=data or None,
            json=call.json,
            files=call.files,
            headers=headers,
        )


def _user_exists(world: World, email: str) -> Callable[[], bool]:
    def probe() -> bool:
        with world.store.session() as session:
            return accounts.get_user(session, email) is not None

    return probe


def _org_exists(world: World, name: str) -> Callable[[], bool]:
    def probe() -> bool:
        with world.store.session() as session:
            return accounts.find_organisation(session, name) is not None

    return probe


def _token_labelled(world: World, label: str) -> Callable[[], bool]:
    def probe() -> bool:
        with world.store.session() as session:
            return session.scalar(select(ApiToken.id).where(ApiToken.label == label)) is not None

    return probe


def _throwaway_user(world: World) -> tuple[int, str]:
    email = f"gone-{world.unique()}@example.org"
    with world.store.session() as session:
        user = accounts.create_user(session, email=email, password=PASSWORD, role=Role.STAFF)
        session.commit()
        return user.id, email


def _member_a_token(world: World, case: Case) -> tuple[int, Callable[[], bool]]:
    """A fresh token of member A (or a number no token has), and "was it revoked?"."""
    if case.level == MISSING:
        return NO_SUCH_ID, lambda: False
    with world.store.session() as session:
        user = session.get(User, world.user_ids["member-A"])
        assert user is not None
        accounts.issue_token(session, user, f"revocable-{world.unique()}")
        token_id = max(t.id for t in accounts.list_tokens(session, user))
        session.commit()

    def revoked() -> bool:
        with world.store.session() as session:
            return session.get(ApiToken, token_id) is None

    return token_id, revoked


def _batch(world: World, case: Case) -> str:
    """Member A's failed upload (ready to be retried), or a batch that does not exist."""
    if case.level == MISSING:
        return NO_SUCH_BATCH
    batch = world.web.uploads.get(world.batch_id)
    assert batch is not None and world.web.uploads.wait(batch, 60)
    return batch.id


def _countries_count(response: Response, visible: frozenset[str]) -> None:
    belgium = [c for c in response.json() if c["code"] == "BE"]
    assert (belgium[0]["documents"] if belgium else 0) == len(visible)


def _get(url: str, *, lists: bool = False) -> Build:
    return lambda _w, _c: Call("GET", url, lists=lists)


def _post(url: str, data: dict[str, str] | None = None) -> Build:
    return lambda _w, _c: Call("POST", url, data=data)


def _upload_file() -> dict[str, tuple[str, bytes, str]]:
    return {"files": ("matrix-upload.md", UPLOAD, "text/markdown")}


def _login(w: World, c: Case) -> Call:
    email = EMAILS.get(c.role, SPARE)
    return Call("POST", "/login", data={"email": email, "password": PASSWORD, "next": "/"})


def _add_user_page(w: World, _c: Case) -> Call:
    email = f"new-{w.unique()}@example.org"
    data = {"email": email, "role": "staff", "password": PASSWORD}
    return Call("POST", "/admin/users", data=data, happened=_user_exists(w, email))


def _remove_user_page(w: World, _c: Case) -> Call:
    _id, email = _throwaway_user(w)
    return Call(
        "POST",
        "/admin/users/remove",
        data={"email": email},
        happened=lambda: not _user_exists(w, email)(),
    )


def _add_org_page(w: World, _c: Case) -> Call:
    name = f"Organisation {w.unique()}"
    return Call("POST", "/admin/organisations", data={"name": name}, happened=_org_exists(w, name))


def _new_token_page(w: World, _c: Case) -> Call:
    label = f"page-{w.unique()}"
    return Call(
        "POST", "/account/tokens", data={"label": label}, happened=_token_labelled(w, label)
    )


def _revoke_token_page(w: World, c: Case) -> Call:
    token_id, revoked = _member_a_token(w, c)
    return Call("POST", f"/account/tokens/{token_id}/revoke", happened=revoked)


def _upload_page(_w: World, _c: Case) -> Call:
    return Call("POST", "/upload", data={"access": "public"}, files=_upload_file())


def _retry_page(w: World, c: Case) -> Call:
    return Call("POST", f"/upload/{_batch(w, c)}/0/retry")


def _api_new_token(w: World, _c: Case) -> Call:
    label = f"api-{w.unique()}"
    return Call("POST", "/api/v1/tokens", json={"label": label}, happened=_token_labelled(w, label))


def _api_revoke_token(w: World, c: Case) -> Call:
    token_id, revoked = _member_a_token(w, c)
    return Call("DELETE", f"/api/v1/tokens/{token_id}", happened=revoked)


def _api_add_user(w: World, _c: Case) -> Call:
    email = f"api-{w.unique()}@example.org"
    body = {"email": email, "password": PASSWORD, "role": "member", "organisation": ORG_B}
    return Call("POST", "/api/v1/users", json=body, happened=_user_exists(w, email))


def _api_remove_user(w: World, c: Case) -> Call:
    if c.level == MISSING:
        return Call("DELETE", f"/api/v1/users/{NO_SUCH_ID}")
    user_id, email = _throwaway_user(w)
    return Call("DELETE", f"/api/v1/users/{user_id}", happened=lambda: not _user_exists(w, email)())


def _api_add_org(w: World, _c: Case) -> Call:
    name = f"Organisation {w.unique()}"
    return Call("POST", "/api/v1/organisations", json={"name": name}, happened=_org_exists(w, name))


def _api_upload(_w: World, _c: Case) -> Call:
    return Call("POST", "/api/v1/uploads", data={"access": "public"}, files=_upload_file())


def _api_retry(w: World, c: Case) -> Call:
    return Call("POST", f"/api/v1/uploads/{_batch(w, c)}/files/0/retry")


#: a theme of the default framework: any passage may be tagged with it by a person
THEME = "health"


def _decided(w: World, c: Case, passage_id: int) -> Callable[[], bool]:
    """Whether the caller's own decision on the passage was recorded by this call (a
    decision replaces the one before it, so its time tells them apart)."""
    user_id = w.user_ids.get(c.role)
    where = (TagReview.passage_id == passage_id, TagReview.key == THEME)
    with w.store.session() as session:
        before = session.execute(
            select(TagReview.user_id, TagReview.decided_at).where(*where)
        ).first()

    def probe() -> bool:
        with w.store.session() as session:
            now = session.execute(
                select(TagReview.user_id, TagReview.decided_at).where(*where)
            ).first()
        return now is not None and now != before and user_id is not None and now[0] == user_id

    return probe


def _decide_page(w: World, c: Case) -> Call:
    passage_id = w.passage(c.level)
    data = {"passage_id": str(passage_id), "key": THEME, "decision": "accepted"}
    return Call("POST", "/review/decide", data=data, happened=_decided(w, c, passage_id))


def _passage_tags_page(w: World, c: Case) -> Call:
    passage_id = w.passage(c.level)
    return Call(
        "POST",
        f"/passages/{passage_id}/tags",
        data={"key": THEME, "decision": "accepted"},
        happened=_decided(w, c, passage_id),
    )


def _bulk_page(w: World, c: Case) -> Call:
    passage_id = w.passage("public")
    return Call(
        "POST",
        "/review/bulk",
        data={"item": f"{passage_id}:{THEME}", "decision": "accepted"},
        happened=_decided(w, c, passage_id),
    )


def _api_decide(w: World, c: Case) -> Call:
    passage_id = w.passage("network")  # one every member of the team may see
    body = [{"passage_id": passage_id, "key": THEME, "decision": "accepted"}]
    return Call("POST", "/api/v1/review/decisions", json=body, happened=_decided(w, c, passage_id))


def _tagger_job(w: World, _c: Case) -> Call:
    tagger = w.web.tagger
    job = tagger.latest() or tagger.start_train()
    return Call("GET", f"/api/v1/tagger/jobs/{job.id}")


def _throwaway_document(w: World) -> tuple[int, Callable[[], bool]]:
    """A document of its own to erase (restricted, of no organisation), and "is it gone?"."""
    path = w.store.home.root.parent / f"throwaway-{w.unique()}.md"
    path.write_text(f"# Throwaway\n\nA note to erase, number {path.stem}.\n", encoding="utf-8")
    (result,) = Ingestor(w.store, workers=1).run([path], lambda _p: DocumentMeta())
    assert result.document_id is not None, result
    doc_id = result.document_id

    def gone() -> bool:
        with w.store.session() as session:
            return session.get(Document, doc_id) is None

    return doc_id, gone


def _erase_target(w: World, c: Case) -> tuple[int, Callable[[], bool] | None]:
    """What an erasure asks for: a throwaway document for an admin; for anyone else, who is
    refused before the document is looked at, the public one (if the refusal ever failed,
    the probe would say so, and every later test would miss it)."""
    if c.role == "admin":
        return _throwaway_document(w)
    doc_id = w.document("public")
    return doc_id, lambda: not _document_exists(w, doc_id)


def _document_exists(w: World, doc_id: int) -> bool:
    with w.store.session() as session:
        return session.get(Document, doc_id) is not None


def _erase_page(w: World, c: Case) -> Call:
    doc_id, gone = _erase_target(w, c)
    return Call("POST", f"/documents/{doc_id}/erase", data={"confirm": str(doc_id)}, happened=gone)


def _api_erase(w: World, c: Case) -> Call:
    doc_id, gone = _erase_target(w, c)
    return Call("DELETE", f"/api/v1/documents/{doc_id}", happened=gone)


def _doc(template: str) -> Build:
    return lambda w, c: Call("GET", template.format(id=w.document(c.level)))


def _passage(template: str) -> Build:
    return lambda w, c: Call("GET", template.format(id=w.passage(c.level)))


SEARCH = "?q=zqmatrix&limit=50"
OK = frozenset({200})
REDIRECT = frozenset({303})

#: every route of the app: (method, path as routed) -> who may call it, and how
ROUTES: dict[tuple[str, str], Rule] = {
    # ---- pages anyone may read
    ("GET", "/"): Rule(EVERYONE, _get("/", lists=True), OK),
    ("GET", "/search"): Rule(EVERYONE, _get(f"/search{SEARCH}", lists=True), OK),
    ("GET", "/documents"): Rule(EVERYONE, _get("/documents", lists=True), OK),
    ("GET", "/framework"): Rule(EVERYONE, _get("/framework"), OK),
    ("GET", "/countries"): Rule(EVERYONE, _get("/countries"), OK),
    ("GET", "/countries/{code}"): Rule(EVERYONE, _get("/countries/BE", lists=True), OK),
    ("GET", "/login"): Rule(EVERYONE, _get("/login"), frozenset({200, 303})),
    ("POST", "/login"): Rule(EVERYONE, _login, REDIRECT),
    ("POST", "/logout"): Rule(EVERYONE, _post("/logout"), REDIRECT),
    ("GET", "/static/{path:path}"): Rule(EVERYONE, _get("/static/app.css"), OK),
    # ---- pages about one document or passage
    ("GET", "/documents/{document_id}"): Rule(None, _doc("/documents/{id}"), OK),
    ("GET", "/documents/{document_id}/original"): Rule(None, _doc("/documents/{id}/original"), OK),
    ("GET", "/passages/{passage_id}"): Rule(None, _passage("/passages/{id}"), REDIRECT),
    ("GET", "/passages/{passage_id}/similar"): Rule(None, _passage("/passages/{id}/similar"), OK),
    ("GET", "/documents/{document_id}/subject"): Rule(
        None, _doc(f"/documents/{{id}}/subject?pseudonym={PSEUDONYM}"), OK, pairs=SUBJECT
    ),
    ("POST", "/documents/{document_id}/erase"): Rule(ADMINS, _erase_page, REDIRECT),
    # ---- pages for accounts
    ("GET", "/upload"): Rule(ACCOUNTS, _get("/upload"), OK),
    ("POST", "/upload"): Rule(ACCOUNTS, _upload_page, REDIRECT),
    ("GET", "/upload/{batch_id}"): Rule(
        BATCH_OWNERS,
        lambda w, c: Call("GET", f"/upload/{_batch(w, c)}"),
        OK,
        hidden_as_missing=True,
    ),
    ("POST", "/upload/{batch_id}/{index}/retry"): Rule(
        BATCH_OWNERS, _retry_page, REDIRECT, hidden_as_missing=True
    ),
    ("GET", "/account"): Rule(ACCOUNTS, _get("/account"), OK),
    ("POST", "/account/tokens"): Rule(ACCOUNTS, _new_token_page, frozenset({201})),
    ("POST", "/account/tokens/{token_id}/revoke"): Rule(
        TOKEN_OWNERS, _revoke_token_page, REDIRECT, silent=True
    ),
    # ---- reviewing the tagger's suggestions: the network's team, on passages it may see
    ("GET", "/review"): Rule(TEAM, _get("/review"), OK),
    ("POST", "/review/decide"): Rule(None, _decide_page, REDIRECT, roles=TEAM),
    ("POST", "/review/bulk"): Rule(TEAM, _bulk_page, REDIRECT),
    ("POST", "/passages/{passage_id}/tags"): Rule(None, _passage_tags_page, REDIRECT, roles=TEAM),
    # ---- admin pages
    ("GET", "/admin/tagger"): Rule(ADMINS, _get("/admin/tagger"), OK),
    ("GET", "/admin/tagger/job"): Rule(ADMINS, _get("/admin/tagger/job"), OK),
    ("POST", "/admin/tagger/train"): Rule(ADMINS, _post("/admin/tagger/train"), REDIRECT),
    ("POST", "/admin/tagger/rollback"): Rule(
        ADMINS, _post("/admin/tagger/rollback"), frozenset({303, 409})
    ),
    ("GET", "/admin/users"): Rule(ADMINS, _get("/admin/users"), OK),
    ("POST", "/admin/users"): Rule(ADMINS, _add_user_page, frozenset({201})),
    ("POST", "/admin/users/remove"): Rule(ADMINS, _remove_user_page, OK),
    ("POST", "/admin/organisations"): Rule(ADMINS, _add_org_page, frozenset({201})),
    ("GET", "/admin/audit"): Rule(ADMINS, _get("/admin/audit"), OK),
    # ---- the API, open to all (within what each may see)
    ("GET", "/api/v1/openapi.json"): Rule(EVERYONE, _get("/api/v1/openapi.json"), OK),
    ("GET", "/api/v1/me"): Rule(EVERYONE, _get("/api/v1/me"), OK),
    ("GET", "/api/v1/search"): Rule(EVERYONE, _get(f"/api/v1/search{SEARCH}", lists=True), OK),
    ("GET", "/api/v1/documents"): Rule(
        EVERYONE, _get("/api/v1/documents?limit=200", lists=True), OK
    ),
    ("GET", "/api/v1/overview"): Rule(EVERYONE, _get("/api/v1/overview", lists=True), OK),
    ("GET", "/api/v1/framework"): Rule(EVERYONE, _get("/api/v1/framework"), OK),
    ("GET", "/api/v1/countries"): Rule(
        EVERYONE,
        lambda _w, _c: Call("GET", "/api/v1/countries", check=_countries_count),
        OK,
    ),
    ("GET", "/api/v1/countries/{code}"): Rule(
        EVERYONE, _get("/api/v1/countries/BE", lists=True), OK
    ),
    # ---- the API about one document or passage
    ("GET", "/api/v1/documents/{document_id}"): Rule(None, _doc("/api/v1/documents/{id}"), OK),
    ("GET", "/api/v1/documents/{document_id}/passages"): Rule(
        None, _doc("/api/v1/documents/{id}/passages"), OK
    ),
    ("GET", "/api/v1/documents/{document_id}/original"): Rule(
        None, _doc("/api/v1/documents/{id}/original"), OK
    ),
    ("GET", "/api/v1/documents/{document_id}/subject"): Rule(
        None, _doc(f"/api/v1/documents/{{id}}/subject?pseudonym={PSEUDONYM}"), OK, pairs=SUBJECT
    ),
    ("DELETE", "/api/v1/documents/{document_id}"): Rule(ADMINS, _api_erase, frozenset({204})),
    ("GET", "/api/v1/passages/{passage_id}"): Rule(None, _passage("/api/v1/passages/{id}"), OK),
    ("GET", "/api/v1/similar/{passage_id}"): Rule(None, _passage("/api/v1/similar/{id}"), OK),
    ("GET", "/api/v1/passages/{passage_id}/tags"): Rule(
        None, _passage("/api/v1/passages/{id}/tags"), OK
    ),
    # ---- the API for accounts
    ("GET", "/api/v1/tokens"): Rule(ACCOUNTS, _get("/api/v1/tokens"), OK),
    ("POST", "/api/v1/tokens"): Rule(ACCOUNTS, _api_new_token, frozenset({201})),
    ("DELETE", "/api/v1/tokens/{token_id}"): Rule(
        TOKEN_OWNERS, _api_revoke_token, frozenset({204}), hidden_as_missing=True
    ),
    ("GET", "/api/v1/organisations"): Rule(ACCOUNTS, _get("/api/v1/organisations"), OK),
    ("POST", "/api/v1/uploads"): Rule(ACCOUNTS, _api_upload, frozenset({200, 202})),
    ("GET", "/api/v1/uploads/{batch_id}"): Rule(
        BATCH_OWNERS,
        lambda w, c: Call("GET", f"/api/v1/uploads/{_batch(w, c)}"),
        frozenset({200, 202}),
        hidden_as_missing=True,
    ),
    ("POST", "/api/v1/uploads/{batch_id}/files/{index}/retry"): Rule(
        BATCH_OWNERS, _api_retry, frozenset({200, 202}), hidden_as_missing=True
    ),
    # ---- the API for the network's team and for admins
    ("GET", "/api/v1/ingestions"): Rule(TEAM, _get("/api/v1/ingestions"), OK),
    ("GET", "/api/v1/review/queue"): Rule(TEAM, _get("/api/v1/review/queue?limit=100"), OK),
    ("POST", "/api/v1/review/decisions"): Rule(TEAM, _api_decide, OK),
    ("GET", "/api/v1/tagger"): Rule(ADMINS, _get("/api/v1/tagger"), OK),
    ("POST", "/api/v1/tagger/train"): Rule(
        ADMINS, _post("/api/v1/tagger/train"), frozenset({202, 409})
    ),
    ("POST", "/api/v1/tagger/rollback"): Rule(
        ADMINS, _post("/api/v1/tagger/rollback"), frozenset({200, 202, 409})
    ),
    ("GET", "/api/v1/tagger/jobs/{job_id}"): Rule(ADMINS, _tagger_job, frozenset({200, 202})),
    ("GET", "/api/v1/users"): Rule(ADMINS, _get("/api/v1/users"), OK),
    ("POST", "/api/v1/users"): Rule(ADMINS, _api_add_user, frozenset({201})),
    ("DELETE", "/api/v1/users/{user_id}"): Rule(ADMINS, _api_remove_user, frozenset({204})),
    ("POST", "/api/v1/organisations"): Rule(ADMINS, _api_add_org, frozenset({201})),
    ("GET", "/api/v1/audit"): Rule(ADMINS, _get("/api/v1/audit"), OK),
    ("GET", "/api/v1/audit/export"): Rule(ADMINS, _get("/api/v1/audit/export"), OK),
    ("GET", "/api/v1/audit/verify"): Rule(ADMINS, _get("/api/v1/audit/verify"), OK),
}


def _cases() -> list[Case]:
    cases: list[Case] = []
    for route, rule in ROUTES.items():
        for role in ROLES:
            if rule.allowed is None:
                cases.extend(Case(route, role, level) for level in (*LEVELS, MISSING))
            else:
                cases.append(Case(route, role))
    return cases


CASES = _cases()


def _is_api(case: Case) -> bool:
    return case.route[1].startswith("/api/")


#: state-changing calls made with a session cookie (an anonymous cookie is no credential for
#: the API, which answers 401 before it could look at a CSRF header); those about one
#: document, on the public one
UNSAFE = [
    c
    for c in CASES
    if c.route[0] != "GET"
    and c.level in (None, "public")
    and not (_is_api(c) and c.role == "anonymous")
]


def _allowed(rule: Rule, case: Case) -> bool:
    if rule.allowed is None and rule.pairs is not None:
        return (case.role, str(case.level)) in rule.pairs
    if rule.allowed is None:
        return case.level in VISIBLE[case.role] and (rule.roles is None or case.role in rule.roles)
    return case.role in rule.allowed


def _refused_as_missing(rule: Rule, case: Case) -> bool:
    """Whether a refusal must look like a target that does not exist: the caller may act
    on such targets, only not on this one."""
    if rule.allowed is None:
        return rule.roles is None or case.role in rule.roles
    return rule.hidden_as_missing and case.role != "anonymous"


def _comparable(response: Response, call: Call) -> tuple[int, str, str]:
    """Status, content type and body, without what names the target itself: the address
    (pages link to themselves) and, in JSON messages, the number or batch asked about."""
    path = call.url.split("?")[0]
    body = response.text.replace(path, "{url}")
    if response.headers.get("content-type", "").startswith("application/json"):
        target = path.rstrip("/").split("/")[4] if path.count("/") >= 4 else ""
        if target:
            body = re.sub(rf"\b{re.escape(target)}\b", "{id}", body)
    return response.status_code, response.headers.get("content-type", ""), body


def _no_leak(response: Response, role: str) -> None:
    text = response.content.decode("utf-8", errors="replace")
    for level, marker in MARKERS.items():
        if level not in VISIBLE[role]:
            assert marker not in text, f"{role} was shown {level} ({marker})"


# ------------------------------------------------------------------ the tests


def _walk(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) for every route an app serves, through mounts and included routers."""
    for route in routes:
        if isinstance(route, Mount):
            inner = route.routes
            if inner:
                yield from _walk(inner, prefix + route.path)
            else:  # an app of its own (static files): it answers GET below its path
                yield "GET", f"{prefix}{route.path}/{{path:path}}"
            continue
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):  # FastAPI's included routers, resolved lazily
            for context in contexts():
                for method in sorted(context.methods or ()):
                    yield method, prefix + context.path
            continue
        methods = getattr(route, "methods", None)
        path = getattr(route, "path", None)
        assert isinstance(route, Route) or (methods and path), f"unknown route {route!r}"
        for method in sorted(methods or ()):
            if method != "HEAD":  # HEAD is GET without the body
                yield method, prefix + str(path)


def test_every_route_is_in_the_matrix(world: World) -> None:
    served = set(_walk(world.app.routes))
    assert len(served) >= 45
    assert served - set(ROUTES) == set(), "routes missing from ROUTES (add them)"
    assert set(ROUTES) - served == set(), "ROUTES lists routes the app no longer has"
    document = TestClient(world.app).get("/api/v1/openapi.json").json()
    documented = {
        (method.upper(), "/api/v1" + path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    api = {route for route in served if route[1].startswith("/api/v1/")}
    assert documented == api - {("GET", "/api/v1/openapi.json")}


def test_the_table_is_the_rule_in_the_issue() -> None:
    """A reading aid for the table above."""
    assert VISIBLE["anonymous"] == {"public"}
    assert VISIBLE["admin"] == set(LEVELS)
    for role in ("member-A", "member-B", "staff"):
        assert {"public", "network"} <= VISIBLE[role]
    assert "shared-A-B" in VISIBLE["member-B"] and "restricted-A" not in VISIBLE["member-B"]
    assert not VISIBLE["staff"] & {"restricted-A", "shared-A-B"}  # other organisations'
    assert not VISIBLE["member-A"] & {"restricted-network", "restricted-unowned"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_matrix(world: World, case: Case) -> None:
    rule = ROUTES[case.route]
    api = _is_api(case)
    visitor = Visitor(world, case.role, api=api)
    call = rule.build(world, case)
    response = visitor.send(call)
    status = response.status_code
    assert status < 500, response.text[:500]
    _no_leak(response, case.role)
    location = response.headers.get("location", "")

    if _allowed(rule, case):
        assert status in rule.ok, (status, response.text[:500])
        assert not location.startswith("/login"), location
        if call.happened is not None:
            assert call.happened(), "allowed, but nothing happened"
        if call.lists:
            for level in VISIBLE[case.role]:
                assert MARKERS[level] in response.text, f"{level} missing from the list"
        if call.check is not None:
            call.check(response, VISIBLE[case.role])
        return

    if call.happened is not None:
        assert not call.happened(), "refused, yet it happened"
    if _refused_as_missing(rule, case):
        assert status == 404, (status, response.text[:500])
        absent = rule.build(world, replace(case, level=MISSING))
        assert _comparable(response, call) == _comparable(visitor.send(absent), absent), (
            "a hidden target must look exactly like a missing one"
        )
    elif case.role == "anonymous":
        if api:
            assert status == 401, (status, response.text[:500])
            assert response.json()["error"]["code"] == "login_required"
        else:
            assert status == 303 and location.startswith("/login?next="), (status, location)
    elif rule.silent:
        assert status == 303 and not location.startswith("/login"), (status, location)
    else:
        assert status == 403, (status, response.text[:500])
        if api:
            assert response.json()["error"]["code"] in ("admin_only", "staff_only")


@pytest.mark.parametrize("case", UNSAFE, ids=[c.id for c in UNSAFE])
def test_unsafe_requests_need_the_csrf_token(world: World, case: Case) -> None:
    """Every state-changing page, and every API write made with the browser's cookie,
    is refused without the session's CSRF token, whoever asks, and changes nothing."""
    rule = ROUTES[case.route]
    api = _is_api(case)
    visitor = Visitor(world, case.role, api=api, cookie=True)
    call = rule.build(world, case)
    response = visitor.send(call, csrf=False)
    assert response.status_code == 403, (response.status_code, response.text[:300])
    if api:
        assert response.json()["error"]["code"] == "csrf"
    if call.happened is not None:
        assert not call.happened()


def test_api_writes_with_the_cookie_and_its_csrf_header(world: World) -> None:
    """The browser's own htmx calls: the cookie and the X-CSRF-Token header are enough."""
    visitor = Visitor(world, "admin", api=True, cookie=True)
    call = _api_add_org(world, Case(("POST", "/api/v1/organisations"), "admin"))
    response = visitor.send(call)
    assert response.status_code == 201, response.text
    assert call.happened is not None and call.happened()


def test_documents_are_as_the_fixture_says(world: World) -> None:
    """The levels above are what the store holds (so the matrix tests what it says)."""
    with world.store.session() as session:
        for level, doc_id in world.documents.items():
            doc = session.get(Document, doc_id)
            assert doc is not None and doc.access == DOCUMENTS[level][0].value
            assert (doc.organisation.name if doc.organisation else None) == (
                accounts.network_organisation_name()
                if DOCUMENTS[level][1] == "network"
                else DOCUMENTS[level][1]
            )
            assert [o.name for o in shared_with(session, doc_id)] == (
                [ORG_B] if level == "shared-A-B" else []
            )


@pytest.mark.parametrize("role", sorted(ACCOUNTS))
def test_uploading_a_copy_does_not_reveal_hidden_documents(world: World, role: str) -> None:
    """Sending the very bytes of a stored document is answered "already stored"; which
    document that is (its number, address, file name) only for the documents one may see."""
    with world.store.session() as session:
        originals = {}
        for level, doc_id in world.documents.items():
            doc = session.get(Document, doc_id)
            assert doc is not None
            path = world.store.home.root / doc.blob_path  # restricted ones are sealed
            ring = sealed.KeyRing.load(world.store.home)
            originals[level] = b"".join(sealed.read_original(path, ring))
    levels = list(originals)
    files = [
        ("files", (f"copy-{i}.md", originals[lv], "text/markdown")) for i, lv in enumerate(levels)
    ]
    api = Visitor(world, role, api=True)
    response = api.client.post(
        "/api/v1/uploads?wait=60", data={"access": "public"}, files=files, headers=api.headers
    )
    assert response.status_code == 200, response.text
    _no_leak(response, role)
    for level, item in zip(levels, response.json()["files"], strict=True):
        assert item["status"] == "duplicate", item
        if level in VISIBLE[role]:
            assert item["document_id"] == world.documents[level]
        else:
            assert item["document_id"] is None and item["url"] is None, (level, item)
            assert str(world.documents[level]) not in (item["error"] or ""), item
    page = Visitor(world, role, api=False).client.get(f"/upload/{response.json()['id']}")
    assert page.status_code == 200
    _no_leak(page, role)
    hidden = [world.documents[lv] for lv in levels if lv not in VISIBLE[role]]
    for doc_id in hidden:
        assert f'href="/documents/{doc_id}"' not in page.text


@pytest.mark.parametrize("role", sorted(TEAM))
def test_decisions_on_hidden_passages_look_missing(world: World, role: str) -> None:
    """The decisions API answers each decision on its own (200 for the request): on a
    passage the caller may not see, that answer is the one for a passage that does not
    exist, and nothing is recorded."""
    api = Visitor(world, role, api=True)

    def send(level: str) -> tuple[Response, Callable[[], bool]]:
        passage_id = world.passage(level)
        body = [{"passage_id": passage_id, "key": THEME, "decision": "rejected"}]
        happened = _decided(world, Case(("POST", "/api/v1/review/decisions"), role), passage_id)
        return api.client.post("/api/v1/review/decisions", json=body, headers=api.headers), happened

    missing, _ = send(MISSING)
    assert missing.status_code == 200
    assert missing.json()["results"][0]["error"]["code"] == "not_found"
    for level in LEVELS:
        response, happened = send(level)
        assert response.status_code == 200, response.text
        _no_leak(response, role)
        result = response.json()["results"][0]
        if level in VISIBLE[role]:
            assert result["ok"] and result["status"] == "rejected" and happened(), level
            continue
        assert not happened(), level
        shown = response.text.replace(str(world.passage(level)), "{id}")
        assert shown == missing.text.replace(str(NO_SUCH_ID), "{id}"), level

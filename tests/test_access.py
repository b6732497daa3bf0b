"""The authorisation matrix: every role × access level × owner × share, checked through the
SQL condition, the single-document check and search, against a table written out here by
hand (never computed by the code under test)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from evidencia.access import (
    ANONYMOUS,
    OWNER,
    Role,
    Viewer,
    can_see,
    share,
    unshare,
    visible_documents,
)
from evidencia.config import Home
from evidencia.search.lexical import search
from evidencia.search.modes import Request, Searcher
from evidencia.store.db import Store
from evidencia.store.schema import Document, DocumentShare, Organisation, Passage

ORGS = ("network", "A", "B")

#: what each role sees, by how a document relates to the viewer's organisation.
#: restricted documents are "own" (owned by the viewer's organisation), else "shared" (shared
#: with it), else "unowned" (no organisation: the network's own), else "other".
SEES: dict[str, dict[str, bool]] = {
    #          public  network  own    shared unowned other
    "admin": dict(zip(("public", "network", "own", "shared", "unowned", "other"),
                      (True,    True,     True,  True,  True,    True), strict=True)),
    "staff": dict(zip(("public", "network", "own", "shared", "unowned", "other"),
                      (True,    True,     True,  True,  True,    False), strict=True)),
    "member": dict(zip(("public", "network", "own", "shared", "unowned", "other"),
                       (True,    True,     True,  True,  False,   False), strict=True)),
    "public": dict(zip(("public", "network", "own", "shared", "unowned", "other"),
                       (True,    False,    False, False, False,   False), strict=True)),
}  # fmt: skip

#: the viewers: (name, role, organisation key)
VIEWERS = [
    ("admin", "admin", "network"),
    ("staff", "staff", "network"),
    ("member-A", "member", "A"),
    ("member-B", "member", "B"),
    ("public", "public", None),
]


@dataclass(frozen=True)
class Case:
    access: str
    owner: str | None  # an ORGS key
    shared: str | None  # an ORGS key

    @property
    def word(self) -> str:
        """A word only this document holds, to find it by search."""
        return f"zq{self.access}{self.owner or 'none'}{self.shared or 'none'}".lower()

    @property
    def label(self) -> str:
        return f"{self.access}/owner={self.owner}/shared={self.shared}"


CASES = [
    Case(access, owner, shared)
    for access, owner, shared in itertools.product(
        ("public", "network", "restricted"), (None, *ORGS), (None, *ORGS)
    )
]


def expected(role: str, viewer_org: str | None, case: Case) -> bool:
    """Read the answer off the table above."""
    if case.access != "restricted":
        return SEES[role][case.access]
    if viewer_org is not None and case.owner == viewer_org:
        relation = "own"
    elif viewer_org is not None and case.shared == viewer_org:
        relation = "shared"
    elif case.owner is None:
        relation = "unowned"
    else:
        relation = "other"
    return SEES[role][relation]


@dataclass
class World:
    store: Store
    org_ids: dict[str, int]
    doc_ids: dict[Case, int]

    def viewer(self, role: str, org: str | None) -> Viewer:
        return Viewer(Role(role), self.org_ids[org] if org else None, user_id=None)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One document per case, written directly (the rule is about rows, not file formats)."""
    store = Store(Home(Path(tmp_path_factory.mktemp("access-home"))))
    with store.session() as session, session.begin():
        orgs = {key: Organisation(name=f"Organisation {key}") for key in ORGS}
        session.add_all(orgs.values())
        session.flush()
        org_ids = {key: org.id for key, org in orgs.items()}
        doc_ids: dict[Case, int] = {}
        for n, case in enumerate(CASES):
            text = f"A note about firewalls and {case.word} in a shelter."
            doc = Document(
                title=case.label,
                origin="test",
                sha256=f"{n:064x}",
                blob_path=f"files/{n}",
                mime="text/plain",
                size_bytes=len(text),
                access=case.access,
                organisation_id=org_ids[case.owner] if case.owner else None,
                language="en",
                languages=["en"],
            )
            doc.passages.append(
                Passage(order=0, text=text, char_start=0, char_end=len(text), language="en")
            )
            session.add(doc)
            session.flush()
            if case.shared:
                share(session, doc.id, org_ids[case.shared])
            doc_ids[case] = doc.id
    yield World(store, org_ids, doc_ids)
    store.close()


def test_the_table_is_the_rule_in_the_issue() -> None:
    """A reading aid: the four rows say what the issue says."""
    assert all(SEES["admin"].values())
    assert [k for k, v in SEES["public"].items() if v] == ["public"]
    assert [k for k, v in SEES["staff"].items() if not v] == ["other"]
    assert [k for k, v in SEES["member"].items() if not v] == ["unowned", "other"]


@pytest.mark.parametrize(("name", "role", "org"), VIEWERS, ids=[v[0] for v in VIEWERS])
@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_matrix(world: World, name: str, role: str, org: str | None, case: Case) -> None:
    viewer = world.viewer(role, org)
    want = expected(role, org, case)
    doc_id = world.doc_ids[case]
    with world.store.session() as session:
        in_sql = session.scalar(
            select(Document.id).where(Document.id == doc_id, visible_documents(viewer))
        )
        assert (in_sql is not None) is want, f"visible_documents for {name} on {case.label}"
        assert can_see(session, viewer, doc_id) is want, f"can_see for {name} on {case.label}"
        hits = search(session, case.word, viewer=viewer)
        assert [h.document_id for h in hits] == ([doc_id] if want else []), "search"


@pytest.mark.parametrize(("name", "role", "org"), VIEWERS, ids=[v[0] for v in VIEWERS])
def test_visible_sets_and_shared_word_search(
    world: World, name: str, role: str, org: str | None
) -> None:
    """The whole set at once, and a word every document holds: a search returns exactly the
    visible documents, no more."""
    viewer = world.viewer(role, org)
    want = {world.doc_ids[c] for c in CASES if expected(role, org, c)}
    with world.store.session() as session:
        got = set(session.scalars(select(Document.id).where(visible_documents(viewer))))
        assert got == want
        hits = search(session, "firewalls", viewer=viewer, limit=500)
        assert {h.document_id for h in hits} == want


def test_constants_and_semantic_shortcut(world: World) -> None:
    assert OWNER.sees_everything and not ANONYMOUS.sees_everything
    assert ANONYMOUS.role is Role.PUBLIC and ANONYMOUS.organisation_id is None
    assert not Viewer(Role.STAFF, 1).sees_everything
    searcher = Searcher(world.store)  # the embedding model is not loaded for this
    with world.store.session() as session:
        # only a viewer who sees everything lets the search engines skip the scope check
        assert searcher.scope(session, Request("x", viewer=OWNER)).everything
        staff = world.viewer("staff", "network")
        scope = searcher.scope(session, Request("x", viewer=staff))
        assert not scope.everything and 0 < len(scope.listed().ids) < len(CASES)


def test_nonexistent_document_is_not_seen_even_by_admin(world: World) -> None:
    with world.store.session() as session:
        assert can_see(session, OWNER, 10**9) is False


def test_member_without_organisation_and_unknown_levels(store: Store) -> None:
    """Fail closed: no organisation means no restricted document; an access value outside
    the vocabulary is for admins only."""
    with store.session() as session, session.begin():
        for n, access in enumerate(("restricted", "secret")):
            session.add(
                Document(
                    title=access, origin="t", sha256=f"{n:064x}", blob_path="x",
                    mime="text/plain", size_bytes=1, access=access,
                )
            )  # fmt: skip
    with store.session() as session:
        ids = {access: id_ for access, id_ in session.execute(select(Document.access, Document.id))}
        lonely = Viewer(Role.MEMBER)
        assert not can_see(session, lonely, ids["restricted"])
        for viewer in (ANONYMOUS, lonely, Viewer(Role.STAFF, None), Viewer(Role.MEMBER, 1)):
            assert not can_see(session, viewer, ids["secret"])
        assert can_see(session, OWNER, ids["secret"])
        assert can_see(session, Viewer(Role.STAFF, None), ids["restricted"])  # unowned


def test_share_unshare_and_cascade(store: Store) -> None:
    with store.session() as session, session.begin():
        a, b = Organisation(name="A"), Organisation(name="B")
        session.add_all([a, b])
        doc = Document(
            title="t", origin="t", sha256="0" * 64, blob_path="x", mime="text/plain",
            size_bytes=1, access="restricted", organisation=a,
        )  # fmt: skip
        session.add(doc)
        session.flush()
        member_b = Viewer(Role.MEMBER, b.id)
        assert not can_see(session, member_b, doc.id)
        share(session, doc.id, b.id)
        share(session, doc.id, b.id)  # twice is harmless
        assert can_see(session, member_b, doc.id)
        unshare(session, doc.id, b.id)
        assert not can_see(session, member_b, doc.id)
        with pytest.raises(ValueError, match="no document"):
            share(session, 999, b.id)
        with pytest.raises(ValueError, match="no organisation"):
            share(session, doc.id, 999)
        share(session, doc.id, b.id)
        doc_id = doc.id
    with store.session() as session, session.begin():
        session.delete(session.get(Document, doc_id))
    with store.session() as session:
        assert session.scalars(select(DocumentShare)).all() == []


def test_up_to_levels_for_benchmarks() -> None:
    from evidencia.model import AccessLevel

    assert Viewer.up_to(AccessLevel.PUBLIC) == ANONYMOUS
    assert Viewer.up_to(AccessLevel.NETWORK).role is Role.MEMBER
    assert Viewer.up_to(AccessLevel.RESTRICTED).sees_everything

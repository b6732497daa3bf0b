"""Lexical search: what people type works, hits cite, access levels filter."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidencia.access import ANONYMOUS, Role, Viewer
from evidencia.ingest.pipeline import Ingestor
from evidencia.model import AccessLevel
from evidencia.search.lexical import search
from evidencia.search.query import QueryError, to_fts
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta


@pytest.mark.parametrize(
    ("typed", "fts"),
    [
        ("Free in, Free out", '"Free" "in" "Free" "out"'),
        ('"free in" OR firewall*', '"free in" OR "firewall"*'),
        ("health -covid", '"health" NOT "covid"'),
        ("l'aide médicale", '"l aide" "médicale"'),
        ("(police OR justice) AND", '( "police" OR "justice" )'),
        ("paragraph 4(b)", '"paragraph" "4 b"'),
        ("police (children OR minors)", '"police" AND ( "children" OR "minors" )'),
    ],
)
def test_typed_queries_become_safe_fts(typed: str, fts: str) -> None:
    assert to_fts(typed) == fts


def test_empty_queries_are_refused() -> None:
    for typed in ("", "  ", "NOT", ",;"):
        with pytest.raises(QueryError):
            to_fts(typed)


@pytest.fixture
def corpus(store: Store, tmp_path: Path) -> Store:
    texts = {
        "public.md": ("# Regularización\n\nEl arraigo social permite la regularización tras "
                      "tres años de residencia en España.\n", AccessLevel.PUBLIC),
        "network.md": ("# Firewalls\n\nFirewalls separate health services from immigration "
                       "enforcement in several member states.\n", AccessLevel.NETWORK),
        "restricted.md": ("# Testimony\n\nI feared that reporting the firewall breach would "
                          "lead the police to my employer.\n", AccessLevel.RESTRICTED),
    }  # fmt: skip
    metas = {}
    for name, (body, level) in texts.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
        metas[name] = DocumentMeta(access=level)
    Ingestor(store, workers=1).run([tmp_path / n for n in texts], lambda p: metas[p.name])
    return store


def test_diacritics_prefix_phrase_and_boolean(corpus: Store) -> None:
    with corpus.session() as session:
        assert search(session, "regularizacion")[0].title == "Regularización"
        assert {h.title for h in search(session, "firewall*")} == {"Firewalls", "Testimony"}
        assert [h.title for h in search(session, '"immigration enforcement"')] == ["Firewalls"]
        assert [h.title for h in search(session, "firewall* NOT police")] == ["Firewalls"]
        assert search(session, "arraigo OR employer", limit=1)[0].snippet.count("<mark>") == 1


def test_access_levels_filter_inside_the_search(corpus: Store) -> None:
    with corpus.session() as session:
        public_only = search(session, "firewall* OR arraigo", viewer=ANONYMOUS)
        assert [h.title for h in public_only] == ["Regularización"]
        member = Viewer(Role.MEMBER, organisation_id=99)  # of an organisation owning nothing
        network = search(session, "firewall* OR arraigo", viewer=member)
        assert {h.access for h in network} == {"public", "network"}

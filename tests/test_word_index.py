"""The word index of large stores ranks plain words like FTS5 does, keeps to the viewer's
scope, and is never used when out of date."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidencia.access import ANONYMOUS, OWNER
from evidencia.ingest.pipeline import Ingestor
from evidencia.search import lexical, word_index
from evidencia.search.modes import Request, Searcher
from evidencia.search.query import plain_words
from evidencia.search.scope import NO_FILTERS, Filters, Scope
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta
from tests.test_search_scope import DOCS, SECRET

LATE = "# Late\n\nA Schattenbericht from Malta: detention of children continues.\n"


@pytest.fixture
def indexed(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setattr(word_index, "USE_FROM", 1)
    for name, (body, _meta) in DOCS.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    Ingestor(store, workers=1).run([tmp_path / name for name in DOCS], lambda p: DOCS[p.name][1])
    with store.session() as session:
        assert word_index.wanted(session)
    word_index.build(store)
    return store


def _ranked(store: Store, query: str, *, loose: bool, scope_of: Scope | None = None) -> list[int]:
    with store.session() as session:
        scope = scope_of or Scope(session, NO_FILTERS, OWNER)
        scope.session = session
        found = lexical.ranked_by_index(store, scope, query, pool=10, loose=loose)
        assert found is not None
        return [r.passage_id for r in found]


def _fts(store: Store, query: str, *, loose: bool) -> list[int]:
    with store.session() as session:
        return [r.passage_id for r in lexical.ranked(session, query, pool=10, loose=loose)]


@pytest.mark.parametrize(
    ("query", "loose"),
    [("police", False), ("Police crime", False), ("regularización police", True),
     ("report crime to the police", True), ("expulsion", False)],
)  # fmt: skip
def test_same_passages_as_fts5(indexed: Store, query: str, loose: bool) -> None:
    assert set(_ranked(indexed, query, loose=loose)) == set(_fts(indexed, query, loose=loose))


def test_accents_and_case_are_folded(indexed: Store) -> None:
    assert _ranked(indexed, "ESPANA", loose=False) == _ranked(indexed, "España", loose=False)
    assert _ranked(indexed, "espana", loose=False)


def test_the_scope_admits_candidates(indexed: Store) -> None:
    with indexed.session() as session:
        assert _ranked(indexed, SECRET, loose=False)  # the owner finds the testimony
        public = Scope(session, NO_FILTERS, ANONYMOUS)
        assert _ranked(indexed, SECRET, loose=False, scope_of=public) == []
        dutch = Scope(session, Filters(countries=("NL",)), OWNER)
        found = _ranked(indexed, "police crime", loose=True, scope_of=dutch)
        assert found and all(pid in dutch.listed().ids for pid in found)


def test_an_index_out_of_date_is_not_used(indexed: Store, tmp_path: Path) -> None:
    (tmp_path / "late.md").write_text(LATE, encoding="utf-8")
    Ingestor(indexed, workers=1).run([tmp_path / "late.md"], lambda _p: DocumentMeta())
    with indexed.session() as session:
        assert not word_index.is_current(indexed, session)
        scope = Scope(session, NO_FILTERS, OWNER)
        assert lexical.ranked_by_index(indexed, scope, "Schattenbericht", pool=5) is None
    # the searcher falls back to FTS5, which sees the new passage at once
    hits = Searcher(indexed).search(Request("Schattenbericht", 5), "lexical")
    assert [h.title for h in hits] == ["Late"]
    word_index.build(indexed)
    assert _ranked(indexed, "Schattenbericht", loose=False)


def test_only_plain_words_go_to_the_index() -> None:
    assert plain_words("detention of children?", loose=True) == ["detention", "of", "children"]
    assert plain_words("Free in, Free out", loose=False) == ["Free", "in", "out"]
    for query in ('"Free in"', "firewall*", "police AND crime", "-police", "(a b)", "4(b)"):
        assert plain_words(query, loose=True) is None
    assert plain_words("so-called firewall", loose=False) is None
    assert plain_words("so-called firewall", loose=True) == ["so", "called", "firewall"]


def test_a_narrow_scope_is_searched_within(indexed: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the best candidates overall are all outside the scope, the index is asked again
    within the listed scope, rather than returning too few."""
    monkeypatch.setattr(lexical, "SCOPED_MARGIN", 1)
    with indexed.session() as session:
        spanish = Scope(session, Filters(languages=("es",)), OWNER)
        found = lexical.ranked_by_index(indexed, spanish, "police policía", pool=1, loose=True)
        assert found is not None and [r.passage_id for r in found] == sorted(spanish.listed().ids)

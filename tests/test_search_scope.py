"""Filters and facets, and the firewall inside search: what a viewer may not see never
shapes what they are shown (hits, snippets, facet counts, totals)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from evidencia.access import ANONYMOUS, OWNER, Role, Viewer
from evidencia.cli import app
from evidencia.ingest.pipeline import Ingestor
from evidencia.model import AccessLevel, DocumentType
from evidencia.search.lexical import facets, matching, search
from evidencia.search.scope import NO_FILTERS, Filters, Scope
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta
from evidencia.store.schema import Document, Organisation

SECRET = "Zwartewaterkloosterweg"  # a word only the restricted testimony holds

DOCS = {
    "nl-report.md": (
        "# Safe reporting\n\nIn the Netherlands undocumented victims may report a crime to the "
        "police and leave freely, under the Victims' Directive 2012/29/EU.\n",
        DocumentMeta(access=AccessLevel.PUBLIC, doc_type=DocumentType.REPORT,
                     organisation="Secretariat", published=date(2024, 10, 15)),
    ),
    "be-news.md": (
        "# Police\n\nIn Belgium the police must report irregular stay to the Immigration "
        "Office, even when the person came to report a crime.\n",
        DocumentMeta(access=AccessLevel.NETWORK, doc_type=DocumentType.NEWS,
                     organisation="Le Journal", published=date(2022, 3, 1)),
    ),
    "es-ley.md": (
        "# Ley\n\nEn España, la policía no abrirá expediente de expulsión a la víctima que "
        "denuncia un delito de violencia de género.\n",
        DocumentMeta(access=AccessLevel.PUBLIC, doc_type=DocumentType.LEGISLATION,
                     published=date(2021, 1, 1)),
    ),
    "testimony.md": (
        f"# Testimony\n\nWhen I reported the crime to the police in Portugal near the "
        f"{SECRET}, they asked for my papers first.\n",
        DocumentMeta(access=AccessLevel.RESTRICTED, doc_type=DocumentType.TESTIMONY,
                     organisation="Casa Aberta"),
    ),
}  # fmt: skip


@pytest.fixture
def corpus(store: Store, tmp_path: Path) -> Store:
    for name, (body, _meta) in DOCS.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    Ingestor(store, workers=1).run([tmp_path / name for name in DOCS], lambda p: DOCS[p.name][1])
    return store


def _titles(store: Store, query: str, **kw: object) -> set[str]:
    with store.session() as session:
        return {h.title for h in search(session, query, **kw)}  # type: ignore[arg-type]


def test_filters_combine(corpus: Store) -> None:
    crime = "crime OR delito"
    assert _titles(corpus, crime) == {"Safe reporting", "Police", "Ley", "Testimony"}
    assert _titles(corpus, crime, filters=Filters(countries=("NL", "BE"))) == {
        "Safe reporting",
        "Police",
    }
    assert _titles(corpus, crime, filters=Filters(countries=("NL", "BE"), doc_types=("news",))) == {
        "Police"
    }
    assert _titles(corpus, crime, filters=Filters(instruments=("32012L0029",))) == {
        "Safe reporting"
    }
    assert _titles(corpus, crime, filters=Filters(languages=("es",))) == {"Ley"}
    assert _titles(corpus, crime, filters=Filters(since=date(2022, 1, 1))) == {
        "Safe reporting",
        "Police",
    }
    assert _titles(corpus, crime, filters=Filters(until=date(2021, 12, 31))) == {"Ley"}
    assert _titles(corpus, crime, filters=Filters(organisations=("Le Journal",))) == {"Police"}
    assert _titles(corpus, crime, filters=Filters(themes=("health",))) == set()


def test_hits_carry_their_countries_and_instruments(corpus: Store) -> None:
    with corpus.session() as session:
        [hit] = search(session, "freely")
    assert hit.countries == ["NL"] and "32012L0029" in hit.instruments


def test_facets_count_all_matches_in_scope(corpus: Store) -> None:
    with corpus.session() as session:
        counts = facets(session, "police")
    assert dict(counts["countries"]) == {"NL": 1, "BE": 1, "PT": 1}
    assert dict(counts["doc_types"]) == {"report": 1, "news": 1, "testimony": 1}
    assert dict(counts["years"]) == {"2024": 1, "2022": 1}


@pytest.mark.parametrize(
    ("role", "organisation"),
    [(Role.PUBLIC, None), (Role.MEMBER, "Le Journal"), (Role.STAFF, "Secretariat")],
)
def test_restricted_words_never_reach_a_lower_viewer(
    corpus: Store, role: Role, organisation: str | None
) -> None:
    """Casa Aberta's testimony is hidden from the public, from another organisation's member,
    and from the network's staff (it was not shared with them)."""
    with corpus.session() as session:
        org_id = session.scalar(select(Organisation.id).where(Organisation.name == organisation))
        viewer = Viewer(role, org_id) if organisation else ANONYMOUS
        # the restricted document exists and is found by someone cleared for it
        assert search(session, SECRET, viewer=OWNER)
        # ...but for this viewer: no hit, no snippet, no count, no total
        assert search(session, SECRET, viewer=viewer) == []
        total = session.scalar(
            select(func.count()).select_from(matching(SECRET, viewer=viewer).subquery())
        )
        assert total == 0
        assert all(values == [] for values in facets(session, SECRET, viewer=viewer).values())
        for hit in search(session, "police OR crime OR papers", viewer=viewer, limit=50):
            assert SECRET not in hit.text and SECRET not in hit.snippet
            assert hit.access != "restricted"
        counts = facets(session, "police", viewer=viewer)
        assert "PT" not in dict(counts["countries"])
        assert "testimony" not in dict(counts["doc_types"])
        assert "Casa Aberta" not in dict(counts["organisations"])


def test_cli_filters_facets_and_json(cli: CliRunner, home: Path, tmp_path: Path) -> None:
    for name, (body, _meta) in DOCS.items():
        if name != "testimony.md":
            (tmp_path / name).write_text(body, encoding="utf-8")
            cli.invoke(app, ["ingest", "--home", str(home), str(tmp_path / name)])
    result = cli.invoke(
        app, ["search", "--home", str(home), "--json", "--facets", "--country", "nl", "crime"]
    )
    assert result.exit_code == 0, result.output
    *hits, last = [json.loads(line) for line in result.stdout.splitlines()]
    assert [h["countries"] for h in hits] == [["NL"]]
    expected = {"document_id", "title", "page", "passage_id", "text", "snippet", "score"}
    assert expected | {"countries", "themes", "language"} <= set(hits[0])
    assert last["facets"]["countries"] == [["NL", 1]]
    bad = cli.invoke(app, ["search", "--home", str(home), "--since", "yesterday", "crime"])
    assert bad.exit_code == 2

    grouped = cli.invoke(
        app, ["search", "--home", str(home), "--json", "--group", "--mode", "lexical", "police"]
    )
    groups = [json.loads(line) for line in grouped.stdout.splitlines()]
    assert sorted(g["title"] for g in groups) == ["Police", "Safe reporting"]
    assert all(h["document_id"] == g["document_id"] for g in groups for h in g["hits"])


def test_a_kept_listing_is_never_used_after_access_changes(corpus: Store) -> None:
    """Scopes listed once are kept for later requests; making a document restricted must
    take its passages out of the very next request's scope."""
    with corpus.session() as session:
        before = Scope(session, NO_FILTERS, ANONYMOUS).listed().ids
        doc = session.scalars(select(Document).where(Document.title == "Safe reporting")).one()
        shown = {p.id for p in doc.passages}
        assert shown <= before
        assert Scope(session, NO_FILTERS, ANONYMOUS).listed().ids == before  # kept
        doc.access = AccessLevel.RESTRICTED.value
        session.commit()
    with corpus.session() as session:
        after = Scope(session, NO_FILTERS, ANONYMOUS)
        assert not shown & after.listed().ids
        assert not after.admit(shown)

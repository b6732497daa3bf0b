"""The network's own documents, read from text and from PDF, DOCX and HTML renderings of it.

The seeds reach us as text converted from PDF; the project's renderers turn them back into
every format so each reader is tested on the same real content with known pages and notes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from evidencia.ingest.pipeline import OK, Ingestor
from evidencia.ingest.readers.text import parse_text
from evidencia.render import render
from evidencia.search.lexical import search
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta
from evidencia.store.schema import Document, DocumentLink, Footnote, Passage
from tests.conftest import STRATEGY, SUBMISSION, needs_seeds

pytestmark = needs_seeds
FORMATS = ("pdf", "docx", "html")


@pytest.fixture(scope="module")
def seed_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("seeds")
    doc = parse_text(SUBMISSION.read_text(encoding="utf-8"))
    files = {"txt": SUBMISSION}
    for fmt in FORMATS:
        files[fmt] = render(doc, fmt, folder / f"submission.{fmt}")
    return files


@pytest.fixture(scope="module")
def seeded(
    seed_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, dict[str, int]]]:
    from evidencia.config import Home

    store = Store(Home(tmp_path_factory.mktemp("home")))
    results = Ingestor(store, workers=2).run(
        [*seed_files.values(), STRATEGY], lambda _p: DocumentMeta()
    )
    assert [r.status for r in results] == [OK] * 5, [r.error for r in results]
    ids = {fmt: r.document_id for fmt, r in zip([*seed_files, "strategy"], results, strict=True)}
    yield store, {k: v for k, v in ids.items() if v is not None}
    store.close()


def test_all_four_formats_keep_the_structure(seeded: tuple[Store, dict[str, int]]) -> None:
    store, ids = seeded
    with store.session() as session:
        for fmt in ("txt", *FORMATS):
            doc = session.get(Document, ids[fmt])
            assert doc is not None
            assert doc.language == "en"
            assert len(doc.footnotes) == 64, fmt
            headings = {h for p in doc.passages for h in p.heading_path}
            assert "Access to justice and services for undocumented victims" in headings, fmt
            assert "Digital technologies in the context of border governance" in headings, fmt
        pdf = session.get(Document, ids["pdf"])
        assert pdf is not None and pdf.page_count is not None and pdf.page_count >= 5
        assert all(p.page is not None for p in pdf.passages)


@pytest.mark.parametrize("fmt", ["txt", *FORMATS])
def test_footnote_11_is_linked_to_the_netherlands_passage(
    seeded: tuple[Store, dict[str, int]], fmt: str
) -> None:
    store, ids = seeded
    with store.session() as session:
        note = session.scalar(
            select(Footnote).where(Footnote.document_id == ids[fmt], Footnote.label == "11")
        )
        assert note is not None
        assert "Unconditional access to services for undocumented victims of crime" in note.text
        citing = note.passages
        assert len(citing) == 1
        assert "Free in, Free out" in citing[0].text
        assert citing[0].text.startswith("The Netherlands has created a policy")


def test_renderings_are_linked_as_versions_of_the_text(
    seeded: tuple[Store, dict[str, int]],
) -> None:
    store, ids = seeded
    with store.session() as session:
        links = session.scalars(select(DocumentLink)).all()
        linked = {(link.document_id, link.other_id) for link in links}
        for fmt in FORMATS:
            assert (ids[fmt], ids["txt"]) in linked, fmt
        assert not any(ids["strategy"] in pair for pair in linked)


def test_free_in_free_out_finds_the_netherlands_passage_with_its_page(
    seeded: tuple[Store, dict[str, int]],
) -> None:
    store, ids = seeded
    with store.session() as session:
        hits = search(session, "Free in, Free out", limit=5)
        first = hits[0]
        assert first.text.startswith("The Netherlands has created a policy")
        assert first.document_id == ids["pdf"]  # the copy that can be cited to a page
        assert first.page == 3
        assert set(first.also_in) == {ids["txt"], ids["docx"], ids["html"]}
        assert [n["label"] for n in first.footnotes] == ["11", "12"]
        passage = session.get(Passage, first.passage_id)
        assert passage is not None and passage.page == first.page

"""Ingestion end to end on a real SQLite store: passages, languages, duplicates, versions."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from evidencia.config import Home
from evidencia.ingest.passages import MAX_CHARS, make_passages
from evidencia.ingest.pipeline import DUPLICATE, FAILED, OK, Ingestor
from evidencia.model import AccessLevel, Block, BlockKind, DocumentType, ReadDocument
from evidencia.render import render
from evidencia.search.lexical import search
from evidencia.store.check import check
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta
from evidencia.store.schema import Document, Ingestion, Passage

MULTILINGUAL = """# Evidence across Europe

## Nederland

Ongedocumenteerde slachtoffers kunnen aangifte doen zonder dat de politie hun verblijfsstatus
controleert. Organisaties melden dat deze regeling vertrouwen opbouwt bij gemeenschappen.

## España

Las personas migrantes en situación irregular pueden denunciar la violencia de género sin que se
abra un expediente de expulsión mientras dure el procedimiento penal.

## Ελλάδα

Οι οργανώσεις της κοινωνίας των πολιτών καταγγέλλουν ότι η αστυνομία χρησιμοποιεί φορητές
συσκευές για τη λήψη δακτυλικών αποτυπωμάτων κατά τους ελέγχους στον δρόμο.
"""


def _ingest(store: Store, *paths: Path, meta: DocumentMeta | None = None) -> list:  # type: ignore[type-arg]
    return Ingestor(store, workers=2).run(list(paths), lambda _p: meta or DocumentMeta())


def test_passages_carry_headings_languages_and_offsets(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "evidence.md"
    path.write_text(MULTILINGUAL, encoding="utf-8")
    meta = DocumentMeta(
        doc_type=DocumentType.BRIEFING, access=AccessLevel.NETWORK, organisation="X"
    )
    [result] = _ingest(store, path, meta=meta)
    assert result.status == OK and result.passages == 3
    with store.session() as session:
        doc = session.get(Document, result.document_id)
        assert doc is not None
        assert doc.access == "network" and doc.doc_type == "briefing"
        assert doc.organisation is not None and doc.organisation.name == "X"
        assert [p.language for p in doc.passages] == ["nl", "es", "el"]
        assert set(doc.languages) == {"nl", "es", "el"}
        assert [p.heading_path for p in doc.passages] == [
            ["Evidence across Europe", "Nederland"],
            ["Evidence across Europe", "España"],
            ["Evidence across Europe", "Ελλάδα"],
        ]
        full = "\n\n".join(p.text for p in doc.passages)
        for p in doc.passages:
            assert full[p.char_start : p.char_end] == p.text
        assert not Path(doc.blob_path).is_absolute()
        assert (store.home.root / doc.blob_path).read_bytes() == path.read_bytes()


def test_passages_never_cross_pages_and_stay_paragraph_sized(store: Store, tmp_path: Path) -> None:
    sentence = "Undocumented workers reported unpaid wages to the labour inspectorate in {}. "
    blocks = [Block("Labour rights", BlockKind.HEADING, level=1)]
    blocks += [Block(sentence.format(year) * 9) for year in range(2000, 2040)]
    blocks.append(Block((sentence.format(2050) * 40).strip()))  # one very long paragraph
    pdf = render(ReadDocument(blocks=blocks, title="Labour"), "pdf", tmp_path / "long.pdf")
    [result] = _ingest(store, pdf)
    assert result.status == OK
    with store.session() as session:
        passages = session.scalars(
            select(Passage).where(Passage.document_id == result.document_id).order_by(Passage.order)
        ).all()
        assert len({p.page for p in passages}) >= 4
        assert all(p.page is not None for p in passages)
        assert all(len(p.text) <= MAX_CHARS for p in passages)
        assert all(p.heading_path[-1] == "Labour rights" for p in passages)
        pages = [p.page or 0 for p in passages]
        assert pages == sorted(pages)


def test_long_paragraphs_are_cut_at_sentence_ends() -> None:
    text = " ".join(f"Sentence number {i} about detention of children." for i in range(80))
    passages = make_passages([Block(text, footnote_refs=["4"])])
    assert len(passages) > 1
    assert all(p.text.endswith(".") for p in passages)
    assert [p.footnote_refs for p in passages][-1] == ["4"]
    assert " ".join(p.text for p in passages) == text


def test_same_file_twice_is_a_duplicate_and_versions_are_linked(
    store: Store, tmp_path: Path
) -> None:
    doc = ReadDocument(
        blocks=[Block("Regularisation", BlockKind.HEADING, level=1)]
        + [
            Block(f"In {y} the scheme admitted applications from workers in care." * 3)
            for y in range(1990, 2010)
        ],
        title="Regularisation",
    )
    pdf = render(doc, "pdf", tmp_path / "reg.pdf")
    docx = render(doc, "docx", tmp_path / "reg.docx")
    copy = tmp_path / "copy-of-reg.pdf"
    shutil.copy(pdf, copy)
    by_path = {Path(r.path).name: r for r in _ingest(store, pdf, docx, copy)}
    assert by_path["copy-of-reg.pdf"].status == DUPLICATE
    assert by_path["reg.pdf"].status == OK and by_path["reg.docx"].status == OK
    assert by_path["reg.docx"].versions == [by_path["reg.pdf"].document_id]
    again = _ingest(store, pdf)
    assert again[0].status == DUPLICATE
    assert again[0].document_id == by_path["reg.pdf"].document_id
    assert "same content as document" in (again[0].error or "")
    with store.session() as session:
        assert session.query(Document).count() == 2
        statuses = [i.status for i in session.scalars(select(Ingestion).order_by(Ingestion.id))]
        assert statuses.count(DUPLICATE) == 2 and statuses.count(OK) == 2


def test_data_directory_can_be_moved(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text("# Health\n\nAccess to health care for undocumented children in Belgium.\n")
    assert _ingest(store, path)[0].status == OK
    store.close()
    moved = tmp_path / "moved"
    shutil.copytree(store.home.root, moved)
    shutil.rmtree(store.home.root)
    reopened = Store(Home(moved))
    assert check(reopened).ok
    with reopened.session() as session:
        assert search(session, "health children")[0].title == "Health"
    reopened.close()


def test_check_detects_missing_and_altered_originals(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text("# Detention\n\nChildren should never be detained for migration reasons.\n")
    [result] = _ingest(store, path)
    assert check(store).ok
    with store.session() as session:
        doc = session.get(Document, result.document_id)
        assert doc is not None
        blob = store.home.root / doc.blob_path
    blob.write_bytes(blob.read_bytes().replace(b"never", b"NEVER"))
    report = check(store)
    assert not report.ok and "does not match its sha256" in report.problems[0]
    blob.unlink()
    assert "original missing" in check(store).problems[0]


def test_a_failed_file_is_recorded_and_others_are_stored(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    good = tmp_path / "good.md"
    good.write_text(
        "# Justice\n\nVictims must be able to report crime safely, whatever their status.\n"
    )
    results = _ingest(store, bad, good)
    assert [r.status for r in results] == [FAILED, OK]
    assert results[0].error
    with store.session() as session:
        failed = session.scalar(select(Ingestion).where(Ingestion.status == FAILED))
        assert failed is not None and failed.path == str(bad) and failed.error == results[0].error

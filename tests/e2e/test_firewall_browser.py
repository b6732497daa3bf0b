"""The firewall in a real browser: an owner downloads what a testimony holds about one
person, an admin erases a document for good from its page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from evidencia.ingest.pipeline import Ingestor
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta
from evidencia.store.schema import Document
from tests.e2e.conftest import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e


def test_an_owner_downloads_a_subject_export(page: Page, e2e_store: Store, shots: Path) -> None:
    with e2e_store.session() as session:
        testimony = session.scalar(
            select(Document.id).where(Document.title.startswith("Testimonio"))
        )
    assert testimony is not None
    log_in(page, "ana@puentes.example")
    page.goto(f"/documents/{testimony}")
    field = page.locator("#subject-pseudonym")
    assert field.input_value() == "[PERSON 1]"
    page.screenshot(path=str(shots / "subject-export-form.png"), full_page=True)
    with page.expect_download() as info:
        page.locator("#subject-form button[type=submit]").click()
    download = info.value
    assert download.suggested_filename == f"document-{testimony}-person-1.json"
    exported = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert exported["pseudonym"] == "[PERSON 1]" and exported["stands_for"]
    assert exported["document"]["id"] == testimony


def test_an_admin_erases_a_document_from_its_page(
    page: Page, e2e_store: Store, tmp_path: Path, shots: Path
) -> None:
    note = tmp_path / "to-erase.md"
    note.write_text("# A note to erase\n\nWritten to be erased by the browser test.\n")
    (result,) = Ingestor(e2e_store, workers=1).run([note], lambda _p: DocumentMeta())
    doc = result.document_id
    assert doc is not None
    log_in(page, "admin@example.org")
    page.goto(f"/documents/{doc}")
    page.locator("section.erase summary").click()
    page.fill("#erase-confirm", str(doc))
    page.screenshot(path=str(shots / "erase-form.png"), full_page=True)
    page.locator("#erase-form button[type=submit]").click()
    page.wait_for_url(f"**/documents?erased={doc}")
    assert f"Document {doc} was erased" in page.locator("#erased-notice").inner_text()
    page.goto(f"/documents/{doc}")
    assert page.locator("#error-title").inner_text() == "Not found"
    with e2e_store.session() as session:
        assert session.get(Document, doc) is None

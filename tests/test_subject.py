"""Redaction at ingest and the subject-access export: a testimony's personal data never
reaches the passages, the pseudonym map is sealed beside the original, and only the
document's owners can export what is held about one pseudonymised person."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from evidencia import accounts, audit, subject
from evidencia.access import Role, Viewer
from evidencia.cli import app
from evidencia.ingest.pipeline import Ingestor
from evidencia.model import AccessLevel, DocumentType
from evidencia.store.db import Store
from evidencia.store.documents import DocumentMeta
from evidencia.store.schema import Document, Passage

TESTIMONY = """Testimony recorded in Brussels

My name is Mariam Okonkwo and my phone number is +32 470 12 34 56.
I worked for a family in Ixelles without a contract.

Mariam says her employer kept her passport. The Belgian police never asked her anything.
"""


@pytest.fixture
def ingested(store: Store, tmp_path: Path) -> tuple[Store, int]:
    path = tmp_path / "testimony.txt"
    path.write_text(TESTIMONY, encoding="utf-8")
    with store.session() as session, session.begin():
        accounts.add_organisation(session, "Casa Amiga")
    meta = DocumentMeta(
        doc_type=DocumentType.TESTIMONY, access=AccessLevel.RESTRICTED, organisation="Casa Amiga"
    )
    (result,) = Ingestor(store, workers=1).run([path], lambda _p: meta)
    assert result.document_id is not None, result.error
    return store, result.document_id


def test_personal_data_never_reaches_the_passages(ingested: tuple[Store, int]) -> None:
    store, doc = ingested
    with store.session() as session:
        texts = " ".join(session.scalars(select(Passage.text).where(Passage.document_id == doc)))
    assert "Okonkwo" not in texts and "470 12 34 56" not in texts and "Mariam" not in texts
    assert "[PERSON 1]" in texts and "[PHONE 1]" in texts
    assert "Ixelles" in texts and "Belgian police" in texts  # the evidence stays
    database = store.home.database.read_bytes()
    assert b"Okonkwo" not in database


def test_owners_export_what_is_held_about_a_pseudonym(
    ingested: tuple[Store, int], cli: CliRunner
) -> None:
    store, doc = ingested
    with store.session() as session:
        org = session.scalar(select(Document.organisation_id).where(Document.id == doc))
    owner = Viewer(Role.MEMBER, organisation_id=org, user_id=5)
    found = subject.export(store, owner, audit.Actor("ana@casa.example", 5), doc, "[PERSON 1]")
    assert any("Okonkwo" in name for name in found.stands_for)
    assert found.passages and all("[PERSON 1]" in p["text"] for p in found.passages)
    for outsider in (Viewer(Role.MEMBER, organisation_id=org + 1), Viewer(Role.STAFF)):
        with pytest.raises(subject.SubjectError) as refused:
            subject.export(store, outsider, audit.Actor("x"), doc, "[PERSON 1]")
        with pytest.raises(subject.SubjectError) as absent:
            subject.export(store, outsider, audit.Actor("x"), doc + 99, "[PERSON 1]")
        # the same answer whether the document exists or not
        assert str(refused.value) == str(absent.value).replace(
            f"document {doc + 99}", f"document {doc}"
        )
    with pytest.raises(subject.SubjectError):
        subject.export(store, owner, audit.Actor("x"), doc, "[PERSON 9]")
    result = cli.invoke(
        app, ["subject-export", str(doc), "[PERSON 1]", "--home", str(store.home.root)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["pseudonym"] == "[PERSON 1]"
    with store.session() as session:
        logged = list(audit.entries(session, action="subject_export"))
    assert len(logged) == 2 and "Okonkwo" not in json.dumps(logged)
    assert audit.verify(store).ok

"""Writing a read document into the store, and the lookups ingestion needs.

One document is written in one transaction: its row, its passages (which the FTS triggers
index in the same transaction), its footnotes and their links, its enrichment results and
its version links. A crash
therefore leaves either the whole document or none of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from evidencia.ingest.worker import Parsed
from evidencia.model import AccessLevel, DocumentType
from evidencia.store.annotations import replace_annotations
from evidencia.store.schema import (
    Document,
    DocumentLink,
    Footnote,
    Organisation,
    Passage,
    PassageFootnote,
)


@dataclass
class DocumentMeta:
    """What the person ingesting says about a file (CLI options or a manifest entry)."""

    title: str | None = None
    doc_type: DocumentType = DocumentType.OTHER
    access: AccessLevel = AccessLevel.PUBLIC
    organisation: str | None = None
    published: date | None = None
    language: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def organisation(session: Session, name: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.name == name))
    if org is None:
        org = Organisation(name=name)
        session.add(org)
        session.flush()
    return org


def by_sha(session: Session, sha: str) -> Document | None:
    return session.scalar(select(Document).where(Document.sha256 == sha))


def write_document(
    session: Session,
    *,
    sha: str,
    blob_path: str,
    origin: str,
    size: int,
    parsed: Parsed,
    meta: DocumentMeta,
    fallback_title: str,
    versions: list[tuple[int, float]],
) -> Document:
    langs = [meta.language] if meta.language else parsed.languages
    doc = Document(
        title=meta.title or parsed.title or fallback_title,
        doc_type=meta.doc_type.value,
        language=langs[0] if langs else None,
        languages=langs,
        published=meta.published or _iso_date(parsed.metadata.get("date")),
        origin=origin,
        sha256=sha,
        blob_path=blob_path,
        mime=parsed.mime,
        size_bytes=size,
        page_count=parsed.page_count,
        access=meta.access.value,
        organisation=organisation(session, meta.organisation) if meta.organisation else None,
        minhash=parsed.signature,
        meta={**parsed.metadata, **meta.extra},
    )
    session.add(doc)
    session.flush()
    all_notes = [
        Footnote(document_id=doc.id, label=draft.label, text=draft.text, page=draft.page)
        for draft in parsed.footnotes
    ]
    session.add_all(all_notes)
    session.flush()
    notes: dict[str, Footnote] = {}
    for note in all_notes:
        notes.setdefault(note.label, note)
    # one executemany, then the ids in order: the ORM's per-row INSERT dominated ingest time
    session.execute(
        insert(Passage),
        [
            {
                "document_id": doc.id,
                "order": p.order,
                "page": p.page,
                "heading_path": p.heading_path,
                "text": p.text,
                "char_start": p.char_start,
                "char_end": p.char_end,
                "language": p.language,
            }
            for p in parsed.passages
        ],
    )
    passage_ids = session.scalars(
        select(Passage.id).where(Passage.document_id == doc.id).order_by(Passage.order)
    ).all()
    links = {
        (passage_id, notes[label].id)
        for passage_id, draft in zip(passage_ids, parsed.passages, strict=True)
        for label in draft.footnote_refs
        if label in notes
    }
    session.add_all(PassageFootnote(passage_id=p, footnote_id=f) for p, f in sorted(links))
    replace_annotations(
        session, doc.id, list(passage_ids), [n.id for n in all_notes], parsed.enriched
    )
    for other_id, similarity in versions:
        session.add(
            DocumentLink(
                document_id=doc.id, other_id=other_id, kind="version", similarity=similarity
            )
        )
    return doc


def _iso_date(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None

"""The data model, as SQLAlchemy tables. Alembic migrations (``store/migrations``) create it.

Paths are stored relative to the data directory so a data directory can be moved whole.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Organisation(Base):
    """A source of documents: the network itself or one of its members."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Document(Base):
    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    doc_type: Mapped[str] = mapped_column(String(32), default="other", index=True)
    language: Mapped[str | None] = mapped_column(String(8), index=True)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    published: Mapped[date | None] = mapped_column(Date)
    origin: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    blob_path: Mapped[str] = mapped_column(Text)
    mime: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int | None] = mapped_column(Integer)
    access: Mapped[str] = mapped_column(String(16), default="public", index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    minhash: Mapped[bytes | None] = mapped_column()
    meta: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organisation: Mapped[Organisation | None] = relationship()
    passages: Mapped[list[Passage]] = relationship(
        back_populates="document", order_by="Passage.order", cascade="all, delete-orphan"
    )
    footnotes: Mapped[list[Footnote]] = relationship(
        back_populates="document", order_by="Footnote.id", cascade="all, delete-orphan"
    )


class Passage(Base):
    """A paragraph-sized, citable unit: never crosses a page, carries its heading path."""

    __tablename__ = "passage"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    order: Mapped[int] = mapped_column("ord", Integer)
    page: Mapped[int | None] = mapped_column(Integer)
    heading_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text)
    char_start: Mapped[int] = mapped_column(Integer)
    char_end: Mapped[int] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(8))

    document: Mapped[Document] = relationship(back_populates="passages")
    footnotes: Mapped[list[Footnote]] = relationship(
        secondary="passage_footnote", back_populates="passages", order_by="Footnote.id"
    )


class Footnote(Base):
    __tablename__ = "footnote"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)

    document: Mapped[Document] = relationship(back_populates="footnotes")
    passages: Mapped[list[Passage]] = relationship(
        secondary="passage_footnote", back_populates="footnotes"
    )


class PassageFootnote(Base):
    """Which passage cites which footnote (a footnote may be cited more than once)."""

    __tablename__ = "passage_footnote"

    passage_id: Mapped[int] = mapped_column(
        ForeignKey("passage.id", ondelete="CASCADE"), primary_key=True
    )
    footnote_id: Mapped[int] = mapped_column(
        ForeignKey("footnote.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class DocumentLink(Base):
    """A relation between documents found by de-duplication: near-identical versions."""

    __tablename__ = "document_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    other_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="version")
    similarity: Mapped[float] = mapped_column(Float)


class Ingestion(Base):
    """One attempt to ingest one file: failures are data, visible and re-runnable."""

    __tablename__ = "ingestion"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(Text, index=True)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    reader: Mapped[str | None] = mapped_column(String(32))
    mime: Mapped[str | None] = mapped_column(String(100))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id", ondelete="SET NULL"))
    passages: Mapped[int] = mapped_column(Integer, default=0)
    read_seconds: Mapped[float | None] = mapped_column(Float)
    total_seconds: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Annotation(Base):
    """Something an enricher found in a passage or a footnote, with its provenance.

    Exactly one of ``passage_id`` and ``footnote_id`` is set. ``enricher`` and ``version``
    say which code produced the row, so a newer enricher replaces exactly its own results.
    """

    __tablename__ = "annotation"
    __table_args__ = (
        Index("ix_annotation_enricher_key", "enricher", "key"),
        Index("ix_annotation_document_enricher", "document_id", "enricher"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    passage_id: Mapped[int | None] = mapped_column(
        ForeignKey("passage.id", ondelete="CASCADE"), index=True
    )
    footnote_id: Mapped[int | None] = mapped_column(
        ForeignKey("footnote.id", ondelete="CASCADE"), index=True
    )
    enricher: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    attrs: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: how sure the enricher is, 0 to 1, where it weighs rather than matches (theme tags)
    score: Mapped[float | None] = mapped_column(Float)


class TagReview(Base):
    """A person's decision on a theme or outcome tag of a passage: the ledger the tagger
    learns from, and what outranks the model whenever passages are tagged again.

    One decision per passage and tag; deciding again replaces it. ``score`` and ``origin``
    record what the person was shown (the model's score and which model or rule suggested
    it), so a retrain can weigh disagreements with the model it replaces.
    """

    __tablename__ = "tag_review"
    __table_args__ = (Index("ix_tag_review_passage_key", "passage_id", "key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    passage_id: Mapped[int] = mapped_column(ForeignKey("passage.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float)
    origin: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(Base):
    """One entry of the append-only audit log: who did what to which restricted material.

    Entries are chained: ``hash`` covers the entry and the previous entry's hash, so a
    changed, removed or reordered entry breaks the chain (``evidencia audit verify``).
    ``document_id`` and ``user_id`` are plain numbers, not foreign keys, because the log
    must outlive what it speaks of (an erased document, a removed account). It records
    what happened, never the content.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32), index=True)
    document_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Enrichment(Base):
    """That an enricher, at a version, has processed a document (even if it found nothing):
    what makes ``evidencia enrich`` incremental and re-runnable after a crash."""

    __tablename__ = "enrichment"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), primary_key=True
    )
    enricher: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[str] = mapped_column(String(16))
    annotations: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FrameworkRecord(Base):
    """A strategy framework loaded into this data directory; one is active at a time."""

    __tablename__ = "framework"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)  # the YAML as loaded, so it can be shown again
    active: Mapped[bool] = mapped_column(default=False)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FrameworkNode(Base):
    """One node of a framework (theme, priority, area, objective, outcome), flattened so
    that tags and reports can join on its stable id."""

    __tablename__ = "framework_node"

    framework_id: Mapped[str] = mapped_column(
        ForeignKey("framework.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    parent_id: Mapped[str | None] = mapped_column(String(100))
    theme: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    order: Mapped[int] = mapped_column("ord", Integer)


class User(Base):
    """A person who logs in to the web application or calls the API.

    ``role`` is one of ``access.Role`` (admin, staff, member); the anonymous public has no row.
    ``organisation_id`` is what restricted documents are matched against (``access.py``).
    The table is ``account`` because ``user`` is a reserved word in PostgreSQL.
    """

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation | None] = relationship()


class ApiToken(Base):
    """A bearer token for the API. Only its SHA-256 is kept: a stolen database yields no
    usable token, and tokens are long random strings, so a fast hash is enough."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class DocumentShare(Base):
    """A restricted document opened to one more organisation than its owner."""

    __tablename__ = "document_share"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Generation(Base):
    """A counter per followed table (``passage``, ``embedding``), bumped by a trigger on every
    change: what tells a derived search index, in one row read, that it is out of date."""

    __tablename__ = "generation"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)

"""Initial schema: organisations, documents, passages, footnotes, ingestions, FTS5.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("doc_type", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("blob_path", sa.Text(), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("access", sa.String(length=16), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("minhash", sa.LargeBinary(), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256"),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_access"), ["access"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_doc_type"), ["doc_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_language"), ["language"], unique=False)

    op.create_table(
        "document_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["other_id"], ["document.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("document_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_link_document_id"), ["document_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_document_link_other_id"), ["other_id"], unique=False)

    op.create_table(
        "footnote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("footnote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_footnote_document_id"), ["document_id"], unique=False)

    op.create_table(
        "ingestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("reader", sa.String(length=32), nullable=True),
        sa.Column("mime", sa.String(length=100), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("passages", sa.Integer(), nullable=False),
        sa.Column("read_seconds", sa.Float(), nullable=True),
        sa.Column("total_seconds", sa.Float(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ingestion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingestion_path"), ["path"], unique=False)
        batch_op.create_index(batch_op.f("ix_ingestion_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_ingestion_status"), ["status"], unique=False)

    op.create_table(
        "passage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("ord", sa.Integer(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("heading_path", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("char_start", sa.Integer(), nullable=False),
        sa.Column("char_end", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("passage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_passage_document_id"), ["document_id"], unique=False)

    op.create_table(
        "passage_footnote",
        sa.Column("passage_id", sa.Integer(), nullable=False),
        sa.Column("footnote_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["footnote_id"], ["footnote.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["passage_id"], ["passage.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("passage_id", "footnote_id"),
    )
    with op.batch_alter_table("passage_footnote", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_passage_footnote_footnote_id"), ["footnote_id"], unique=False
        )

    if op.get_bind().dialect.name == "sqlite":
        _create_sqlite_fts()


def _create_sqlite_fts() -> None:
    """Full-text index over passages, kept in step by triggers inside the same transaction.

    External content (``content='passage'``) stores the text once; ``remove_diacritics 2``
    lets "regularizacion" find "regularización".
    """
    op.execute(
        "CREATE VIRTUAL TABLE passage_fts USING fts5("
        "text, heading_path, content='passage', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER passage_fts_ai AFTER INSERT ON passage BEGIN "
        "INSERT INTO passage_fts(rowid, text, heading_path) "
        "VALUES (new.id, new.text, new.heading_path); END"
    )
    op.execute(
        "CREATE TRIGGER passage_fts_ad AFTER DELETE ON passage BEGIN "
        "INSERT INTO passage_fts(passage_fts, rowid, text, heading_path) "
        "VALUES ('delete', old.id, old.text, old.heading_path); END"
    )
    op.execute(
        "CREATE TRIGGER passage_fts_au AFTER UPDATE ON passage BEGIN "
        "INSERT INTO passage_fts(passage_fts, rowid, text, heading_path) "
        "VALUES ('delete', old.id, old.text, old.heading_path); "
        "INSERT INTO passage_fts(rowid, text, heading_path) "
        "VALUES (new.id, new.text, new.heading_path); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("passage_fts_ai", "passage_fts_ad", "passage_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS passage_fts")
    with op.batch_alter_table("passage_footnote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passage_footnote_footnote_id"))

    op.drop_table("passage_footnote")
    with op.batch_alter_table("passage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passage_document_id"))

    op.drop_table("passage")
    with op.batch_alter_table("ingestion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingestion_status"))
        batch_op.drop_index(batch_op.f("ix_ingestion_sha256"))
        batch_op.drop_index(batch_op.f("ix_ingestion_path"))

    op.drop_table("ingestion")
    with op.batch_alter_table("footnote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_footnote_document_id"))

    op.drop_table("footnote")
    with op.batch_alter_table("document_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_link_other_id"))
        batch_op.drop_index(batch_op.f("ix_document_link_document_id"))

    op.drop_table("document_link")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_language"))
        batch_op.drop_index(batch_op.f("ix_document_doc_type"))
        batch_op.drop_index(batch_op.f("ix_document_access"))

    op.drop_table("document")
    op.drop_table("organisation")

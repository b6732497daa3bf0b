"""Theme tagging: a score on annotations, and the people's decisions on tags.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN: rebuilding the table would drop its change-counter triggers
    op.add_column("annotation", sa.Column("score", sa.Float(), nullable=True))
    op.create_table(
        "tag_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("passage_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("origin", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["passage_id"], ["passage.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tag_review_passage_key", "tag_review", ["passage_id", "key"], unique=True)
    op.create_index("ix_tag_review_document_id", "tag_review", ["document_id"])
    op.create_index("ix_tag_review_user_id", "tag_review", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_tag_review_user_id", table_name="tag_review")
    op.drop_index("ix_tag_review_document_id", table_name="tag_review")
    op.drop_index("ix_tag_review_passage_key", table_name="tag_review")
    op.drop_table("tag_review")
    with op.batch_alter_table("annotation") as batch:
        batch.drop_column("score")

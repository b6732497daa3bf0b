"""Passage embeddings: one vector per passage, with the model that made it.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "embedding",
        sa.Column("passage_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("text_hash", sa.String(length=32), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["passage_id"], ["passage.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("passage_id"),
    )
    op.create_index("ix_embedding_model_text", "embedding", ["model", "text_hash"])
    op.create_index("ix_embedding_model_created", "embedding", ["model", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_embedding_model_created", table_name="embedding")
    op.drop_index("ix_embedding_model_text", table_name="embedding")
    op.drop_table("embedding")

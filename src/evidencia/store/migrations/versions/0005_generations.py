"""Change counters: one number per table that derived indexes follow, bumped by triggers.

A search index kept outside the database (vectors, words) must know whether it still holds
what the database holds, on every query. Counting or summing a million rows to find out
costs tens of milliseconds; reading one counter costs microseconds, and a trigger in the
writing transaction cannot forget to bump it.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: the tables whose every insert, update and delete bumps a counter named after them
FOLLOWED = ("passage", "embedding")


def upgrade() -> None:
    table = op.create_table(
        "generation",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.bulk_insert(table, [{"name": name, "value": 0} for name in FOLLOWED])
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in FOLLOWED:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {name}_generation_{event.lower()} AFTER {event} ON {name} "
                f"BEGIN UPDATE generation SET value = value + 1 WHERE name = '{name}'; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in FOLLOWED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_generation_{event}")
    op.drop_table("generation")

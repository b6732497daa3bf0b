"""Change counters for what decides who may see a passage and which filters it passes:
documents (access level, organisation, type, date), sharing, and annotations.

Search keeps the passages of a scope (a viewer and a set of filters) in memory once listed;
these counters are what makes that safe: a document made restricted, or a share withdrawn,
changes a counter in the same transaction, and no listing made before is used again.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

FOLLOWED = ("document", "document_share", "annotation")


def upgrade() -> None:
    table = sa.table("generation", sa.column("name", sa.String), sa.column("value", sa.Integer))
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
    op.execute("DELETE FROM generation WHERE name IN ('document', 'document_share', 'annotation')")

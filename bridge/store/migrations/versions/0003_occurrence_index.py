"""The occurrence index of recurring items (schema 3).

Stored bounds now follow Radicale's rules; forgetting ETags and Google sync tokens makes the
next sync re-list and rewrite every item (clients see each item change once).

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
    with op.batch_alter_table("items") as batch:
        for column in ("indexed_from", "indexed_until"):
            batch.add_column(sa.Column(column, sa.BigInteger, nullable=False,
                                       server_default="0"))
    op.create_table(
        "occurrences",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("calendar_id", sa.Integer, sa.ForeignKey("calendars.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("href", sa.String(1100), nullable=False),
        sa.Column("start", sa.BigInteger, nullable=False),
        sa.Column("end", sa.BigInteger, nullable=False))
    op.create_index("ix_occurrences_range", "occurrences", ["calendar_id", "start", "end"])
    op.create_index("ix_occurrences_href", "occurrences", ["calendar_id", "href"])
    items = sa.table("items", sa.column("etag"), sa.column("deleted", sa.Boolean))
    op.execute(items.update().where(items.c.deleted.is_(False)).values(etag=None))
    op.execute(sa.table("calendars", sa.column("sync_token")).update().values(sync_token=None))

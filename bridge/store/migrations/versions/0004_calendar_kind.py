"""What a collection holds: a Google calendar's events or a task list (schema 4).

Every collection so far is a calendar's events; ETags, revisions and sync tokens stay valid.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calendars") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False,
                                   server_default="events"))

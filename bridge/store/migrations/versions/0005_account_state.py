"""Accounts that need a new sign-in; which calendars are served (schema 5).

Every account was working and every calendar served so far: the defaults say so.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("state", sa.String(16), nullable=False, server_default="ok"))
        batch.add_column(sa.Column("needs_sign_in_since", sa.Float))
    with op.batch_alter_table("calendars") as batch:
        batch.add_column(sa.Column("selected", sa.Boolean, nullable=False, server_default="1"))
        batch.add_column(sa.Column("hidden", sa.Boolean))

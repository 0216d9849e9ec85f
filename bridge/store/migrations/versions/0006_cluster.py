"""Several processes on one database: periodic job claims and credentials in the database.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("claimed_until", sa.Float, nullable=False))
    op.create_table(
        "credentials",
        sa.Column("account_id", sa.Integer, primary_key=True),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("version", sa.String(64), nullable=False))

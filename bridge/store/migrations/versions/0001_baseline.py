"""The tables of schema 1: users, accounts, calendars, Google's events, items and shadows.

Revision ID: 0001
Revises: -
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False))
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False, unique=True))
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("credentials_path", sa.Text, nullable=False),
        sa.Column("subject", sa.String(320)),
        sa.Column("list_synced", sa.Float, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.UniqueConstraint("user_id", "email"))
    op.create_table(
        "calendars",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("google_id", sa.String(1024), nullable=False),
        sa.Column("slug", sa.String(255), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("summary_override", sa.Text),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("color", sa.String(16)),
        sa.Column("access_role", sa.String(32), nullable=False),
        sa.Column("default_reminders", sa.Text, nullable=False),
        sa.Column("sync_token", sa.Text),
        sa.Column("epoch", sa.String(16), nullable=False),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.Column("min_revision", sa.BigInteger, nullable=False),
        sa.Column("last_sync", sa.Float, nullable=False),
        sa.Column("last_modified", sa.Float, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.UniqueConstraint("account_id", "google_id"),
        sa.UniqueConstraint("user_id", "slug"))
    op.create_table(
        "google_events",
        sa.Column("calendar_id", sa.Integer, sa.ForeignKey("calendars.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("event_id", sa.String(1100), primary_key=True),
        sa.Column("uid", sa.Text, nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("data", sa.Text, nullable=False))
    op.create_index("ix_google_events_uid", "google_events", ["calendar_id", "uid"])
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("calendar_id", sa.Integer, sa.ForeignKey("calendars.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("href", sa.String(1100), nullable=False),
        sa.Column("uid", sa.Text, nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("etag", sa.String(80)),
        sa.Column("start", sa.BigInteger, nullable=False),
        sa.Column("end", sa.BigInteger, nullable=False),
        sa.Column("recurring", sa.Boolean, nullable=False),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("last_modified", sa.Float, nullable=False),
        sa.UniqueConstraint("calendar_id", "href"))
    op.create_index("ix_items_uid", "items", ["calendar_id", "uid"])
    op.create_index("ix_items_revision", "items", ["calendar_id", "revision"])
    op.create_index("ix_items_range", "items", ["calendar_id", "start", "end"])
    op.create_table(
        "shadows",
        sa.Column("calendar_id", sa.Integer, sa.ForeignKey("calendars.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("uid", sa.String(1100), primary_key=True),
        sa.Column("data", sa.Text, nullable=False))

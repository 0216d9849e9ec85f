"""The local store's tables (SQLAlchemy Core, portable between SQLite and PostgreSQL).

Google is the source of truth for event data; these tables are the source of truth for what
CalDAV clients have seen: the rendered resources, their ETags and the per-calendar revision
that every change bumps (ctag and RFC 6578 tokens come from it). Deleted resources stay as
tombstone rows (``deleted``) until pruned, so a sync token can report them.

POSIX-second and revision columns are BigInteger: open-ended series end at 10000-01-01
(253402300800), beyond PostgreSQL's 32-bit INTEGER. (SQLite stores any integer as 64 bits,
so databases written before this need no change.)

The tables change only through an Alembic revision in ``migrations/versions`` that brings
an existing database to exactly these definitions (tests/bridge/store/test_migrations.py
compares the two on both backends).
"""

from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Float, ForeignKey, Index, Integer, MetaData,
                        String, Table, Text, UniqueConstraint)

metadata = MetaData()

meta = Table(
    "meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
)

accounts = Table(
    "accounts", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("email", String(320), nullable=False),
    Column("kind", String(32), nullable=False),            # authorized_user | service_account
    Column("credentials_path", Text, nullable=False),      # a 0600 file, never the secret itself
    Column("subject", String(320)),                        # domain-wide delegation target
    Column("list_synced", Float, nullable=False, default=0.0),
    Column("last_error", Text),
    # ok | needs_sign_in: Google refused the credentials for good (v5)
    Column("state", String(16), nullable=False, default="ok", server_default="ok"),
    Column("needs_sign_in_since", Float),
    UniqueConstraint("user_id", "email"),
)

calendars = Table(
    "calendars", metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("google_id", String(1024), nullable=False),
    Column("slug", String(255), nullable=False),           # the URL path segment, stable
    Column("summary", Text, nullable=False, default=""),
    Column("summary_override", Text),
    Column("description", Text, nullable=False, default=""),
    Column("time_zone", String(64), nullable=False, default="UTC"),
    Column("color", String(16)),                           # #rrggbb
    Column("access_role", String(32), nullable=False, default="reader"),
    Column("default_reminders", Text, nullable=False, default="[]"),   # JSON
    Column("sync_token", Text),                            # Google's nextSyncToken
    Column("epoch", String(16), nullable=False),           # changes only if history is lost
    Column("revision", BigInteger, nullable=False, default=0),
    Column("min_revision", BigInteger, nullable=False, default=0),  # older client tokens: invalid
    Column("last_sync", Float, nullable=False, default=0.0),
    Column("last_modified", Float, nullable=False, default=0.0),
    Column("last_error", Text),
    Column("deleted", Boolean, nullable=False, default=False),
    # What the collection holds: a calendar's events, or (later) a task list (v4).
    Column("kind", String(16), nullable=False, default="events", server_default="events"),
    # Served by default: ticked in Google's list and not hidden there (v5); ``hidden`` is the
    # user's own choice over that (NULL: follow Google).
    Column("selected", Boolean, nullable=False, default=True, server_default="1"),
    Column("hidden", Boolean),
    UniqueConstraint("account_id", "google_id"),
    UniqueConstraint("user_id", "slug"),
)

# Google's events as last seen, grouped into resources by iCalUID.
google_events = Table(
    "google_events", metadata,
    Column("calendar_id", Integer, ForeignKey("calendars.id", ondelete="CASCADE"),
           primary_key=True),
    Column("event_id", String(1100), primary_key=True),
    Column("uid", Text, nullable=False),
    Column("etag", String(64), nullable=False),
    Column("data", Text, nullable=False),                  # the Event resource, JSON
    Index("ix_google_events_uid", "calendar_id", "uid"),
)

# What CalDAV clients see: one resource per iCalUID, or a tombstone.
items = Table(
    "items", metadata,
    Column("id", Integer, primary_key=True),
    Column("calendar_id", Integer, ForeignKey("calendars.id", ondelete="CASCADE"),
           nullable=False),
    Column("href", String(1100), nullable=False),
    Column("uid", Text, nullable=False),
    Column("text", Text),                                  # NULL for a tombstone
    Column("etag", String(80)),
    Column("start", BigInteger, nullable=False, default=0),    # POSIX bounds of all occurrences
    Column("end", BigInteger, nullable=False, default=0),
    Column("recurring", Boolean, nullable=False, default=False),
    Column("revision", BigInteger, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("last_modified", Float, nullable=False),
    # The occurrence index of a recurring item covers [indexed_from, indexed_until).
    Column("indexed_from", BigInteger, nullable=False, default=0),
    Column("indexed_until", BigInteger, nullable=False, default=0),
    UniqueConstraint("calendar_id", "href"),
    Index("ix_items_uid", "calendar_id", "uid"),
    Index("ix_items_revision", "calendar_id", "revision"),
    Index("ix_items_range", "calendar_id", "start", "end"),
)

# What clients wrote that Google cannot hold (see bridge.translate.keep.Shadow), per
# resource: merged back into the rendering so the client gets its own data back.
shadows = Table(
    "shadows", metadata,
    Column("calendar_id", Integer, ForeignKey("calendars.id", ondelete="CASCADE"),
           primary_key=True),
    Column("uid", String(1100), primary_key=True),
    Column("data", Text, nullable=False),                  # JSON: component key → shadow
)

# Google push channels we created (v2). No foreign keys: a row must outlive its calendar or
# account until the channel is stopped at Google. The token is kept only as a SHA-256 hash.
channels = Table(
    "channels", metadata,
    Column("id", String(64), primary_key=True),            # our uuid, X-Goog-Channel-ID
    Column("token_hash", String(64), nullable=False),
    Column("kind", String(16), nullable=False),            # events | list
    Column("account_id", Integer, nullable=False),
    Column("calendar_id", Integer),                        # NULL for the calendar list
    Column("resource_id", String(255)),                    # Google's, once watch answered
    Column("address", Text, nullable=False),
    Column("state", String(16), nullable=False),           # pending | active | retired
    Column("created", Float, nullable=False),
    Column("expiration", Float, nullable=False, default=0.0),
    Column("confirmed", Float),                            # first valid message received
    Index("ix_channels_resource", "kind", "account_id", "calendar_id"),
)

# When recurring items happen, within their indexed horizon (bridge.sync.occurrences).
occurrences = Table(
    "occurrences", metadata,
    Column("id", Integer, primary_key=True),
    Column("calendar_id", Integer, ForeignKey("calendars.id", ondelete="CASCADE"),
           nullable=False),
    Column("href", String(1100), nullable=False),
    Column("start", BigInteger, nullable=False),
    Column("end", BigInteger, nullable=False),
    Index("ix_occurrences_range", "calendar_id", "start", "end"),
    Index("ix_occurrences_href", "calendar_id", "href"),
)

# Periodic background jobs claimed by one process per period (bridge.store.db_leases).
jobs = Table(
    "jobs", metadata,
    Column("name", String(255), primary_key=True),
    Column("claimed_until", Float, nullable=False),        # the database's clock, POSIX s
)

# Google credentials of each account, for processes on several hosts (bridge.store
# credentials): the JSON as given, so the database is as secret as the credential files.
credentials = Table(
    "credentials", metadata,
    Column("account_id", Integer, primary_key=True),
    Column("data", Text, nullable=False),
    Column("version", String(64), nullable=False),         # changes with every replacement
)

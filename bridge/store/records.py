"""Rows to records: the store hands out bridge.model values, never SQLAlchemy rows, so callers
depend on field names, not on columns."""

from __future__ import annotations

from dataclasses import fields
from functools import cache
from typing import Mapping

from sqlalchemy.engine import Row

from ..model import Account, Calendar, Channel, GoogleEvent, Item, Kind, SyncState


@cache
def _names(cls) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _columns(row: Row | Mapping) -> Mapping:
    """A row's values by column key (a mapping, as a prepared read answers, as it is)."""
    return row._mapping if isinstance(row, Row) else row


def _build(cls, row: Row | Mapping, **renamed):
    """A record from the row's columns of the same name; ``renamed`` gives the others."""
    m = _columns(row)
    return cls(**{n: renamed[n] if n in renamed else m[n] for n in _names(cls)})


def account(row: Row) -> Account:
    """From accounts joined with users (``users.name`` labelled ``user``)."""
    return _build(Account, row, credential_type=row.kind)


def calendar(row: Row | Mapping) -> Calendar:
    return _build(Calendar, row, kind=Kind(_columns(row)["kind"]))


def sync_state(row: Row) -> SyncState:
    return _build(SyncState, row)


def item(row: Row) -> Item:
    return _build(Item, row)


def item_prefixed(row: Row | Mapping, prefix: str) -> Item:
    """From columns labelled ``prefix`` + field name (an item joined to another table)."""
    m = _columns(row)
    return Item(**{n: m[prefix + n] for n in _names(Item)})


def google_event(row: Row) -> GoogleEvent:
    return _build(GoogleEvent, row)


def channel(row: Row) -> Channel:
    return _build(Channel, row, kind=Kind(row.kind))


def one(convert, row: Row | None):
    return None if row is None else convert(row)

"""Push channels in the store: the rows the webhook checks notifications against.

Functions over a ``Store`` (reads on their own connection, writes through ``Store.write()``).
A channel is ``pending`` from just before ``watch`` is called (Google may deliver its ``sync``
message before the watch answer arrives), ``active`` once Google accepted it and ``retired``
when it should be stopped at Google; the row is deleted once it is stopped or has expired.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from sqlalchemy import select, update

from ..model import Channel, Kind
from . import records
from .schema import channels
from .store import Store


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(row: Channel, token: str | None) -> bool:
    return token is not None and hmac.compare_digest(row.token_hash, token_hash(token))


def add(store: Store, *, channel_id: str, token: str, kind: Kind | str, account_id: int,
        calendar_id: int | None, address: str, created: float | None = None) -> None:
    with store.write() as tx:
        tx.conn.execute(channels.insert().values(
            id=channel_id, token_hash=token_hash(token), kind=Kind(kind).value,
            account_id=account_id, calendar_id=calendar_id, address=address, state="pending",
            created=time.time() if created is None else created))


def activate(store: Store, channel_id: str, resource_id: str, expiration: float) -> None:
    _set(store, channel_id, state="active", resource_id=resource_id, expiration=expiration)


def confirm(store: Store, channel_id: str) -> None:
    with store.write() as tx:
        tx.conn.execute(update(channels).where(channels.c.id == channel_id,
                                               channels.c.confirmed.is_(None))
                        .values(confirmed=time.time()))


def retire(store: Store, channel_id: str) -> None:
    _set(store, channel_id, state="retired")


def delete(store: Store, channel_id: str) -> None:
    with store.write() as tx:
        tx.conn.execute(channels.delete().where(channels.c.id == channel_id))


def get(store: Store, channel_id: str) -> Channel | None:
    found = _channels(store, channels.c.id == channel_id)
    return found[0] if found else None


def all_channels(store: Store) -> list[Channel]:
    return _channels(store)


def of_account(store: Store, account_id: int) -> list[Channel]:
    return _channels(store, channels.c.account_id == account_id)


def key_column(kind: Kind | str):
    """The column naming a channel's resource: the account for the calendar list, else the
    calendar."""
    return channels.c.account_id if Kind(kind).per_account else channels.c.calendar_id


def healthy(store: Store, kind: Kind | str, key: int, address: str,
            margin: float = 0.0) -> bool:
    """A confirmed, active channel to ``address`` watches the resource (``key``: calendar id
    for events, account id for the calendar list) for ``margin`` more seconds at least."""
    with store.engine.connect() as conn:
        return conn.execute(select(channels.c.id).where(
            channels.c.kind == Kind(kind).value, key_column(kind) == key,
            channels.c.state == "active", channels.c.confirmed.is_not(None),
            channels.c.address == address,
            channels.c.expiration > time.time() + margin).limit(1)).first() is not None


def renews(store: Store, row: Channel) -> bool:
    """Another active channel watches what ``row`` watches: ``row`` is its renewal."""
    with store.engine.connect() as conn:
        return conn.execute(select(channels.c.id).where(
            channels.c.kind == row.kind, key_column(row.kind) == (
                row.account_id if Kind(row.kind).per_account else row.calendar_id),
            channels.c.state == "active", channels.c.id != row.id).limit(1)).first() is not None


def _channels(store: Store, *where) -> list[Channel]:
    with store.engine.connect() as conn:
        return [records.channel(r) for r in conn.execute(
            select(channels).where(*where).order_by(channels.c.created, channels.c.id))]


def _set(store: Store, channel_id: str, **values) -> None:
    with store.write() as tx:
        tx.conn.execute(update(channels).where(channels.c.id == channel_id).values(**values))

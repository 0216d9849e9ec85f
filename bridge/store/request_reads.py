"""The reads every client request makes, as statements built once.

Building a SQLAlchemy statement costs more than running it on SQLite (about 50 µs against
20), and a GET made five of them: user, calendar, its copies, its account, the item. Here the
calendar comes with what deciding whether it is served needs (its account's sign-in state,
how many of the user's accounts list the same Google calendar) and, for a request on one
resource, that resource: one query, built at import and run with parameters. The one-row
reads are ``Prepared`` (compiled once per dialect, run without SQLAlchemy's per-execution
set-up, which cost more than the query itself: see prepared.py).
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import and_, bindparam, func, select

from ..model import Calendar, Item
from . import records
from .prepared import Prepared
from .schema import accounts, calendars, items, users
from .store import Store

_copy = calendars.alias("copy")
_COPIES = (select(func.count()).select_from(_copy)
           .where(_copy.c.user_id == calendars.c.user_id,
                  _copy.c.google_id == calendars.c.google_id, _copy.c.deleted.is_(False))
           .scalar_subquery())


def _calendar_query(*columns, item=None):
    query = (select(calendars, accounts.c.state.label("account_state"),
                    _COPIES.label("copies"), *columns)
             .join(users, calendars.c.user_id == users.c.id)
             .join(accounts, calendars.c.account_id == accounts.c.id))
    if item is not None:
        query = query.outerjoin(item, and_(item.c.calendar_id == calendars.c.id,
                                           item.c.href == bindparam("href"),
                                           item.c.deleted.is_(False)))
    return query.where(users.c.name == bindparam("user"), calendars.c.slug == bindparam("slug"),
                       calendars.c.deleted.is_(False))


_item = items.alias("item")
ITEM_PREFIX = "item_"
_CALENDAR = Prepared(_calendar_query())
_CALENDAR_AND_ITEM = Prepared(_calendar_query(*(c.label(ITEM_PREFIX + c.name) for c in _item.c),
                                              item=_item))
_USER = Prepared(select(users.c.id).where(users.c.name == bindparam("user")))


class Requested(NamedTuple):
    """A calendar as a request finds it by URL, with what deciding whether it is served
    needs, and the resource asked for (if one was)."""
    calendar: Calendar
    needs_sign_in: bool     # its account's
    copies: int             # the user's live calendars for the same Google calendar
    item: Item | None = None


def calendar(store: Store, user: str, slug: str, href: str | None = None) -> Requested | None:
    """The user's live calendar at ``slug`` (served or not) and, with ``href``, its live
    resource there: one query."""
    params = {"user": user, "slug": slug}
    if href is not None:
        params["href"] = href
    row = (_CALENDAR if href is None else _CALENDAR_AND_ITEM).first(store.reader, params)
    if row is None:
        return None
    item = None
    if href is not None and row[ITEM_PREFIX + "id"] is not None:
        item = records.item_prefixed(row, ITEM_PREFIX)
    return Requested(records.calendar(row), row["account_state"] == "needs_sign_in",
                     row["copies"], item)


def user_exists(store: Store, user: str) -> bool:
    return _USER.first(store.reader, {"user": user}) is not None

"""Mirroring resources into the store, the same for every kind.

Each resource a listing touched is compared with what clients have by ETag: only those whose
text changed get the calendar's next revision (one bump per transaction), resources that
vanished become tombstones, and unchanged ones keep revision and ETag, so a full re-list (a
410, a periodic check) shows clients only real changes. Runs inside the caller's write
transaction; the views were materialised before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..store import Tx
from .materialise import View
from .resources import hashed_href, href_for


@dataclass(frozen=True)
class Existing:
    """A resource's row as clients know it (``deleted``: a tombstone)."""
    href: str
    etag: str | None
    deleted: bool


class LazyRevision:
    """Bump the calendar's revision once per transaction, and only if something changed."""

    def __init__(self, tx: Tx, calendar_id: int):
        self.tx, self.calendar_id, self.value = tx, calendar_id, None

    def get(self) -> int:
        if self.value is None:
            self.value = self.tx.next_revision(self.calendar_id)
        return self.value


def commit(tx: Tx, calendar_id: int, views: dict[str, View | None],
           existing: dict[str, Existing], *, hrefs: dict[str, str] | None = None,
           new_calendar: bool = False) -> int:
    """Store ``views`` (uid -> view, None = gone); answers how many resources changed for
    clients. ``hrefs`` names where a resource created by a client lives (its choice, which
    wins over a tombstone of the same UID elsewhere); ``new_calendar``: no row exists yet, so
    rows are inserted without looking."""
    revision, changed, placed = LazyRevision(tx, calendar_id), 0, set()
    for uid, view in views.items():
        row = existing.get(uid)
        live = row is not None and not row.deleted
        if view is None:
            if live:
                tx.tombstone_item(calendar_id, row.href, revision.get())
                changed += 1
            continue
        chosen = (hrefs or {}).get(uid)
        if live and row.etag == view.etag and (chosen is None or chosen == row.href):
            continue
        if live and chosen is not None and chosen != row.href:
            tx.tombstone_item(calendar_id, row.href, revision.get())
        href = chosen or (row.href if row is not None else
                          _free_href(tx, calendar_id, uid, placed, new_calendar))
        placed.add(href)
        tx.put_item(calendar_id, href, view.rendered, revision.get(), view.index,
                    new=new_calendar, bounds=view.bounds)
        changed += 1
    return changed


def _free_href(tx: Tx, calendar_id: int, uid: str, placed: set[str], new_calendar: bool) -> str:
    """The derived href of a resource new to the store, unless another UID holds it (a
    client's ``abc`` at abc.ics, then Google's ``abc@google.com``)."""
    href = href_for(uid)
    if href in placed or (not new_calendar and tx.live_uid_at(calendar_id, href)
                          not in (None, uid)):
        return hashed_href(uid)
    return href

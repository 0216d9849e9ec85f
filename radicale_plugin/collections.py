"""Radicale collections over the store: root, a user's principal, a Google calendar.

Reads never parse iCalendar: items are built from stored text with precomputed UID, ETag and
time range. ctag and sync tokens come from the calendar's revision counter (O(1)); sync()
answers from the change log.
"""

from __future__ import annotations

import email.utils
import functools
from typing import Iterable, Iterator

from radicale import item as radicale_item
from radicale.item import filter as radicale_filter
from radicale.storage import BaseCollection

from bridge import errors
from bridge.service import Bridge, calendar_timezone

from . import outcome, properties


@functools.lru_cache(maxsize=4096)
def _http_date(timestamp: int) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


class StoredItem(radicale_item.Item):
    """An item from the store, with every field precomputed. Radicale's constructor
    re-sanitises the collection path for each item (a third of a 10,000-item PROPFIND);
    ours was sanitised once, so the fields are set as Radicale's constructor would."""

    def __init__(self, collection: "Calendar", record):
        self._collection_path = collection.path
        self.collection = collection
        self.href = record.href
        self.last_modified = _http_date(int(record.last_modified))
        self._text = record.text
        self._vobject_item = None
        self._etag = record.etag
        self._uid = record.uid
        self._name = "VCALENDAR"
        self._component_name = collection.component
        self._time_range = (record.start, record.end)


class Root(BaseCollection):
    @property
    def path(self) -> str:
        return ""

    def get_meta(self, key=None):
        return None if key else {}

    @property
    def last_modified(self) -> str:
        return _http_date(0)

    def get_multi(self, hrefs):
        return ((href, None) for href in hrefs)

    def get_all(self):
        return iter(())


class Principal(Root):
    """A user's principal and calendar home; properties clients set on it (Apple's default
    alarms) are kept locally."""

    def __init__(self, user: str, bridge: Bridge | None = None):
        self.user, self.bridge = user, bridge

    @property
    def path(self) -> str:
        return self.user

    def get_meta(self, key=None):
        if key == "tag" or self.bridge is None:     # "tag" is asked on every request
            return None if key else {}
        meta = self.bridge.home_properties(self.user)
        return meta.get(key) if key else meta

    def set_meta(self, props):
        try:
            self.bridge.set_home_properties(
                self.user, {k: v for k, v in props.items() if k != "tag"})
        except errors.BridgeError as exc:
            outcome.fail(exc)
            raise ValueError(exc.message) from None


class Calendar(BaseCollection):
    def __init__(self, bridge: Bridge, user: str, row):
        self.bridge, self.user, self.row = bridge, user, row
        self._kept = None       # properties kept locally, read when first asked
        self.component = row.kind.component

    @property
    def path(self) -> str:
        return f"{self.user}/{self.row.slug}"

    # --- properties -----------------------------------------------------------------------------

    @property
    def etag(self) -> str:
        row = self.row
        return f'"{row.epoch}-{row.revision}"'

    def get_meta(self, key=None):
        if key == "tag":        # asked on every request: no store read for it
            return "VCALENDAR"
        row = self.row
        meta = {"tag": "VCALENDAR", "D:displayname": row.name,
                "C:supported-calendar-component-set": self.component,
                "C:calendar-timezone": calendar_timezone(row.time_zone)}
        if row.color:
            meta["ICAL:calendar-color"] = row.color
        if row.description:
            meta["C:calendar-description"] = row.description
        if self._kept is None:
            self._kept = self.bridge.kept_properties(row.id)
        meta = properties.with_kept(meta, self._kept)
        return meta.get(key) if key else meta

    @property
    def last_modified(self) -> str:
        return _http_date(int(self.row.last_modified))

    # --- items ----------------------------------------------------------------------------------

    def item(self, record) -> radicale_item.Item:
        return StoredItem(self, record)

    def get_multi(self, hrefs: Iterable[str]):
        hrefs = list(hrefs)
        found = {r.href: r for r in self.bridge.items(self.row.id, hrefs)}
        for href in hrefs:
            record = found.get(href)
            yield href, (self.item(record) if record else None)

    def get_all(self) -> Iterator[radicale_item.Item]:
        return (self.item(r) for r in self.bridge.all_items(self.row.id))

    def get_filtered(self, filters):
        tag, start, end, simple = radicale_filter.simplify_prefilters(filters, "VCALENDAR")
        if tag not in (None, self.component):
            return
        if self.component == "VTODO":       # tasks have no time index: Radicale tests each
            for record in self.bridge.all_items(self.row.id):
                yield self.item(record), False
            return
        if start <= radicale_filter.TIMESTAMP_MIN and end >= radicale_filter.TIMESTAMP_MAX:
            for record in self.bridge.all_items(self.row.id):
                yield self.item(record), simple
            return
        # The store keeps bounds and occurrences by Radicale's own rules (all-day values
        # from midnight UTC), so its answer needs no re-check, except where it says so.
        for record, certain in self.bridge.items_in_range(self.row.id, start, end):
            yield self.item(record), simple and certain

    def has_uid(self, uid: str) -> bool:
        return self.bridge.has_uid(self.row.id, uid)

    def sync(self, old_token: str = "") -> tuple[str, Iterable[str]]:
        try:
            changes = self.bridge.changes_since(self.row, old_token)
        except errors.InvalidSyncToken as exc:
            raise ValueError(exc.message) from None     # Radicale: 403 valid-sync-token
        return changes.token, changes.hrefs

    # --- writes -------------------------------------------------------------------------------

    def upload(self, href, item):
        replaced = self.bridge.items(self.row.id, [href])
        raw = outcome.sent_body()
        # The client's own bytes: Radicale re-serialises through vobject, which cuts X- values
        # at the first comma (Apple's X-APPLE-STRUCTURED-LOCATION geo:lat,lon).
        sent = raw.decode("utf-8", "replace") if raw else item.serialize()
        try:
            record = self.bridge.put(self.row.id, href, sent)
        except errors.BridgeError as exc:
            outcome.fail(exc)
            raise ValueError(exc.message) from None
        if raw is None or record.text.encode("utf-8") != raw:     # byte for byte (§5.3.4)
            outcome.stored_differs()
        return self.item(record), (self.item(replaced[0]) if replaced else None)

    def delete(self, href=None):
        try:
            if href is None:
                self.bridge.delete_calendar(self.row.id)
            else:
                self.bridge.delete(self.row.id, href)
            return
        except errors.BridgeError as exc:
            outcome.fail(exc)
            raise RuntimeError(exc.message) from None

    def set_meta(self, props):
        """PROPPATCH: Radicale hands over the whole merged property set."""
        if props.get("tag") != "VCALENDAR":
            error = errors.Unsupported("A calendar stays a calendar: its resource type "
                                       "cannot be changed.")
        else:
            wanted = properties.changes(self.get_meta(), props)
            try:
                if wanted:
                    self.bridge.set_properties(self.row.id, wanted)
                    self._kept = None
                return
            except errors.BridgeError as exc:
                error = exc
        outcome.fail(error)
        raise ValueError(error.message)

"""Items built from the store behave exactly like Radicale's own Item."""

from __future__ import annotations

from types import SimpleNamespace

from radicale import item as radicale_item

from radicale_plugin.collections import StoredItem

TEXT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VEVENT\r\nUID:u-1\r\n"
        "DTSTAMP:20260101T000000Z\r\nDTSTART:20260601T090000Z\r\nDTEND:20260601T100000Z\r\n"
        "SUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_stored_item_matches_radicales_item():
    collection = SimpleNamespace(path="alice/work", component="VEVENT")
    record = SimpleNamespace(href="u-1.ics", last_modified=1780300000.7, text=TEXT,
                             etag='"abc"', uid="u-1", start=1780304400, end=1780308000)
    ours = StoredItem(collection, record)
    theirs = radicale_item.Item(collection_path="alice/work", collection=collection,
                                href="u-1.ics", text=TEXT)
    assert vars(ours).keys() == vars(theirs).keys()
    assert (ours.uid, ours.name, ours.component_name, ours.href, ours.serialize()) == \
        (theirs.uid, theirs.name, theirs.component_name, theirs.href, theirs.serialize())
    assert ours.time_range == theirs.time_range == (1780304400, 1780308000)
    assert ours.last_modified == "Mon, 01 Jun 2026 07:46:40 GMT"
    assert ours.vobject_item.vevent.summary.value == "x"

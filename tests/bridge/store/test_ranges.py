"""Time-range reads (calendar-query): bounds and the occurrence index in POSIX seconds, from
Radicale's year-1 to its open end at 10000-01-01."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bridge.model import END_OF_TIME, Occurrences

from tests.bridge.store.builders import add_calendar, put

YEAR_1 = -62135596800                   # 0001-01-01T00:00:00Z: Radicale's TIMESTAMP_MIN
YEAR_9999_END = 253402300800            # Radicale's TIMESTAMP_MAX, and END_OF_TIME


def ts(*date: int) -> int:
    return int(datetime(*date, tzinfo=timezone.utc).timestamp())


@pytest.fixture
def calendar_id(store) -> int:
    return add_calendar(store)


def test_the_bounds_are_radicales():
    assert YEAR_9999_END == END_OF_TIME
    assert ts(1, 1, 1) == YEAR_1


def test_single_items_overlap_half_open_ranges(store, calendar_id):
    put(store, calendar_id, "meeting", start=ts(2026, 3, 2, 9), end=ts(2026, 3, 2, 10))
    put(store, calendar_id, "instant", start=ts(2026, 3, 2, 12), end=ts(2026, 3, 2, 12))

    def found(start, end):
        return sorted(i.uid for i in store.single_items_in_range(calendar_id, start, end))

    assert found(ts(2026, 3, 2), ts(2026, 3, 3)) == ["instant", "meeting"]
    assert found(ts(2026, 3, 2, 10), ts(2026, 3, 2, 11)) == []          # ends as range starts
    assert found(ts(2026, 3, 2, 8), ts(2026, 3, 2, 9)) == []            # starts as range ends
    assert found(ts(2026, 3, 2, 12), ts(2026, 3, 2, 13)) == ["instant"]  # no duration: its start
    assert found(ts(2026, 3, 2, 11), ts(2026, 3, 2, 12)) == []
    assert found(YEAR_1, YEAR_9999_END) == ["instant", "meeting"]


def test_items_at_the_ends_of_time_are_stored_and_found(store, calendar_id):
    put(store, calendar_id, "first", start=YEAR_1, end=YEAR_1 + 86400)
    put(store, calendar_id, "last", start=ts(9999, 12, 31), end=END_OF_TIME)
    put(store, calendar_id, "series", start=ts(2026, 1, 5), end=END_OF_TIME, recurring=True,
        index=Occurrences(ts(2026, 1, 1), ts(2028, 1, 1),
                          ((ts(2026, 1, 5, 9), ts(2026, 1, 5, 10)),
                           (ts(2027, 1, 4, 9), ts(2027, 1, 4, 10)))))
    bounds = {i.uid: (i.start, i.end) for i in store.all_items(calendar_id)}
    assert bounds == {"first": (YEAR_1, YEAR_1 + 86400), "last": (ts(9999, 12, 31), END_OF_TIME),
                      "series": (ts(2026, 1, 5), END_OF_TIME)}
    # Series are the occurrence index's business, never single items.
    assert sorted(i.uid for i in store.single_items_in_range(
        calendar_id, YEAR_1, YEAR_9999_END)) == ["first", "last"]
    assert [i.uid for i in store.single_items_in_range(
        calendar_id, ts(9999, 12, 31, 23), YEAR_9999_END)] == ["last"]
    assert [i.uid for i in store.single_items_in_range(
        calendar_id, YEAR_1, YEAR_1 + 1)] == ["first"]


def test_the_occurrence_index_answers_inside_its_horizon_and_defers_outside(store, calendar_id):
    put(store, calendar_id, "weekly", start=ts(2026, 1, 5, 9), end=END_OF_TIME, recurring=True,
        index=Occurrences(ts(2026, 1, 1), ts(2028, 1, 1),
                          ((ts(2026, 1, 5, 9), ts(2026, 1, 5, 10)),
                           (ts(2026, 1, 12, 9), ts(2026, 1, 12, 9)))))     # no duration

    def found(start, end):
        return store.recurring_in_range(calendar_id, start, end)

    assert found(ts(2026, 1, 5), ts(2026, 1, 6)) == {"weekly.ics": True}     # proven
    assert found(ts(2026, 1, 6), ts(2026, 1, 7)) == {}                       # proven absent
    assert found(ts(2026, 1, 12), ts(2026, 1, 13)) == {"weekly.ics": False}  # Radicale checks
    assert found(ts(2030, 1, 1), ts(2030, 2, 1)) == {"weekly.ics": False}    # beyond the index
    assert found(ts(2025, 1, 1), ts(2025, 2, 1)) == {}                       # before its start
    assert found(ts(9999, 1, 1), YEAR_9999_END) == {"weekly.ics": False}
    assert found(YEAR_1, YEAR_9999_END) == {"weekly.ics": True}

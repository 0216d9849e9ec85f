import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.recurrence import (
    RecurrenceError, instance_id, is_occurrence, occurrences, parse_instance_id, validate,
)

UTC = dt.timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def berlin(*args):
    return dt.datetime(*args, tzinfo=BERLIN)


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


def days(*pairs, year=2026):
    return [dt.date(year, m, d) for m, d in pairs]


# --- basic expansion -------------------------------------------------------------------------

def test_no_recurrence_is_just_the_start():
    assert occurrences([], berlin(2026, 6, 1, 9)) == [berlin(2026, 6, 1, 9)]
    assert occurrences([], dt.date(2026, 6, 1)) == [dt.date(2026, 6, 1)]


def test_count_and_types():
    got = occurrences(["RRULE:FREQ=DAILY;COUNT=3"], berlin(2026, 6, 1, 9))
    assert got == [berlin(2026, 6, 1, 9), berlin(2026, 6, 2, 9), berlin(2026, 6, 3, 9)]
    assert all(v.tzinfo is BERLIN for v in got)
    got = occurrences(["RRULE:FREQ=DAILY;COUNT=2"], dt.date(2026, 6, 1))
    assert got == days((6, 1), (6, 2))
    assert all(type(v) is dt.date for v in got)


def test_lowercase_and_trailing_semicolon_accepted():
    assert occurrences(["rrule:freq=daily;count=2;"], dt.date(2026, 6, 1)) == days((6, 1), (6, 2))


def test_weekly_keeps_wall_clock_across_dst_end():
    # 2026-10-25 is the end of CEST: 09:00 local moves from 07:00Z to 08:00Z.
    got = occurrences(["RRULE:FREQ=WEEKLY;COUNT=3"], berlin(2026, 10, 19, 9))
    assert [(v.hour, v.minute) for v in got] == [(9, 0)] * 3
    assert [v.astimezone(UTC).hour for v in got] == [7, 8, 8]
    assert got[1] == utc(2026, 10, 26, 8)


def test_byday_ordinals():
    second_tuesdays = occurrences(["RRULE:FREQ=MONTHLY;BYDAY=2TU;COUNT=3"], dt.date(2026, 1, 13))
    assert second_tuesdays == days((1, 13), (2, 10), (3, 10))
    last_fridays = occurrences(["RRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=3"], dt.date(2026, 1, 30))
    assert last_fridays == days((1, 30), (2, 27), (3, 27))


def test_bysetpos_last_weekday_of_month():
    rule = ["RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3"]
    assert occurrences(rule, dt.date(2026, 1, 30)) == days((1, 30), (2, 27), (3, 31))


def test_bymonthday_minus_one():
    got = occurrences(["RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=4"], berlin(2026, 1, 31, 18))
    assert [v.date() for v in got] == days((1, 31), (2, 28), (3, 31), (4, 30))


def test_interval():
    got = occurrences(["RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=3"], dt.date(2026, 6, 1))
    assert got == days((6, 1), (6, 15), (6, 29))


@pytest.mark.parametrize("wkst, expected", [
    ("MO", [(8, 5), (8, 10), (8, 19), (8, 24)]),
    ("SU", [(8, 5), (8, 17), (8, 19), (8, 31)]),
])
def test_wkst_rfc5545_example(wkst, expected):
    rule = [f"RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST={wkst}"]
    start = dt.datetime(1997, 8, 5, 9, tzinfo=NEW_YORK)
    got = occurrences(rule, start)
    assert [(v.month, v.day) for v in got] == expected


# --- UNTIL forms ----------------------------------------------------------------------------

def test_until_utc():
    # 09:00 Berlin = 07:00Z in June: an UNTIL of 07:00Z includes that day, 06:59:59Z does not.
    start = berlin(2026, 6, 1, 9)
    assert len(occurrences(["RRULE:FREQ=DAILY;UNTIL=20260603T070000Z"], start)) == 3
    assert len(occurrences(["RRULE:FREQ=DAILY;UNTIL=20260603T065959Z"], start)) == 2


def test_until_date_includes_whole_day_in_series_zone():
    # 23:30 Berlin on June 3 is already June 3 21:30Z; still included by UNTIL=20260603.
    got = occurrences(["RRULE:FREQ=DAILY;UNTIL=20260603"], berlin(2026, 6, 1, 23, 30))
    assert got[-1] == berlin(2026, 6, 3, 23, 30) and len(got) == 3


def test_until_floating_is_in_series_zone():
    start = berlin(2026, 6, 1, 9)
    assert len(occurrences(["RRULE:FREQ=DAILY;UNTIL=20260603T090000"], start)) == 3
    assert len(occurrences(["RRULE:FREQ=DAILY;UNTIL=20260603T085959"], start)) == 2


@pytest.mark.parametrize("until", ["20260603", "20260603T000000Z", "20260603T235959Z",
                                   "20260603T120000"])
def test_until_forms_on_all_day_series(until):
    assert occurrences([f"RRULE:FREQ=DAILY;UNTIL={until}"], dt.date(2026, 6, 1)) == \
        days((6, 1), (6, 2), (6, 3))


# --- DTSTART semantics ----------------------------------------------------------------------

def test_dtstart_counts_even_if_it_does_not_match_the_rule():
    # 2026-06-02 is a Tuesday; the rule only produces Mondays.
    got = occurrences(["RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260616"], dt.date(2026, 6, 2))
    assert got == days((6, 2), (6, 8), (6, 15))


def test_dtstart_counts_towards_count():
    # RFC 5545: "The DTSTART property value always counts as the first occurrence."
    got = occurrences(["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3"], dt.date(2026, 6, 2))
    assert got == days((6, 2), (6, 8), (6, 15))
    assert occurrences(["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=1"], dt.date(2026, 6, 2)) == \
        days((6, 2))


def test_dtstart_can_be_excluded():
    got = occurrences(["RRULE:FREQ=DAILY;COUNT=3", "EXDATE;VALUE=DATE:20260601"],
                      dt.date(2026, 6, 1))
    assert got == days((6, 2), (6, 3))


def test_start_in_repeated_dst_hour():
    # The second 02:30 on 2026-10-25 (fold=1, CET). dateutil forgets fold, so its first value
    # would be the earlier 02:30 CEST, an hour before the series starts.
    start = berlin(2026, 10, 25, 2, 30).replace(fold=1)
    got = occurrences(["RRULE:FREQ=DAILY;COUNT=3"], start)
    assert [v.astimezone(UTC) for v in got] == [utc(2026, 10, 25, 1, 30), utc(2026, 10, 26, 1, 30),
                                               utc(2026, 10, 27, 1, 30)]
    assert not is_occurrence(["RRULE:FREQ=DAILY"], start, utc(2026, 10, 25, 0, 30))


def test_start_in_skipped_dst_hour():
    # 02:30 does not exist on 2026-03-29 in Berlin; later days keep 02:30 local.
    got = occurrences(["RRULE:FREQ=DAILY;COUNT=2"], berlin(2026, 3, 29, 2, 30))
    assert got == [berlin(2026, 3, 29, 2, 30), berlin(2026, 3, 30, 2, 30)]
    assert got[1].astimezone(UTC) == utc(2026, 3, 30, 0, 30)


def test_rule_that_never_matches_terminates():
    got = occurrences(["RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"], dt.date(2026, 1, 1))
    assert got == [dt.date(2026, 1, 1)]


# --- RDATE / EXDATE -------------------------------------------------------------------------

def test_exdate_tzid_list_and_multiple_lines():
    lines = ["RRULE:FREQ=DAILY;COUNT=6",
             "EXDATE;TZID=Europe/Berlin:20260602T090000,20260603T090000",
             "EXDATE;TZID=America/New_York:20260605T030000"]   # = 09:00 Berlin
    got = occurrences(lines, berlin(2026, 6, 1, 9))
    assert [v.day for v in got] == [1, 4, 6]


def test_utc_exdate_matches_zoned_occurrence_by_instant():
    lines = ["RRULE:FREQ=DAILY;COUNT=3", "EXDATE:20260602T070000Z"]
    assert [v.day for v in occurrences(lines, berlin(2026, 6, 1, 9))] == [1, 3]
    # Same wall clock in UTC is a different instant: nothing removed.
    lines = ["RRULE:FREQ=DAILY;COUNT=3", "EXDATE:20260602T090000Z"]
    assert [v.day for v in occurrences(lines, berlin(2026, 6, 1, 9))] == [1, 2, 3]


def test_floating_exdate_and_rdate_use_series_zone():
    lines = ["RRULE:FREQ=DAILY;COUNT=3", "EXDATE:20260602T090000", "RDATE:20260610T120000"]
    got = occurrences(lines, berlin(2026, 6, 1, 9))
    assert got == [berlin(2026, 6, 1, 9), berlin(2026, 6, 3, 9), berlin(2026, 6, 10, 12)]


def test_rdate_forms_on_timed_series():
    lines = ["RRULE:FREQ=DAILY;COUNT=1",
             "RDATE;TZID=America/New_York:20260610T030000,20260611T030000",
             "RDATE:20260612T100000Z",
             "RDATE;VALUE=PERIOD:20260613T100000Z/20260613T120000Z,20260614T100000Z/PT1H",
             "RDATE;VALUE=DATE:20260615"]   # a DATE takes the series' wall time
    got = occurrences(lines, berlin(2026, 6, 1, 9))
    assert got == [berlin(2026, 6, 1, 9), berlin(2026, 6, 10, 9), berlin(2026, 6, 11, 9),
                   berlin(2026, 6, 12, 12), berlin(2026, 6, 13, 12), berlin(2026, 6, 14, 12),
                   berlin(2026, 6, 15, 9)]
    assert all(v.tzinfo is BERLIN for v in got)


def test_rdate_only_series_sorted_and_deduplicated():
    lines = ["RDATE;VALUE=DATE:20260704,20260601", "RDATE;VALUE=DATE:20260615,20260704"]
    assert occurrences(lines, dt.date(2026, 6, 1)) == days((6, 1), (6, 15), (7, 4))


def test_rdate_equal_to_rule_occurrence_appears_once():
    lines = ["RRULE:FREQ=DAILY;COUNT=2", "RDATE:20260602T070000Z"]
    assert occurrences(lines, berlin(2026, 6, 1, 9)) == [berlin(2026, 6, 1, 9),
                                                         berlin(2026, 6, 2, 9)]


def test_all_day_values_match_by_date():
    lines = ["RRULE:FREQ=DAILY;COUNT=5",
             "EXDATE:20260602T000000Z",
             "EXDATE;TZID=Europe/Berlin:20260603T090000",
             "EXDATE;VALUE=DATE:20260604",
             "RDATE:20260710T150000"]
    assert occurrences(lines, dt.date(2026, 6, 1)) == days((6, 1), (6, 5), (7, 10))


def test_exrule():
    lines = ["RRULE:FREQ=DAILY;COUNT=10", "EXRULE:FREQ=WEEKLY;BYDAY=SA,SU"]
    got = occurrences(lines, dt.date(2026, 6, 1))   # a Monday
    assert got == days((6, 1), (6, 2), (6, 3), (6, 4), (6, 5), (6, 8), (6, 9), (6, 10))


def test_exrule_removing_everything_of_an_rdate():
    lines = ["RDATE:20260610T090000", "EXRULE:FREQ=DAILY"]
    assert occurrences(lines, berlin(2026, 6, 1, 9)) == []


# --- bounds and limits ----------------------------------------------------------------------

def test_after_inclusive_before_exclusive():
    rule = ["RRULE:FREQ=DAILY"]
    got = occurrences(rule, dt.date(2026, 6, 1), after=dt.date(2026, 6, 3),
                      before=dt.date(2026, 6, 6))
    assert got == days((6, 3), (6, 4), (6, 5))


def test_bounds_compare_as_instants():
    rule = ["RRULE:FREQ=DAILY"]
    start = berlin(2026, 6, 1, 9)
    # 07:00Z is exactly the June 3 occurrence; bounds given in UTC and New York.
    got = occurrences(rule, start, after=utc(2026, 6, 3, 7), before=utc(2026, 6, 5, 7))
    assert got == [berlin(2026, 6, 3, 9), berlin(2026, 6, 4, 9)]
    got = occurrences(rule, start, after=dt.datetime(2026, 6, 3, 3, 0, 1, tzinfo=NEW_YORK),
                      before=utc(2026, 6, 6))
    assert got == [berlin(2026, 6, 4, 9), berlin(2026, 6, 5, 9)]


def test_infinite_rule_stops_at_limit_and_before():
    rule = ["RRULE:FREQ=MINUTELY"]
    assert len(occurrences(rule, berlin(2026, 6, 1, 9), limit=7)) == 7
    assert len(occurrences(rule, berlin(2026, 6, 1, 9), before=berlin(2026, 6, 1, 10))) == 60
    assert len(occurrences(["RRULE:FREQ=DAILY"], dt.date(2026, 1, 1))) == 5000
    assert occurrences(rule, berlin(2026, 6, 1, 9), limit=0) == []


def test_bound_type_mismatch_is_a_type_error():
    with pytest.raises(TypeError):
        occurrences(["RRULE:FREQ=DAILY"], dt.date(2026, 6, 1), after=utc(2026, 6, 1))
    with pytest.raises(TypeError):
        occurrences(["RRULE:FREQ=DAILY"], berlin(2026, 6, 1, 9), before=dt.date(2026, 6, 1))
    with pytest.raises(TypeError):
        occurrences(["RRULE:FREQ=DAILY"], dt.datetime(2026, 6, 1, 9))   # naive start


# --- is_occurrence --------------------------------------------------------------------------

def test_is_occurrence_far_future_is_fast():
    start = berlin(2026, 6, 1, 9)
    t0 = time.perf_counter()
    assert is_occurrence(["RRULE:FREQ=DAILY"], start, berlin(2036, 6, 1, 9))
    assert not is_occurrence(["RRULE:FREQ=DAILY"], start, berlin(2036, 6, 1, 10))
    assert time.perf_counter() - t0 < 2


def test_is_occurrence_cases():
    lines = ["RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE:20260608T070000Z", "RDATE:20260610T090000"]
    start = berlin(2026, 6, 1, 9)
    assert is_occurrence(lines, start, start)
    assert is_occurrence(lines, start, utc(2026, 6, 15, 7))          # same instant, other zone
    assert not is_occurrence(lines, start, berlin(2026, 6, 8, 9))    # EXDATE'd
    assert is_occurrence(lines, start, berlin(2026, 6, 10, 9))       # RDATE
    assert not is_occurrence(lines, start, berlin(2026, 6, 9, 9))    # not a Monday
    assert not is_occurrence(lines, start, berlin(2026, 5, 25, 9))   # before the start
    assert not is_occurrence(lines, start, berlin(2026, 6, 15, 9, 0, 0, 1))
    assert is_occurrence(lines, start, berlin(2026, 11, 2, 9))       # after DST end
    assert not is_occurrence(lines, start, utc(2026, 11, 2, 7))


def test_is_occurrence_all_day():
    lines = ["RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"]
    assert is_occurrence(lines, dt.date(2024, 2, 29), dt.date(2028, 2, 29))
    assert not is_occurrence(lines, dt.date(2024, 2, 29), dt.date(2027, 2, 28))


# --- validation -----------------------------------------------------------------------------

@pytest.mark.parametrize("lines, message", [
    (["RRULE:FREQ=FOO"], "Invalid recurrence rule: FREQ=FOO"),
    (["RRULE:COUNT=3"], "Invalid recurrence rule"),
    (["RRULE:FREQ=DAILY;BYDAY=XX"], "Invalid recurrence rule"),
    (["RRULE:FREQ=MONTHLY;BYDAY=0MO"], "Invalid recurrence rule"),
    (["RRULE:FREQ=DAILY;BYMONTH=13"], "Invalid recurrence rule"),
    (["RRULE:FREQ=DAILY;BYHOUR=24"], "Invalid recurrence rule"),
    (["RRULE:FREQ=DAILY;BYMONTHDAY=0"], "Invalid recurrence rule"),
    (["RRULE:FREQ=DAILY;INTERVAL=0"], "Invalid recurrence rule"),
    (["RRULE:FREQ=DAILY;COUNT=1_0"], "Invalid recurrence rule"),
    (["RRULE:FREQ=DAILY;FOO=1"], "Invalid recurrence rule"),
    (["RRULE:FREQ=DAILY;UNTIL=tomorrow"], "UNTIL"),
    (["RRULE:FREQ=DAILY;UNTIL=20260230"], "UNTIL"),
    (["RRULE:FREQ=DAILY;COUNT=2;UNTIL=20261231"], "COUNT and UNTIL"),
    (["RRULE:FREQ=DAILY;FREQ=WEEKLY"], "Invalid recurrence rule"),
    (["DTSTART:20260601T090000Z", "RRULE:FREQ=DAILY"], "only RRULE"),
    (["RRULE:FREQ=DAILY", "DTEND:20260601T100000Z"], "only RRULE"),
    (["X-FOO:bar"], "only RRULE"),
    (["FREQ=DAILY"], "Invalid recurrence line"),
    (["EXDATE:20260602T090000Z"], "needs an RRULE or RDATE"),
    (["EXRULE:FREQ=DAILY"], "needs an RRULE or RDATE"),
    (["RRULE:FREQ=DAILY", "EXDATE;TZID=Mars/Olympus:20260602T090000"], "Unknown time zone"),
    (["RRULE:FREQ=DAILY", "EXDATE:2026-06-02"], "Invalid EXDATE value"),
    (["RRULE:FREQ=DAILY", "EXDATE;VALUE=DATE:20260602T090000"], "Invalid EXDATE value"),
    (["RRULE:FREQ=DAILY", "EXDATE;VALUE=PERIOD:20260602T090000Z/PT1H"], "value type"),
    (["RDATE;VALUE=PERIOD:20260602T090000Z"], "period"),
    (["RDATE:"], "Invalid RDATE value"),
    (["RDATE:20260602T250000"], "Invalid RDATE value"),
])
def test_validate_rejects(lines, message):
    with pytest.raises(RecurrenceError, match=message):
        validate(lines, berlin(2026, 6, 1, 9))
    with pytest.raises(RecurrenceError):   # expansion validates the same way
        occurrences(lines, berlin(2026, 6, 1, 9))


@pytest.mark.parametrize("lines", [
    [],
    ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20261231T235959Z",
     "EXDATE;TZID=Europe/Berlin:20260608T090000,20260615T090000",
     "RDATE;VALUE=DATE:20260704", "EXRULE:FREQ=MONTHLY;BYMONTHDAY=1"],
    ["RDATE:20260602T090000Z", "EXDATE:20260602T090000Z"],
    ['EXDATE;TZID="Europe/Berlin":20260602T090000', "RRULE:FREQ=YEARLY;BYWEEKNO=-1;BYDAY=MO"],
])
def test_validate_accepts(lines):
    validate(lines, berlin(2026, 6, 1, 9))
    validate(lines, dt.date(2026, 6, 1))


def test_recurrence_error_is_value_error():
    assert issubclass(RecurrenceError, ValueError)


# --- instance ids ---------------------------------------------------------------------------

def test_instance_id_formats():
    assert instance_id("abc", berlin(2026, 6, 1, 9)) == "abc_20260601T070000Z"
    assert instance_id("abc", berlin(2026, 12, 1, 9)) == "abc_20261201T080000Z"
    assert instance_id("abc", dt.date(2026, 6, 1)) == "abc_20260601"


def test_parse_instance_id():
    assert parse_instance_id("abc_20260601T070000Z") == ("abc", utc(2026, 6, 1, 7))
    assert parse_instance_id("abc_20260601") == ("abc", dt.date(2026, 6, 1))
    assert parse_instance_id("a_b_20260601") == ("a_b", dt.date(2026, 6, 1))
    assert parse_instance_id("a_20260601_20260602") == ("a_20260601", dt.date(2026, 6, 2))
    fullwidth = "abc_" + "".join(chr(0xFF10 + int(c)) for c in "20260601")   # int() accepts these
    for bad in ["abc", "abc_", "_20260601", "abc_2026060", "abc_20260601T070000", "abc_20261301",
                "abc_20260601T250000Z", "abc_20260601t070000z", fullwidth]:
        assert parse_instance_id(bad) is None, bad
    assert parse_instance_id("abc_20260601T070000Z")[1].tzinfo is UTC


@given(st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30),
                    timezones=st.sampled_from([UTC, BERLIN, NEW_YORK, ZoneInfo("Asia/Kolkata")])))
def test_instance_id_round_trip_timed(when):
    master, original = parse_instance_id(instance_id("ev1", when))
    assert master == "ev1" and original == when.replace(microsecond=0).astimezone(UTC)


@given(st.dates())
def test_instance_id_round_trip_all_day(day):
    assert parse_instance_id(instance_id("a_b", day)) == ("a_b", day)


# --- properties -----------------------------------------------------------------------------

RULES = ["RRULE:FREQ=DAILY;INTERVAL=3", "RRULE:FREQ=WEEKLY;BYDAY=MO,FR",
         "RRULE:FREQ=MONTHLY;BYDAY=-1FR", "RRULE:FREQ=HOURLY;INTERVAL=7;BYHOUR=1,9,17",
         "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=9"]
EXTRAS = ["EXDATE:20260609T070000Z", "EXRULE:FREQ=WEEKLY;BYDAY=FR;INTERVAL=2",
          "RDATE;TZID=America/New_York:20260620T120000", "RDATE:20261025T023000"]


@settings(max_examples=60, deadline=None)
@given(rule=st.sampled_from(RULES), extras=st.lists(st.sampled_from(EXTRAS), unique=True),
       start=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 31),
                          timezones=st.just(BERLIN)),
       lo=st.integers(0, 200 * 24), width=st.integers(0, 60 * 24))
def test_windows_agree_with_full_expansion(rule, extras, start, lo, width):
    lines = [rule, *extras]
    start = start.replace(microsecond=0)
    after = (start + dt.timedelta(hours=lo)).astimezone(UTC)   # bounds are instants
    before = after + dt.timedelta(hours=width)
    full = occurrences(lines, start, before=before + dt.timedelta(days=1))
    assert full == sorted(set(full), key=lambda v: v.astimezone(UTC))
    assert all(v.tzinfo is BERLIN for v in full)
    if "EXDATE:20260609T070000Z" in extras:
        assert utc(2026, 6, 9, 7) not in full
    window = occurrences(lines, start, after=after, before=before)
    assert window == [v for v in full if after <= v < before]
    for v in window[:5]:
        assert is_occurrence(lines, start, v)
        assert not is_occurrence(lines, start, v + dt.timedelta(seconds=1))

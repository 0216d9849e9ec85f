"""Fuzzing a real bridge with hypothesis: PUT bodies, PROPFIND/REPORT/PROPPATCH XML, hrefs
and header values. Whatever arrives, no answer is a 5xx, and a refused request leaves Google
unchanged. The default run tries a few hundred cases; the slow one ten thousand."""

from __future__ import annotations

import os
import string
import time
from collections import Counter
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CASES = int(os.environ.get("GCALDAV_FUZZ_CASES", "150"))
PRINTABLE = string.ascii_letters + string.digits + " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
ELEMENTS = ["D:propfind", "D:prop", "D:getetag", "D:allprop", "D:sync-collection",
            "D:sync-token", "D:href", "C:calendar-query", "C:calendar-multiget", "C:filter",
            "C:comp-filter", "C:prop-filter", "C:time-range", "C:text-match",
            "C:calendar-data", "D:propertyupdate", "D:set", "D:remove", "D:displayname",
            "C:mkcalendar", "X:unknown"]
ICAL_LINES = ["BEGIN:VCALENDAR", "END:VCALENDAR", "BEGIN:VEVENT", "END:VEVENT", "VERSION:2.0",
              "UID:fuzz", "DTSTART:20260601T100000Z", "DTEND:20260601T090000Z",
              "DTSTART;VALUE=DATE:99991231", "DTEND;VALUE=DATE:00010101", "DURATION:-PT1H",
              "RRULE:FREQ=SECONDLY", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
              "RECURRENCE-ID:20260601T100000Z", "EXDATE:20260601T100000Z,garbage",
              "SUMMARY:x", "BEGIN:VTODO", "END:VTODO", "BEGIN:VALARM", "TRIGGER:-PT15M",
              "END:VALARM", "DTSTART;TZID=Nowhere/Zone:20260601T100000", "ATTENDEE:mailto:a@b"]


def xml_tree(depth: int = 0):
    leaf = st.text(PRINTABLE, max_size=20).map(lambda t: t.replace("<", "&lt;").replace(
        "&", "&amp;"))
    if depth > 4:
        return leaf
    children = st.lists(st.deferred(lambda: xml_tree(depth + 1)), max_size=3).map("".join)
    return st.tuples(st.sampled_from(ELEMENTS), st.one_of(leaf, children),
                     st.sampled_from(["", ' name="VEVENT"', ' start="20260101T000000Z"',
                                      ' start="bogus"', ' name="VTODO" test="anyof"'])) \
        .map(lambda t: f"<{t[0]}{t[2]}>{t[1]}</{t[0]}>")


XML_BODY = st.one_of(
    xml_tree().map(lambda inner: '<?xml version="1.0"?><D:root xmlns:D="DAV:" '
                                 'xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:X="x:">'
                   + inner + "</D:root>"),
    xml_tree().map(lambda inner: inner.replace("<D:", "<").replace("</D:", "</")),
    st.binary(max_size=200))
ICAL_BODY = st.one_of(
    st.lists(st.sampled_from(ICAL_LINES), max_size=14).map(lambda ls: "\r\n".join(ls) + "\r\n"),
    st.text(max_size=200), st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
HEADER = st.text(PRINTABLE, max_size=30).map(str.strip)   # requests sends no edge spaces
REQUESTS = st.one_of(
    st.tuples(st.just("PUT"), ICAL_BODY.map(lambda t: t.encode("utf-8", "replace"))),
    st.tuples(st.sampled_from(["PROPFIND", "REPORT", "PROPPATCH", "MKCALENDAR"]), XML_BODY
              .map(lambda b: b if isinstance(b, bytes) else b.encode())),
    st.tuples(st.sampled_from(["GET", "DELETE", "OPTIONS", "HEAD"]), st.just(b"")))


def google_state(svc, cal: str) -> list:
    items = svc.events().list(calendarId=cal, showDeleted=True).execute()["items"]
    return sorted((e["id"], e.get("updated"), e.get("status")) for e in items)


def run_fuzz(make_bridge, alice, svc, cases: int):
    server = make_bridge(alice)
    base = server.calendar_url(alice["account"])
    cal = alice["account"]
    statuses: Counter = Counter()

    @settings(max_examples=cases, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(request=REQUESTS, name=st.text(max_size=20), depth=HEADER, content_type=HEADER,
           if_match=st.one_of(st.none(), HEADER), auth=st.sampled_from(["good", "bad", "none"]))
    def one(request, name, depth, content_type, if_match, auth):
        method, body = request
        headers = {"Depth": depth, "Content-Type": content_type}
        if if_match is not None:
            headers["If-Match"] = if_match
        before = google_state(svc, cal)
        answer = server.session.request(
            method, base + quote(name, safe="") + (".ics" if method == "PUT" else ""),
            data=body, headers=headers,
            auth={"good": ("alice", "secret"), "bad": ("alice", "nope"),
                  "none": None}[auth] or ("", ""))
        statuses[answer.status_code] += 1
        assert answer.status_code < 500, (method, answer.status_code, answer.text[:200])
        if answer.status_code >= 400:
            assert google_state(svc, cal) == before, (method, answer.status_code)

    started = time.monotonic()
    one()
    print(f"\nfuzz: {sum(statuses.values())} cases in {time.monotonic() - started:.0f} s, "
          f"answers {dict(sorted(statuses.items()))}")
    assert sum(statuses.values()) >= cases      # every case ran, none skipped
    assert server.session.request("PROPFIND", base, headers={"Depth": "1"}).status_code == 207


def test_fuzzed_requests_never_get_a_5xx(make_bridge, alice, svc):
    run_fuzz(make_bridge, alice, svc, CASES)


@pytest.mark.slow
def test_fuzzed_requests_never_get_a_5xx_ten_thousand_cases(make_bridge, alice, svc):
    run_fuzz(make_bridge, alice, svc, 10_000)

"""calendar-query on a task list over HTTP: time ranges on DUE (RFC 4791 §9.9 rules),
is-not-defined and text-match, answered for every task of the list."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

SCOPES = ["https://www.googleapis.com/auth/calendar", "https://www.googleapis.com/auth/tasks"]
DAV = "{DAV:}"


def query(server, url: str, filters: str) -> set[str]:
    body = ('<?xml version="1.0"?><C:calendar-query xmlns="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav"><prop><getetag/></prop>'
            f'<C:filter><C:comp-filter name="VCALENDAR">{filters}</C:comp-filter></C:filter>'
            '</C:calendar-query>')
    response = server.session.request("REPORT", url, data=body,
                                      headers={"Depth": "1", "Content-Type": "text/xml"})
    assert response.status_code == 207, response.text
    return {node.find(f"{DAV}href").text.rsplit("/", 1)[-1]
            for node in ET.fromstring(response.content).findall(f"{DAV}response")}


@pytest.fixture
def task_list(new_account, control, make_bridge):
    account = {**new_account("query"), "scopes": SCOPES}
    email = account["account"]
    list_id = control.get(f"/accounts/{email}/tasklists")["default"]
    ids = {}
    for title, extra in [("Buy milk", {"due": "2026-03-29T00:00:00.000Z"}),
                         ("File taxes", {"due": "2026-05-01T00:00:00.000Z"}),
                         ("Someday", {})]:
        ids[title] = control.post(f"/accounts/{email}/tasklists/{list_id}/tasks",
                                  {"title": title, **extra})["id"] + ".ics"
    server = make_bridge(account, freshness=0)
    return server, server.calendar_url(list_id), ids


def test_time_range_on_due(task_list):
    server, url, ids = task_list
    march = ('<C:comp-filter name="VTODO"><C:time-range start="20260301T000000Z" '
             'end="20260401T000000Z"/></C:comp-filter>')
    # A task with neither DTSTART, DUE, COMPLETED nor CREATED matches every range.
    assert query(server, url, march) == {ids["Buy milk"], ids["Someday"]}


def test_is_not_defined_and_text_match(task_list):
    server, url, ids = task_list
    undated = ('<C:comp-filter name="VTODO"><C:prop-filter name="DUE"><C:is-not-defined/>'
               '</C:prop-filter></C:comp-filter>')
    assert query(server, url, undated) == {ids["Someday"]}
    milk = ('<C:comp-filter name="VTODO"><C:prop-filter name="SUMMARY">'
            '<C:text-match collation="i;ascii-casemap">MILK</C:text-match>'
            '</C:prop-filter></C:comp-filter>')
    assert query(server, url, milk) == {ids["Buy milk"]}


def test_events_filter_finds_nothing_in_a_task_list(task_list):
    server, url, ids = task_list
    assert query(server, url, '<C:comp-filter name="VTODO"/>') == set(ids.values())
    assert query(server, url, '<C:comp-filter name="VEVENT"/>') == set()

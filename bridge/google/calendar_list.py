"""The account's calendar list (Calendar API ``calendarList``), the calls the bridge makes."""

from __future__ import annotations

from .client import GoogleClient

PAGE_SIZE = 250     # Google's maximum for calendarList.list


def list_calendars(client: GoogleClient, page_size: int = PAGE_SIZE) -> list[dict]:
    """Every entry of the account's calendar list, hidden ones included, all pages."""
    entries, _ = client.list_pages(lambda service, page: service.calendarList().list(
        maxResults=page_size, showHidden=True, pageToken=page))
    return entries


def primary(client: GoogleClient) -> dict:
    """The entry of the account's primary calendar (its ``id`` is the account's email)."""
    return client.call(lambda service: service.calendarList().get(calendarId="primary"))


def watch(client: GoogleClient, body: dict) -> dict:
    """Open a push channel on the calendar list. Not retried after a lost answer: a retry
    would reuse the channel id, which Google refuses."""
    return client.call(lambda service: service.calendarList().watch(body=body),
                       retry_connection_errors=False)

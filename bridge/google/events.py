"""One calendar's events (Calendar API ``events``), the calls the bridge makes.

Writes name their ``send_updates`` ("all", "externalOnly" or "none": whether Google emails
the attendees) and may carry the etag the change is based on (sent as If-Match: a stale one
fails with status 412). Inserts always carry the event's ``id`` in the body: a lost reply then
surfaces as 409 on the repeated request instead of a duplicate event.
"""

from __future__ import annotations

from .client import GoogleClient
from .errors import GoogleError, SyncTokenInvalid

PAGE_SIZE = 2500    # Google's maximum for events.list


def list_events(client: GoogleClient, calendar_id: str, sync_token: str | None = None,
                page_size: int = PAGE_SIZE) -> tuple[list[dict], str | None]:
    """Every event (all pages), or with ``sync_token`` every change since it, deleted ones
    as ``status: cancelled``: (events, next sync token). ``SyncTokenInvalid`` when Google
    wants a full list instead."""
    def request(service, page):
        params = dict(calendarId=calendar_id, maxResults=page_size, pageToken=page)
        if sync_token:
            params["syncToken"] = sync_token
        return service.events().list(**params)
    try:
        return client.list_pages(request)
    except GoogleError as exc:
        if sync_token and exc.status == 410 and not isinstance(exc, SyncTokenInvalid):
            raise SyncTokenInvalid(str(exc), status=410, reason=exc.reason) from None
        raise


def get(client: GoogleClient, calendar_id: str, event_id: str) -> dict:
    return client.call(lambda service: service.events().get(calendarId=calendar_id,
                                                            eventId=event_id))


def insert(client: GoogleClient, calendar_id: str, body: dict, *, send_updates: str) -> dict:
    return client.call(lambda service: service.events().insert(
        calendarId=calendar_id, body=body, sendUpdates=send_updates))


def patch(client: GoogleClient, calendar_id: str, event_id: str, body: dict, *,
          send_updates: str, etag: str | None = None) -> dict:
    return client.call(lambda service: service.events().patch(
        calendarId=calendar_id, eventId=event_id, body=body, sendUpdates=send_updates),
        headers=_if_match(etag))


def delete(client: GoogleClient, calendar_id: str, event_id: str, *, send_updates: str,
           etag: str | None = None) -> None:
    client.call(lambda service: service.events().delete(
        calendarId=calendar_id, eventId=event_id, sendUpdates=send_updates),
        headers=_if_match(etag))


def watch(client: GoogleClient, calendar_id: str, body: dict) -> dict:
    """Open a push channel on the calendar's events. Not retried after a lost answer: a
    retry would reuse the channel id, which Google refuses."""
    return client.call(lambda service: service.events().watch(calendarId=calendar_id,
                                                              body=body),
                       retry_connection_errors=False)


def _if_match(etag: str | None) -> dict[str, str] | None:
    return {"If-Match": etag} if etag else None

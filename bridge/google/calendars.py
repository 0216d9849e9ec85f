"""Calendar-level writes (Calendar API ``calendars``, ``calendarList`` and ``events.move``):
the calls behind CalDAV's PROPPATCH, MKCALENDAR, DELETE of a collection and MOVE.

A calendar's own fields (title, description, time zone) belong to its owner and are set with
``calendars.patch``; what one user sees (title override, colour) is that user's calendar list
entry, set with ``calendarList.patch``. Colours are sent as RGB, which Google honours only with
``colorRgbFormat=true``.
"""

from __future__ import annotations

from .client import GoogleClient


def insert(client: GoogleClient, body: dict) -> dict:
    """A new secondary calendar owned by the account (added to its calendar list)."""
    return client.call(lambda service: service.calendars().insert(body=body),
                       retry_connection_errors=False)


def patch(client: GoogleClient, calendar_id: str, body: dict) -> dict:
    return client.call(lambda service: service.calendars().patch(calendarId=calendar_id,
                                                                 body=body))


def delete(client: GoogleClient, calendar_id: str) -> None:
    client.call(lambda service: service.calendars().delete(calendarId=calendar_id))


def patch_entry(client: GoogleClient, calendar_id: str, body: dict) -> dict:
    """Change the account's own view of a calendar (``summaryOverride``, colours)."""
    return client.call(lambda service: service.calendarList().patch(
        calendarId=calendar_id, body=body, colorRgbFormat=True))


def unsubscribe(client: GoogleClient, calendar_id: str) -> None:
    """Remove a calendar from the account's list (``calendarList.delete``)."""
    client.call(lambda service: service.calendarList().delete(calendarId=calendar_id))


def move_event(client: GoogleClient, calendar_id: str, event_id: str, destination: str, *,
               send_updates: str) -> dict:
    """``events.move``: the event (a series with its exceptions) keeps its id and iCalUID."""
    return client.call(lambda service: service.events().move(
        calendarId=calendar_id, eventId=event_id, destination=destination,
        sendUpdates=send_updates))

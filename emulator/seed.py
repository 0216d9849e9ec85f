"""Data to start from: bulk generation of realistic events, and the ``demo`` world."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from zoneinfo import ZoneInfo

from dateutil import rrule

from . import events, recurrence, render, times
from .call import Call
from .state import World
from .tasks import seed as tasks_seed

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC")
TITLES = ("Standup", "1:1 with Sam", "Design review", "Lunch", "Dentist", "Gym", "Call mum",
          "Planning", "Retro", "Flight to Lisbon", "Book club", "Piano lesson", "Deploy window",
          "Coffee with Ana", "Team offsite", "Yoga", "Tax appointment", "Parent evening")
RULES = ("RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR", "RRULE:FREQ=DAILY;COUNT=20",
         "RRULE:FREQ=MONTHLY;BYDAY=2TU", "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
         "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=12", "RRULE:FREQ=YEARLY")


def group_calendar_id() -> str:
    return secrets.token_hex(13) + "@group.calendar.google.com"


def _monday() -> dt.date:
    today = dt.date.today()
    return today - dt.timedelta(days=today.weekday())


def generate(count: int, *, seed: int = 1, time_zone: str = "UTC",
             base: dt.date | None = None) -> list[dict]:
    """``count`` event bodies: ~70 % timed (several zones), ~12 % all-day or multi-day,
    ~18 % recurring; some with attendees and reminder overrides. Deterministic per seed."""
    rng = random.Random(seed)
    base = base or _monday()
    bodies = []
    for n in range(count):
        day = base + dt.timedelta(days=rng.randint(-180, 180))
        body: dict = {"summary": f"{rng.choice(TITLES)} #{n}"}
        roll = rng.random()
        if roll < 0.12:
            length = rng.choice((1, 1, 1, 2, 3, 7))
            body["start"] = {"date": day.isoformat()}
            body["end"] = {"date": (day + dt.timedelta(days=length)).isoformat()}
        else:
            zone = rng.choice(ZONES + (time_zone,))
            start = dt.datetime.combine(day, dt.time(rng.randint(7, 19), rng.choice((0, 30))),
                                        ZoneInfo(zone))
            if roll > 0.82:
                body["recurrence"] = [rng.choice(RULES)]
                start = _first_match(body["recurrence"][0], start)
            end = start + dt.timedelta(minutes=rng.choice((30, 45, 60, 90)))
            body["start"] = {"dateTime": times.format_datetime(start), "timeZone": zone}
            body["end"] = {"dateTime": times.format_datetime(end), "timeZone": zone}
        if rng.random() < 0.2:
            body["location"] = rng.choice(("Room 4.12", "Berlin Hbf", "Zoom", "Home"))
        if rng.random() < 0.15:
            body["attendees"] = [{"email": f"guest{rng.randint(1, 40)}@example.com",
                                  "responseStatus": rng.choice(("accepted", "needsAction",
                                                                "tentative", "declined"))}]
        if rng.random() < 0.1:
            body["reminders"] = {"useDefault": False,
                                 "overrides": [{"method": "popup", "minutes": 15}]}
        bodies.append(body)
    return bodies


def _first_match(rule: str, start: dt.datetime) -> dt.datetime:
    """Move a series start onto its rule's first date, as calendar apps do: a DTSTART the rule
    does not match is counted differently by different clients."""
    naive = start.replace(tzinfo=None)
    first = rrule.rrulestr(rule.removeprefix("RRULE:"), dtstart=naive).after(naive, inc=True)
    return (first or naive).replace(tzinfo=start.tzinfo)


def populate(call: Call, calendar_id: str, bodies: list[dict], *,
             exception_every: int = 4) -> list[str]:
    """Insert bodies; every ``exception_every``-th series gets its 2nd instance moved and
    retitled and its 4th cancelled, as people do. Caller holds the world lock."""
    ids = []
    series = 0
    for body in bodies:
        call.body = body
        resource = events.insert(call, calendar_id)
        ids.append(resource["id"])
        if resource.get("recurrence"):
            series += 1
            if exception_every and series % exception_every == 0:
                _add_exceptions(call, calendar_id, resource)
    return ids


def _add_exceptions(call: Call, calendar_id: str, master: dict) -> None:
    calendar = call.world.calendars[calendar_id if calendar_id != "primary" else
                                    call.account.email]
    first = render.series_start(master, calendar)
    starts = recurrence.occurrences(master["recurrence"], first, limit=4)
    if len(starts) < 4:
        return
    moved_id = recurrence.instance_id(master["id"], starts[1])
    shift = dt.timedelta(days=1) if not isinstance(starts[1], dt.datetime) else \
        dt.timedelta(hours=2)
    instance = render.virtual_instance(master, calendar, starts[1])
    call.body = {"summary": master.get("summary", "") + " (moved)",
                 "start": times.to_event_datetime(
                     render.series_start(instance, calendar) + shift,
                     instance["start"].get("timeZone")),
                 "end": times.to_event_datetime(
                     times.event_start_value(instance["end"], calendar.time_zone) + shift,
                     instance["end"].get("timeZone"))}
    events.patch(call, calendar_id, moved_id)
    call.body = None
    events.delete(call, calendar_id, recurrence.instance_id(master["id"], starts[3]))


def demo(world: World) -> None:
    """``--seed demo``: demo@example.com with work, personal and a read-only holidays calendar
    (shared from another account): series with moved and cancelled instances, all-day and
    multi-day events, several zones, attendees and reminders."""
    with world.lock:
        if "demo@example.com" in world.accounts:
            return
        demo_account = world.add_account("demo@example.com", "Demo User", "Europe/Berlin")
        world.calendars["demo@example.com"].summary = "Demo User"
        holidays_owner = world.add_account("holidays@example.com", "Holiday Bot")
        work = world.add_calendar("work-demo@group.calendar.google.com", owner=demo_account.email,
                                  summary="Work", time_zone="Europe/Berlin", color_id="9")
        holidays = world.add_calendar("holidays-demo@group.calendar.google.com",
                                      owner=holidays_owner.email, summary="Holidays",
                                      time_zone="UTC", color_id="2")
        world.share(holidays, demo_account.email, "reader")
        as_demo = Call(world, demo_account, {})
        monday = _monday()
        populate(as_demo, work.id, _work_events(monday), exception_every=1)
        populate(as_demo, demo_account.email, generate(40, seed=7, time_zone="Europe/Berlin"))
        as_owner = Call(world, holidays_owner, {})
        populate(as_owner, holidays.id, _holidays(monday.year), exception_every=0)
        tasks_seed.demo(world, demo_account.email)


def _timed(day: dt.date, hour: int, minutes: int, zone: str, **extra) -> dict:
    start = dt.datetime.combine(day, dt.time(hour), ZoneInfo(zone))
    end = start + dt.timedelta(minutes=minutes)
    return {"start": {"dateTime": times.format_datetime(start), "timeZone": zone},
            "end": {"dateTime": times.format_datetime(end), "timeZone": zone}, **extra}


def _work_events(monday: dt.date) -> list[dict]:
    team = [{"email": "ana@example.com", "displayName": "Ana", "responseStatus": "accepted"},
            {"email": "sam@example.com", "displayName": "Sam", "responseStatus": "tentative"},
            {"email": "lee@example.com", "responseStatus": "needsAction", "optional": True}]
    return [
        _timed(monday, 9, 15, "Europe/Berlin", summary="Daily standup",
               recurrence=["RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"], attendees=team),
        _timed(monday + dt.timedelta(days=2), 16, 60, "America/New_York",
               summary="Sync with New York office", recurrence=["RRULE:FREQ=WEEKLY;COUNT=10"],
               location="Zoom"),
        _timed(monday + dt.timedelta(days=3), 10, 45, "Asia/Tokyo", summary="Tokyo vendor call",
               reminders={"useDefault": False, "overrides": [{"method": "popup", "minutes": 30},
                                                              {"method": "email",
                                                               "minutes": 1440}]}),
        {"summary": "Team offsite", "location": "Lisbon",
         "start": {"date": (monday + dt.timedelta(days=14)).isoformat()},
         "end": {"date": (monday + dt.timedelta(days=17)).isoformat()}},
        {"summary": "Quarterly planning day",
         "start": {"date": (monday + dt.timedelta(days=8)).isoformat()},
         "end": {"date": (monday + dt.timedelta(days=9)).isoformat()},
         "recurrence": ["RRULE:FREQ=MONTHLY;INTERVAL=3;COUNT=8"]},
    ]


def _holidays(year: int) -> list[dict]:
    days = [("New Year's Day", 1, 1), ("Labour Day", 5, 1), ("Christmas Day", 12, 25),
            ("Boxing Day", 12, 26)]
    out = []
    for summary, month, day in days:
        start = dt.date(year, month, day)
        out.append({"summary": summary, "transparency": "transparent",
                    "start": {"date": start.isoformat()},
                    "end": {"date": (start + dt.timedelta(days=1)).isoformat()},
                    "recurrence": ["RRULE:FREQ=YEARLY"]})
    return out

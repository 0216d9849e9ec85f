"""Google Calendar events ⇄ iCalendar VEVENTs: ``to_ical`` renders what clients read,
``from_ical`` reads what clients write, ``shadow``/``keep`` merge back what Google cannot
hold, ``occurrences`` says when a resource happens (the store's time-range index)."""

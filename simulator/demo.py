"""A believable three months for the demo mailbox, relative to today: the work calendar,
a private calendar of its own, and a read-only holiday calendar."""

from datetime import date, timedelta

from .personas import DEMO_HOLIDAY_CALENDAR, DEMO_PRIVATE_CALENDAR

ZONE = "Europe/Berlin"
# Nationwide public holidays in Germany with a fixed date (month, day).
HOLIDAYS = {
    (1, 1): "New Year's Day",
    (5, 1): "Labour Day",
    (10, 3): "Day of German Unity",
    (12, 25): "Christmas Day",
    (12, 26): "Second Day of Christmas",
}


def _at(day, hour, minute=0):
    return {"dateTime": f"{day.isoformat()}T{hour:02d}:{minute:02d}:00", "timeZone": ZONE}


def _event(subject, day, start, end, show_as="busy", **extra):
    return {
        "subject": subject,
        "body": {"contentType": "text", "content": f"Notes for {subject.lower()}."},
        "location": {"displayName": extra.pop("location", "Office, room 3.14")},
        "attendees": extra.pop("attendees", ["team@contoso.example"]),
        "start": _at(day, *start),
        "end": _at(day, *end),
        "showAs": show_as,
        **extra,
    }


def demo_events(today: date):
    return [*work_events(today), *private_events(today), *holiday_events(today)]


def private_events(today: date):
    """Kept in the calendar "Private": they block only once the expert ticks it."""
    return [
        {**_event("Physiotherapy", today + timedelta(days=2), (10, 0), (11, 0)), **PRIVATE},
        {**_event("Parents' evening", today + timedelta(days=9), (15, 30), (17, 0)), **PRIVATE},
        {**_event("Car service", today + timedelta(days=16), (8, 30), (10, 0)), **PRIVATE},
    ]


PRIVATE = {"simCalendarId": DEMO_PRIVATE_CALENDAR, "attendees": [], "location": {}}


def holiday_events(today: date):
    """All-day holidays in the read-only calendar "Holidays in Germany", for about 100 days."""
    found = []
    for offset in range(100):
        day = today + timedelta(days=offset)
        name = HOLIDAYS.get((day.month, day.day))
        if name:
            found.append(
                {
                    # Busy rather than Outlook's usual "free": ticking the calendar shows.
                    **_event(name, day, (0, 0), (0, 0), isAllDay=True),
                    "end": _at(day + timedelta(days=1), 0),
                    "simCalendarId": DEMO_HOLIDAY_CALENDAR,
                    "attendees": [],
                }
            )
    return found


def work_events(today: date):
    monday = today - timedelta(days=today.weekday())
    thursday = monday + timedelta(days=3)
    team = _event(
        "Team meeting",
        monday,
        (9, 0),
        (10, 0),
        recurrence={
            "pattern": {
                "type": "weekly",
                "interval": 1,
                "daysOfWeek": ["monday"],
                "firstDayOfWeek": "monday",
            },
            "range": {"type": "noEnd", "startDate": monday.isoformat(), "recurrenceTimeZone": ZONE},
        },
        # The second Monday's meeting moves to 11:00; the third one is cancelled.
        exceptions={
            (monday + timedelta(weeks=1)).isoformat(): {
                "start": _at(monday + timedelta(weeks=1), 11),
                "end": _at(monday + timedelta(weeks=1), 12),
            }
        },
        deletedOccurrences=[(monday + timedelta(weeks=2)).isoformat()],
    )
    client_call = _event(
        "Client call: Fabrikam rollout",
        thursday,
        (14, 0),
        (15, 30),
        location="Microsoft Teams",
        recurrence={
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["thursday"]},
            "range": {
                "type": "endDate",
                "startDate": thursday.isoformat(),
                "endDate": (thursday + timedelta(weeks=10)).isoformat(),
            },
        },
    )
    offsite = today + timedelta(days=10)
    return [
        team,
        client_call,
        {
            **_event("Strategy offsite", offsite, (0, 0), (0, 0), isAllDay=True),
            "end": _at(offsite + timedelta(days=1), 0),
        },
        _event(
            "Hold: workshop prep", today + timedelta(days=3), (15, 0), (16, 0), show_as="tentative"
        ),
        _event(
            "Reminder: submit expenses", today + timedelta(days=2), (8, 0), (8, 15), show_as="free"
        ),
        _event("Dentist", today + timedelta(days=6), (13, 0), (18, 0), show_as="oof"),
        _event(
            "Budget review (cancelled)",
            today + timedelta(days=4),
            (10, 0),
            (11, 0),
            isCancelled=True,
        ),
        _event("Lunch with Tom", today + timedelta(days=1), (12, 30), (14, 0)),
        _event("Quarterly planning", today + timedelta(days=8), (10, 0), (12, 0)),
        _event("1:1 with Sara", today + timedelta(days=15), (16, 0), (17, 0)),
        _event("Board preparation", today + timedelta(days=22), (9, 30), (10, 30)),
        _event("Conference talk", today + timedelta(days=35), (11, 0), (12, 30)),
        _event("Year planning", today + timedelta(days=50), (13, 0), (16, 0)),
    ]

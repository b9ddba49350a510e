"""Links that open a web calendar's "new event" form filled in with the customer's
appointment: Google Calendar, and Outlook on the web for personal (Outlook.com) and work
or school (Office 365) accounts.

Neither service documents these addresses; the parameter names are the ones they have
accepted for years. Times go in UTC with a trailing Z, so the customer's calendar shows them
in its own zone whatever zone the booking page showed.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from .emails import event_texts

GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK_COM = "https://outlook.live.com/calendar/0/deeplink/compose"
OFFICE_365 = "https://outlook.office.com/calendar/0/deeplink/compose"


@dataclass(frozen=True)
class CalendarLinks:
    google: str
    outlook_com: str
    office_365: str


def _query(params) -> str:
    # %20 rather than "+" for spaces: Outlook shows a "+" in the subject literally.
    return urlencode(params, quote_via=quote)


def google_url(*, title: str, start: datetime, end: datetime, details: str, location: str) -> str:
    def stamp(moment):
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    params = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{stamp(start)}/{stamp(end)}",
        "details": details,
        "location": location,
    }
    return f"{GOOGLE}?{_query(params)}"


def outlook_url(
    base: str, *, title: str, start: datetime, end: datetime, details: str, location: str
) -> str:
    """base: OUTLOOK_COM or OFFICE_365."""

    def stamp(moment):
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    params = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": stamp(start),
        "enddt": stamp(end),
        "body": details,
        "location": location,
    }
    return f"{base}?{_query(params)}"


def calendar_links(booking) -> CalendarLinks:
    """The three links for a confirmed appointment, with the same title, place and
    description (join link, links to move or cancel) as its .ics file."""
    title, location, details = event_texts(booking, method="REQUEST")
    event = {
        "title": title,
        "start": booking.start,
        "end": booking.end,
        "details": details,
        "location": location,
    }
    return CalendarLinks(
        google=google_url(**event),
        outlook_com=outlook_url(OUTLOOK_COM, **event),
        office_365=outlook_url(OFFICE_365, **event),
    )

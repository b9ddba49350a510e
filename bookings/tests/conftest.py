from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingSettings, WeeklyHours
from calendars import sync
from calendars.models import CalendarConnection
from conftest import WORK

ZURICH = ZoneInfo("Europe/Zurich")


def open_every_day(expert, start=time(9), end=time(17)):
    BookingSettings.objects.update_or_create(
        expert=expert, defaults={"minimum_notice_minutes": 60, "appointment_minutes": 30}
    )
    WeeklyHours.objects.bulk_create(
        WeeklyHours(expert=expert, weekday=day, start=start, end=end) for day in range(7)
    )


def a_day_ahead(days=3):
    """A local date a few days ahead (well inside notice and horizon)."""
    return (timezone.now().astimezone(ZURICH) + timedelta(days=days)).date()


def busy_in_zurich(day, start_hour, end_hour, subject="Busy"):
    """A busy Outlook event on `day`, as the simulator's control API takes it."""
    return {
        "subject": subject,
        "start": {"dateTime": f"{day}T{start_hour:02d}:00:00", "timeZone": "Europe/Zurich"},
        "end": {"dateTime": f"{day}T{end_hour:02d}:00:00", "timeZone": "Europe/Zurich"},
    }


def zurich(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=ZURICH).astimezone(UTC)


@pytest.fixture
def bookable(expert):
    open_every_day(expert)
    return expert


@pytest.fixture
def connected(bookable, expert_client, connect_calendar, simulator):
    """The expert is bookable, connected to the work persona's mailbox and synced."""
    connect_calendar(expert_client, WORK)
    connection = CalendarConnection.objects.get(expert=bookable)

    def resync():
        sync.sync_connection(connection, now=timezone.now())

    connection.resync = resync
    resync()
    return connection


def booking_at(expert, *, start, **fields):
    """A confirmed 30-minute appointment of a New York customer, written straight to the
    database (for pages and mails; the booking flow has its own tests)."""
    values = {
        "start": start,
        "end": start + timedelta(minutes=30),
        "status": Booking.Status.ACCEPTED,
        "customer_name": "Jane Doe",
        "customer_email": "jane@example.com",
        "customer_language": "en",
        "customer_time_zone": "America/New_York",
        "meeting": "link",
        "join_url": "https://meet.example/jana",
        "expires_at": start,
        **fields,
    }
    return Booking.objects.create(expert=expert, **values)

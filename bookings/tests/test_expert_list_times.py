"""The expert's requests and appointments: every time is in the expert's zone, said once at the
top; the customer's own clock is added only where it reads otherwise."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import formats, translation

from bookings.models import Booking
from bookings.tests.conftest import a_day_ahead, booking_at, zurich
from experts import time_zones

pytestmark = pytest.mark.django_db


def expert_page(client):
    return client.get(reverse("bookings:expert_list")).content.decode()


def test_the_page_says_the_experts_zone_once(expert_client, expert):
    booking_at(expert, start=zurich(a_day_ahead(3), 10))
    booking_at(expert, start=zurich(a_day_ahead(4), 10), customer_time_zone="Asia/Tokyo")

    page = expert_page(expert_client)

    assert page.count("Times in your time zone, Zurich (UTC+") == 1  # +1 or +2, as today
    assert page.count("(UTC") == 1  # no zone label next to the times
    assert "America/New_York" not in page


def test_a_new_york_customers_clock_is_added_to_the_time(expert_client, expert):
    day = a_day_ahead(3)
    booking_at(expert, start=zurich(day, 15))

    page = expert_page(expert_client)

    local = zurich(day, 15).astimezone(ZoneInfo("America/New_York"))
    time = formats.time_format(local, "TIME_FORMAT")  # "9 a.m." in English
    assert f"customer's time: {time} (New York)" in page


def test_a_customer_on_another_day_sees_the_weekday(expert_client, expert):
    start = zurich(a_day_ahead(3), 22)  # already the next morning in Tokyo
    booking_at(expert, start=start, customer_time_zone="Asia/Tokyo")

    page = expert_page(expert_client)

    tokyo = start.astimezone(ZoneInfo("Asia/Tokyo"))
    time = formats.time_format(tokyo, "TIME_FORMAT")
    assert f"customer's time: {tokyo:%a} {time} (Tokyo)" in page


def test_a_customer_on_the_experts_clock_gets_no_second_time(expert_client, expert):
    # Berlin and Zurich read the same, all year.
    booking_at(expert, start=zurich(a_day_ahead(3), 10), customer_time_zone="Europe/Berlin")

    page = expert_page(expert_client)

    assert "customer's time" not in page
    assert "Berlin" not in page


def test_the_zone_and_the_customers_time_in_german(expert_client, expert):
    expert_client.cookies["django_language"] = "de"
    start = datetime(2031, 1, 15, 14, tzinfo=UTC)  # 15:00 in Zurich, 09:00 in New York
    booking_at(expert, start=start, end=start + timedelta(minutes=30))
    Booking.objects.update(status=Booking.Status.CANCELLED)  # in "Earlier and closed"

    page = expert_page(expert_client)

    with translation.override("de"):
        said = translation.gettext("customer's time: %(time)s (%(city)s)")
        zone = translation.gettext("Times in your time zone, %(zone)s.")
    offset = time_zones.offset_text("Europe/Zurich")  # the label gives today's offset
    assert zone % {"zone": f"Zürich ({offset})"} in page
    assert "15:00" in page
    assert said % {"time": "09:00", "city": "New York"} in page


def test_an_unknown_customer_zone_shows_no_customer_time(expert_client, expert):
    booking_at(expert, start=zurich(a_day_ahead(3), 10), customer_time_zone="Mars/Olympus")

    page = expert_page(expert_client)

    assert "customer's time" not in page

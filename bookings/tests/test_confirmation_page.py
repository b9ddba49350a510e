"""The customer's confirmation page: the calendar file, the add-to-calendar links, the links
to move or cancel, the way back."""

import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.html import escape
from icalendar import Calendar

from bookings.calendar_links import calendar_links
from bookings.models import Booking
from bookings.tests.conftest import booking_at
from conftest import ARTIFACTS

pytestmark = pytest.mark.django_db

# Thursday 13 March 2031, the week New York is on summer time (EDT, UTC-4) and Zurich not.
START = datetime(2031, 3, 13, 14, 0, tzinfo=UTC)
JOIN = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_Zm9v%40thread.v2/0?context=%7b%7d"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://okomo.example"
    settings.DEFAULT_FROM_EMAIL = "Okomo <no-reply@okomo.example>"


a_booking = partial(booking_at, start=START, meeting="teams", join_url=JOIN, sequence=2)


def page_of(client, booking):
    response = client.get(reverse("bookings:requested", args=[booking.uuid]))
    assert response.status_code == 200
    return response.content.decode()


def download(client, booking):
    return client.get(reverse("bookings:calendar_file", args=[booking.uuid]))


def query(url):
    parts = urlsplit(url)
    values = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    assert all(len(value) == 1 for value in values.values()), values
    return f"{parts.scheme}://{parts.netloc}{parts.path}", {k: v[0] for k, v in values.items()}


# --- the calendar file ---------------------------------------------------------------------


def test_the_calendar_file_of_an_appointment_adds_it_with_its_uid_sequence_and_join_link(
    client, expert
):
    booking = a_booking(expert)

    response = download(client, booking)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"] == 'attachment; filename="okomo-appointment.ics"'
    assert "no-store" in response["Cache-Control"]  # it names the customer
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["METHOD"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{booking.uuid}@okomo"
    assert int(event["SEQUENCE"]) == 2
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + timedelta(minutes=30)
    assert str(event["SUMMARY"]) == "Appointment with Jana Expert"
    assert str(event["LOCATION"]) == JOIN
    assert str(event["URL"]) == JOIN
    assert f"Join: {JOIN}" in str(event["DESCRIPTION"])
    assert str(event["STATUS"]) == "CONFIRMED"


def test_the_calendar_file_of_a_cancelled_appointment_takes_it_out_of_the_calendar(client, expert):
    booking = a_booking(
        expert, status=Booking.Status.CANCELLED, sequence=3, cancel_reason="I am ill."
    )

    response = download(client, booking)

    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["METHOD"]) == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{booking.uuid}@okomo"
    assert int(event["SEQUENCE"]) == 3
    assert str(event["STATUS"]) == "CANCELLED"


@pytest.mark.parametrize(
    "status", [Booking.Status.REQUESTED, Booking.Status.DECLINED, Booking.Status.EXPIRED]
)
def test_a_booking_that_was_never_confirmed_has_no_calendar_file(client, expert, status):
    # A declined or expired request sends no cancelling file: one added now would stay.
    booking = a_booking(expert, status=status, join_url="")

    assert download(client, booking).status_code == 404


def test_an_unknown_uuid_finds_neither_page_nor_calendar_file(client, expert):
    booking = a_booking(expert)
    # The key is a random (version 4) uuid: 122 bits, not a counter to count on from.
    assert booking.uuid.version == 4
    guess = uuid.UUID(int=booking.uuid.int + 1)

    assert client.get(reverse("bookings:requested", args=[guess])).status_code == 404
    assert client.get(reverse("bookings:calendar_file", args=[guess])).status_code == 404
    assert client.get(f"/booking/{booking.pk}/calendar.ics").status_code == 404


def test_each_page_offers_its_own_bookings_calendar_file(client, expert, other_expert):
    mine = a_booking(expert)
    other = a_booking(other_expert, customer_email="max@example.com", join_url="")

    html = page_of(client, mine)

    assert reverse("bookings:calendar_file", args=[mine.uuid]) in html
    assert str(other.uuid) not in html
    assert b"max@example.com" not in download(client, mine).content


# --- the add-to-calendar links --------------------------------------------------------------


def test_the_google_link_carries_the_utc_times_the_subject_and_the_join_link(expert):
    booking = a_booking(expert)

    base, params = query(calendar_links(booking).google)

    assert base == "https://calendar.google.com/calendar/render"
    assert params["action"] == "TEMPLATE"
    assert params["text"] == "Appointment with Jana Expert"
    # 10 a.m. in New York (EDT) is 14:00 UTC; the Z lets Google show it in any zone.
    assert params["dates"] == "20310313T140000Z/20310313T143000Z"
    assert params["location"] == JOIN
    assert f"Join: {JOIN}" in params["details"]
    assert "https://okomo.example/booking/cancel/" in params["details"]


@pytest.mark.parametrize(
    ("which", "base"),
    [
        ("outlook_com", "https://outlook.live.com/calendar/0/deeplink/compose"),
        ("office_365", "https://outlook.office.com/calendar/0/deeplink/compose"),
    ],
)
def test_the_outlook_links_carry_the_utc_times_the_subject_and_the_join_link(expert, which, base):
    booking = a_booking(expert)

    found_base, params = query(getattr(calendar_links(booking), which))

    assert found_base == base
    assert params["path"] == "/calendar/action/compose"
    assert params["rru"] == "addevent"
    assert params["subject"] == "Appointment with Jana Expert"
    assert params["startdt"] == "2031-03-13T14:00:00Z"
    assert params["enddt"] == "2031-03-13T14:30:00Z"
    assert params["location"] == JOIN
    assert f"Join: {JOIN}" in params["body"]


def test_the_links_keep_every_character_of_the_name_and_speak_the_customers_language(expert):
    expert.display_name = "Jörg & Søren + Co?"
    expert.save()
    booking = a_booking(expert, customer_language="de", meeting="phone", join_url="")
    links = calendar_links(booking)

    for url in (links.google, links.outlook_com, links.office_365):
        # Spaces as %20: Outlook shows a "+" literally.
        assert "+" not in urlsplit(url).query
        _, params = query(url)
        title = params.get("text") or params["subject"]
        assert title == "Termin mit Jörg & Søren + Co?"
        assert (params.get("location") or "") == "Telefon"


# --- what the page offers, by the booking's state -------------------------------------------


def test_a_confirmed_appointment_offers_calendar_move_cancel_and_the_way_back(client, expert):
    booking = a_booking(expert)
    links = calendar_links(booking)

    html = page_of(client, booking)

    assert escape(JOIN) in html
    for url in (links.google, links.outlook_com, links.office_365):
        # The move and cancel links in the details carry a signing timestamp, which may tick
        # between building the page and this check: compare the link up to them.
        assert f'href="{escape(url.split("Need%20another")[0])}' in html
    assert "Add to Google Calendar" in html
    assert "Add to Outlook.com" in html
    assert "Add to Office 365" in html
    assert "Download calendar file (.ics)" in html
    assert "Move to another time" in html
    assert ">Cancel</a>" in html
    assert "Back to Jana Expert's booking page" in html
    assert f'href="{reverse("bookings:page", args=["jana"])}"' in html


def test_the_move_and_cancel_buttons_lead_to_this_bookings_own_pages(client, expert):
    booking = a_booking(expert)
    html = page_of(client, booking)

    targets = {}
    for name in ("customer_cancel", "customer_reschedule"):
        marker = f'href="https://okomo.example/booking/{name.split("_")[1]}/'
        start = html.index(marker) + len('href="https://okomo.example')
        path = html[start : html.index('"', start)]
        targets[name] = path
        assert resolve(path).url_name == name
    cancelling = client.get(targets["customer_cancel"])
    assert cancelling.status_code == 200
    assert "Cancel this appointment?" in cancelling.content.decode()


def test_a_request_offers_only_move_cancel_and_the_way_back(client, expert):
    booking = a_booking(expert, status=Booking.Status.REQUESTED, join_url="")

    html = page_of(client, booking)

    assert "Request sent" in html
    assert "Move to another time" in html
    assert ">Cancel</a>" in html
    assert "Back to Jana Expert's booking page" in html
    assert "Add to your calendar" not in html
    assert "calendar.google.com" not in html
    assert "outlook." not in html
    assert "calendar.ics" not in html


@pytest.mark.parametrize(
    "status", [Booking.Status.CANCELLED, Booking.Status.DECLINED, Booking.Status.EXPIRED]
)
def test_a_booking_that_no_longer_stands_offers_only_the_way_back(client, expert, status):
    booking = a_booking(expert, status=status)

    html = page_of(client, booking)

    assert "Back to Jana Expert's booking page" in html
    assert "Add to your calendar" not in html
    assert "calendar.ics" not in html
    assert "Move to another time" not in html
    assert ">Cancel</a>" not in html
    assert escape(JOIN) not in html


def test_an_appointment_that_has_begun_can_no_longer_be_moved_or_cancelled(client, expert):
    start = timezone.now() - timedelta(minutes=10)
    booking = a_booking(expert, start=start, end=start + timedelta(minutes=30))

    html = page_of(client, booking)

    assert "Add to Google Calendar" in html  # still on, so still worth having
    assert "Move to another time" not in html
    assert ">Cancel</a>" not in html


def test_an_expert_without_a_booking_page_leaves_out_the_way_back(client, expert):
    booking = a_booking(expert)
    expert.slug = None
    expert.save()

    assert "booking page" not in page_of(client, booking)


# --- in a real browser ----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["en-US", "de-DE"])
def test_the_page_fits_every_width_from_a_small_phone_to_a_desktop(
    live_server, browser, expert, locale
):
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    appointment = a_booking(expert, start=start, end=start + timedelta(minutes=30))
    request = a_booking(
        expert,
        status=Booking.Status.REQUESTED,
        join_url="",
        start=start + timedelta(days=1),
        end=start + timedelta(days=1, minutes=30),
    )
    ARTIFACTS.mkdir(exist_ok=True)
    language = locale[:2]
    for width in (320, 390, 768, 1280):
        context = browser.new_context(
            locale=locale, timezone_id="America/New_York", viewport={"width": width, "height": 900}
        )
        tab = context.new_page()
        for name, booking in (("appointment", appointment), ("request", request)):
            tab.goto(f"{live_server.url}{reverse('bookings:requested', args=[booking.uuid])}")
            assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
                name,
                width,
            )
            tab.screenshot(
                path=ARTIFACTS / f"confirmation-{name}-{language}-{width}.png", full_page=True
            )
        context.close()

    context = browser.new_context(locale=locale, viewport={"width": 390, "height": 844})
    tab = context.new_page()
    tab.goto(f"{live_server.url}{reverse('bookings:requested', args=[appointment.uuid])}")
    with tab.expect_download() as downloading:
        tab.locator('a[href$="/calendar.ics"]').click()
    assert downloading.value.suggested_filename == "okomo-appointment.ics"
    calendar = Calendar.from_ical(Path(downloading.value.path()).read_bytes())
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{appointment.uuid}@okomo"
    context.close()

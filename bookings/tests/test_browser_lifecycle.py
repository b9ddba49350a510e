"""A New York customer's appointment from booking to cancellation, on a phone, in a real
browser with a real worker: instant confirmation, the Teams join link, a move, a cancel."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_time
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from bookings.cancel_links import cancel_url, reschedule_url
from bookings.models import Booking, BookingSettings
from bookings.tests.conftest import a_day_ahead, open_every_day, zurich
from bookings.tests.test_browser_booking import booked_events, eventually, new_york
from conftest import ARTIFACTS, WORK, local_path

NEW_YORK = "America/New_York"
PHONE = {"width": 390, "height": 844}
LOCALES = {"en": "en-US", "de": "de-DE"}
WIDTHS = (320, 390, 1280)
NARROW = (320, 390)


def customer_tab(browser, *, locale="en-US", viewport=PHONE):
    context = browser.new_context(locale=locale, timezone_id=NEW_YORK, viewport=viewport)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    return tab


def pick(tab, day, time):
    """On the booking page: go to the month of `day`, open the day, choose the time."""
    expect(tab.locator("#id_time_zone_picker")).to_have_value(NEW_YORK)
    shown = datetime.now(ZoneInfo(NEW_YORK)).date().replace(day=1)
    while (shown.year, shown.month) < (day.year, day.month):
        expect(tab.locator(f'[data-day="{shown}"]')).to_be_attached()  # month drawn
        tab.locator("#next-month").click()
        shown = (shown + timedelta(days=32)).replace(day=1)
    tab.locator(f'[data-day="{day}"]').click()
    tab.get_by_role("button", name=time, exact=True).click()


def shown(day, hour):
    """A Zurich wall-clock time as the pages show it to this en-US (12 h) customer in New York."""
    return format_time(zurich(day, hour).astimezone(ZoneInfo(NEW_YORK)), "h:mm a", locale="en")


def local(url, live_server):
    return url.replace(settings.SITE_URL, live_server.url)


def fits(tab):
    """Nothing sticks out sideways (no horizontal scrolling on a phone)."""
    return tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def phone_shot(tab, name):
    """The customer's own phone screen, kept, and checked for sideways scrolling."""
    tab.screenshot(path=ARTIFACTS / f"lifecycle-phone-{name}.png", full_page=True)
    assert fits(tab), f"{name} scrolls sideways on a phone"


def shoot(browser, url, name, prepare=None):
    """Screenshots of `url` in English and German at a small phone, a phone and a desktop
    width; on the phones the page must not scroll sideways."""
    for language, locale in LOCALES.items():
        tab = customer_tab(browser, locale=locale)
        for width in WIDTHS:
            tab.set_viewport_size({"width": width, "height": 844})
            tab.goto(url)
            if prepare:
                prepare(tab)
            if width in NARROW:
                assert fits(tab), f"{name} ({language}) scrolls sideways at {width} px"
            tab.screenshot(
                path=ARTIFACTS / f"lifecycle-{name}-{language}-{width}.png", full_page=True
            )
        tab.context.close()


@pytest.mark.browser
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_new_york_customer_books_joins_moves_and_cancels_on_a_phone(
    live_server, browser, simulator, expert, expert_client, connect_calendar, celery_worker
):
    ARTIFACTS.mkdir(exist_ok=True)
    open_every_day(expert)
    BookingSettings.objects.filter(expert=expert).update(
        confirm_automatically=True, meeting=BookingSettings.Meeting.TEAMS
    )
    connect_calendar(expert_client, WORK)
    day = a_day_ahead(4)

    # Booked at 11:00 Zurich time, confirmed at once.
    tab = customer_tab(browser)
    tab.goto(f"{live_server.url}/book/{expert.slug}/")
    pick(tab, day, new_york(day, 11))
    tab.get_by_label("Your name").fill("Jane Doe")
    tab.get_by_label("Your email address").fill("jane@example.com")
    tab.get_by_role("button", name="Book appointment").click()
    expect(tab.get_by_role("heading", name="Appointment confirmed")).to_be_visible()
    expect(tab.locator(".chosen")).to_contain_text(shown(day, 11))
    expect(tab.locator(".chosen")).to_contain_text("New York (UTC")
    phone_shot(tab, "1-confirmed")

    # The worker writes the Outlook event with a Teams meeting; its join link shows.
    eventually(lambda: Booking.objects.get().outlook_state == Booking.Outlook.WRITTEN)
    booking = Booking.objects.get()
    assert booking.join_url.startswith("https://")
    tab.reload()
    expect(tab.get_by_text("Join online:")).to_be_visible()
    expect(tab.locator("a.join")).to_have_attribute("href", booking.join_url)
    phone_shot(tab, "2-join-link")
    (event,) = booked_events(simulator)
    assert event["start"]["dateTime"] == f"{day}T11:00:00"
    assert event["isOnlineMeeting"] is True
    assert event["onlineMeeting"]["joinUrl"] == booking.join_url
    shoot(browser, tab.url, "confirmed")

    # From the mailed link: the booking page in moving mode; moved to 14:00 Zurich time.
    moving = local(reschedule_url(booking), live_server)

    def choose_new_time(shot_tab):
        pick(shot_tab, day, new_york(day, 14, locale=shot_tab.evaluate("navigator.language")))
        expect(shot_tab.locator("#booking-form button[type=submit]")).to_be_visible()

    shoot(browser, moving, "moving", prepare=choose_new_time)
    tab.goto(moving)
    expect(
        tab.get_by_role("heading", name="Move your appointment with Jana Expert")
    ).to_be_visible()
    expect(tab).to_have_title("Move your appointment with Jana Expert · Okomo")
    expect(tab.locator(".current")).to_contain_text(f"Currently booked: {day:%A}, ")
    expect(tab.locator(".current")).to_contain_text(shown(day, 11))
    expect(tab.get_by_role("button", name="Move appointment")).to_be_hidden()  # no time yet
    choose_new_time(tab)
    expect(tab.get_by_role("button", name="Move appointment")).to_be_visible()
    phone_shot(tab, "3-moving")
    tab.get_by_role("button", name="Move appointment").click()
    expect(tab.get_by_role("heading", name="Your appointment was moved")).to_be_visible()
    expect(tab.locator(".chosen")).to_contain_text(shown(day, 14))
    expect(tab.get_by_text("We sent you a mail with the new time")).to_be_visible()
    phone_shot(tab, "4-moved")
    eventually(lambda: Booking.objects.get().outlook_state == Booking.Outlook.WRITTEN)
    (moved,) = booked_events(simulator)
    assert moved["id"] == event["id"]
    assert moved["start"]["dateTime"] == f"{day}T14:00:00"

    # From the mailed link: cancelled with a reason; the event leaves Outlook.
    cancelling = local(cancel_url(booking), live_server)
    shoot(browser, cancelling, "cancel")
    tab.goto(cancelling)
    expect(tab).to_have_title("Cancel appointment · Okomo")
    expect(tab.get_by_role("heading", name="Cancel this appointment?")).to_be_visible()
    tab.get_by_label("Reason (optional)").fill("My flight was moved.")
    tab.get_by_role("button", name="Cancel appointment").click()
    expect(tab.get_by_role("heading", name="Your appointment is cancelled")).to_be_visible()
    phone_shot(tab, "5-cancelled")
    eventually(lambda: not booked_events(simulator))
    # The worker records "removed" just after Microsoft answered the DELETE.
    eventually(lambda: Booking.objects.get().outlook_state == Booking.Outlook.REMOVED)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancel_reason == "My flight was moved."
    tab.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_expert_who_calls_asks_for_the_phone_number_and_the_browser_insists(
    live_server, browser, expert
):
    open_every_day(expert)
    BookingSettings.objects.filter(expert=expert).update(
        confirm_automatically=True, meeting=BookingSettings.Meeting.PHONE
    )
    day = a_day_ahead(4)
    tab = customer_tab(browser)
    tab.goto(f"{live_server.url}/book/{expert.slug}/")
    expect(tab.get_by_text("30 minutes · Phone call: the expert calls you")).to_be_visible()
    pick(tab, day, new_york(day, 11))
    phone = tab.get_by_label("Your phone number")
    expect(phone).to_have_attribute("type", "tel")
    expect(phone).to_have_attribute("required", "")
    tab.get_by_label("Your name").fill("Jane Doe")
    tab.get_by_label("Your email address").fill("jane@example.com")
    tab.get_by_role("button", name="Book appointment").click()
    assert phone.evaluate("field => field.validity.valueMissing")  # the browser holds it back
    assert not Booking.objects.exists()

    # Not a number: sent back with the details kept, the time named, the field marked.
    phone.fill("call me")
    tab.get_by_role("button", name="Book appointment").click()
    expect(tab.get_by_text("Please write a phone number, e.g. +49 30 1234567.")).to_be_visible()
    expect(tab.locator("#chosen-slot")).to_contain_text(f"{new_york(day, 11)} · New York (UTC")
    expect(tab.get_by_label("Your name")).to_have_value("Jane Doe")
    phone_shot(tab, "phone-number-refused")
    assert not Booking.objects.exists()

    phone.fill("+1 212 555 0100")
    tab.get_by_role("button", name="Book appointment").click()
    expect(tab.get_by_role("heading", name="Appointment confirmed")).to_be_visible()
    expect(tab.get_by_text("Jana Expert will call you at +1 212 555 0100.")).to_be_visible()
    assert Booking.objects.get().customer_phone == "+1 212 555 0100"
    tab.context.close()


@pytest.mark.django_db
def test_the_cancel_link_of_a_past_appointment_is_titled_as_over(client, expert):
    start = timezone.now() - timedelta(hours=2)
    booking = Booking.objects.create(
        expert=expert,
        start=start,
        end=start + timedelta(minutes=30),
        status=Booking.Status.ACCEPTED,
        customer_name="Jane Doe",
        customer_email="jane@example.com",
    )
    page = client.get(local_path(cancel_url(booking)))
    assert page.status_code == 410
    assert "<title>This appointment is over · Okomo</title>" in page.content.decode()

"""End to end in a real browser, with a real worker: connect, book, accept, cancel."""

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from bookings.cancel_links import cancel_url
from bookings.models import Booking
from bookings.tests.conftest import a_day_ahead, busy_in_zurich, open_every_day, zurich
from calendars.models import CalendarConnection
from conftest import WORK
from outbox.models import Effect

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def eventually(condition, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


def new_york(day, hour, minute=0, locale="en-US"):
    """A Zurich wall-clock time as the New York customer sees it on the booking page: in the
    convention of the browser's locale, "5:00 AM" (en-US) or "05:00" (de-DE)."""
    moment = zurich(day, hour, minute).astimezone(ZoneInfo("America/New_York"))
    if locale == "en-US":
        return f"{moment:%I:%M %p}".lstrip("0")
    return f"{moment:%H:%M}"


def booked_events(simulator):
    return [e for e in simulator.events(WORK) if "Jane Doe" in e["subject"]]


def test_customer_books_expert_accepts_outlook_follows_customer_cancels(
    live_server, browser, page, simulator, expert, celery_worker
):
    open_every_day(expert)
    day = a_day_ahead(4)
    # Busy in Outlook 10:00-11:00 in Zurich.
    simulator.add_events(WORK, [busy_in_zurich(day, 10, 11, subject="Private: doctor")])

    # The expert signs in and connects through the simulator's pages; the worker syncs.
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Email address").fill("expert@example.com")
    page.get_by_label("Password").fill("pw-expert-1")
    page.get_by_role("button", name="Sign in").click()
    # Signed in, the settings open on "Availability"; the calendar has a tab of its own.
    page.get_by_role("link", name="Sync calendar").click()
    page.get_by_role("button", name="Connect with Office 365 / Outlook.com calendar").click()
    page.get_by_role("button", name=WORK).click()
    page.get_by_role("button", name="Accept").click()
    # Back on the "Sync calendar" tab (Microsoft's answer form posted, the callback done).
    expect(page.locator(".connected-as")).to_contain_text(WORK)
    eventually(lambda: CalendarConnection.objects.get(expert=expert).busy_intervals.exists())
    page.reload()
    page.shot("booking-1-expert-settings")

    # A customer in New York books.
    customer = browser.new_context(
        locale="en-US", timezone_id="America/New_York", viewport={"width": 1100, "height": 1000}
    )
    tab = customer.new_page()
    tab.set_default_timeout(15_000)
    tab.goto(f"{live_server.url}/book/{expert.slug}/")
    expect(tab.locator("#id_time_zone_picker")).to_have_value("America/New_York")
    shown = datetime.now(ZoneInfo("America/New_York")).date().replace(day=1)
    while (shown.year, shown.month) < (day.year, day.month):
        expect(tab.locator(f'[data-day="{shown}"]')).to_be_attached()  # month drawn
        tab.locator("#next-month").click()
        shown = (shown + timedelta(days=32)).replace(day=1)
    tab.locator(f'[data-day="{day}"]').click()
    times = tab.locator("#time-list .slot")
    expect(times.first).to_be_visible()
    offered = times.all_inner_texts()
    assert new_york(day, 9, 30) in offered
    assert new_york(day, 10) not in offered  # busy in Outlook
    assert new_york(day, 10, 30) not in offered
    assert new_york(day, 11) in offered
    tab.screenshot(path=str(page.artifacts / "booking-2-customer-page.png"), full_page=True)
    tab.get_by_role("button", name=new_york(day, 11), exact=True).click()
    tab.get_by_label("Your name").fill("Jane Doe")
    tab.get_by_label("Your email address").fill("jane@example.com")
    tab.get_by_role("button", name="Request appointment").click()
    expect(tab.get_by_role("heading", name="Request sent")).to_be_visible()
    expect(tab.locator(".chosen")).to_contain_text("New York (UTC")
    tab.screenshot(path=str(page.artifacts / "booking-3-requested.png"), full_page=True)

    # The expert accepts; the worker writes the event into Outlook.
    page.goto(f"{live_server.url}/settings/bookings/")
    expect(page.get_by_text("Jane Doe")).to_be_visible()
    page.get_by_role("button", name="Accept").click()
    # The accept's redirect has landed before the page is loaded again (a reload during that
    # navigation fails in Chromium: "Not attached to an active page").
    expect(page.get_by_text("Accepted.")).to_be_visible()
    eventually(lambda: Booking.objects.get().outlook_state == "written")
    page.goto(f"{live_server.url}/settings/bookings/")
    expect(page.locator(".outlook.written")).to_have_text("in your Outlook calendar")
    page.shot("booking-4-expert-accepted")
    (event,) = booked_events(simulator)
    assert event["start"]["dateTime"] == f"{day}T11:00:00"  # as stored: the expert's zone
    assert event["start"]["timeZone"] == "Europe/Zurich"

    # The customer cancels through the link in the mail; the event leaves Outlook.
    # (The worker sent the mails; the link is the one they carry.)
    eventually(lambda: Effect.objects.filter(kind="bookings.mail", status="done").count() == 3)
    link = cancel_url(Booking.objects.get())
    tab.goto(link.replace("http://127.0.0.1:8000", live_server.url))
    tab.get_by_role("button", name="Cancel appointment").click()
    expect(tab.get_by_role("heading", name="Your appointment is cancelled")).to_be_visible()
    eventually(lambda: not booked_events(simulator))
    # The worker records "removed" just after Microsoft answered the DELETE.
    eventually(lambda: Booking.objects.get().outlook_state == "removed")
    customer.close()

"""Times on the customer's clock: the 12 h / 24 h the booking page showed is kept with the
booking and used on the confirmation page and in the customer's mails; the expert's mails keep
the expert's language format."""

from datetime import UTC, datetime
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from bookings import services
from bookings.cancel_links import cancel_url
from bookings.emails import MAILS
from bookings.models import Booking
from bookings.tests.conftest import a_day_ahead, booking_at, zurich
from bookings.tests.test_booking_flow import request_form
from bookings.tests.test_browser_booking import new_york
from bookings.tests.test_browser_lifecycle import customer_tab, pick

pytestmark = pytest.mark.django_db

# Thursday 13 March 2031, 19:00 UTC: 3:00 PM in New York (EDT), 20:00 in Zurich (CET).
START = datetime(2031, 3, 13, 19, 0, tzinfo=UTC)


a_booking = partial(booking_at, start=START)


@pytest.mark.parametrize(
    ("sent", "stored"),
    [("12", "12"), ("24", "24"), ("", ""), ("25", ""), ("<b>12</b>", ""), (None, "")],
)
def test_the_booking_keeps_the_clock_the_page_showed(client, bookable, expert, sent, stored):
    form = request_form(zurich(a_day_ahead(), 14))
    if sent is not None:
        form["clock"] = sent

    response = client.post(reverse("bookings:submit", args=[expert.slug]), form)

    assert response.status_code == 302
    assert Booking.objects.get().customer_clock == stored


@pytest.mark.parametrize(
    ("clock", "language", "shown"),
    [
        ("12", "en", "3:00 PM–3:30 PM"),
        ("24", "en", "15:00–15:30"),
        ("12", "de", "3:00 PM–3:30 PM"),
        ("24", "de", "15:00–15:30"),
        ("", "en", "3 p.m.–3:30 p.m."),  # unknown: the language's format, as before
        ("", "de", "15:00–15:30"),
    ],
)
def test_the_confirmation_page_and_the_accepted_mail_use_the_customers_clock(
    client, expert, clock, language, shown
):
    booking = a_booking(expert, customer_clock=clock, customer_language=language)

    page = client.get(
        reverse("bookings:requested", args=[booking.uuid]), headers={"accept-language": language}
    )
    mail = MAILS["accepted"](booking)

    assert page.status_code == 200
    assert shown in page.content.decode()
    assert shown in mail.body


@pytest.mark.parametrize("clock", ["12", "24"])
def test_the_cancel_page_uses_the_customers_clock(client, expert, clock):
    booking = a_booking(expert, customer_clock=clock)
    url = cancel_url(booking).removeprefix(settings.SITE_URL)

    page = client.get(url).content.decode()

    assert {"12": "3:00 PM–3:30 PM", "24": "15:00–15:30"}[clock] in page


@pytest.mark.parametrize(
    ("clock", "expert_language", "shown", "not_shown"),
    [
        ("12", "de", "20:00–20:30", "8:00 PM"),
        ("24", "en", "8 p.m.–8:30 p.m.", "20:00"),
    ],
)
def test_the_experts_mail_keeps_the_experts_format(
    expert, clock, expert_language, shown, not_shown
):
    expert.language = expert_language
    expert.save(update_fields=["language"])
    booking = a_booking(expert, customer_clock=clock, status=Booking.Status.REQUESTED)

    mail = MAILS["new_request"](booking)

    assert mail.to == [expert.email]
    assert shown in mail.body
    assert not_shown not in mail.body


def test_a_move_keeps_the_clock(client, bookable, expert):
    day = a_day_ahead()
    form = request_form(zurich(day, 14), clock="12", language="en")
    client.post(reverse("bookings:submit", args=[expert.slug]), form)
    booking = Booking.objects.get()

    services.reschedule_booking(
        booking, start=zurich(day, 15), now=timezone.now(), by_customer=True
    )

    booking.refresh_from_db()
    assert booking.customer_clock == "12"
    moved = MAILS["rescheduled"](booking).body
    local = booking.start.astimezone(ZoneInfo("America/New_York"))
    assert f"{local:%-I}:{local:%M} {local:%p}" in moved


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_clock_chosen_on_the_page_reaches_the_confirmation(live_server, browser, bookable):
    day = a_day_ahead(4)
    tab = customer_tab(browser)  # en-US: 12 h, switched to 24 h
    tab.goto(f"{live_server.url}/book/{bookable.slug}/")
    expect(tab.locator("#id_clock")).to_have_value("12")
    pick(tab, day, new_york(day, 11))
    tab.get_by_role("button", name="13:00").click()
    expect(tab.locator("#id_clock")).to_have_value("24")
    tab.get_by_label("Your name").fill("Jane Doe")
    tab.get_by_label("Your email address").fill("jane@example.com")
    tab.get_by_role("button", name="Request appointment").click()

    expect(tab.get_by_role("heading", name="Request sent")).to_be_visible()
    ends = new_york(day, 11, 30, locale="de-DE")
    expect(tab.locator(".chosen")).to_contain_text(f"{new_york(day, 11, locale='de-DE')}–{ends}")
    assert Booking.objects.get().customer_clock == "24"
    tab.context.close()

"""The customer's other pages for keyboard and screen-reader users: the confirmation page, the
cancel page (before, after, too late) and the move page never scroll sideways and axe-core finds
nothing serious on them, from a small phone to a desktop, in English and German."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from bookings.cancel_links import cancel_url, reschedule_url
from bookings.models import Booking
from bookings.tests.conftest import a_day_ahead, zurich
from bookings.tests.test_booking_page_a11y import LOCALES, WIDTHS, serious_violations
from bookings.tests.test_browser_booking import new_york
from bookings.tests.test_browser_lifecycle import NEW_YORK, customer_tab, fits, local, pick
from conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A real Teams link is long and unbroken: the worst case for a narrow screen.
JOIN_URL = (
    "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NmQ4ZjYxYTEtZTk2Ni00ZWM0LWJhMTct"
    "YjJlYzE2ZDI0MmM0%40thread.v2/0?context=%7b%22Tid%22%3a%2272f988bf-86f1-41af-91ab%22%7d"
)


def booking(expert, day, hour, status, **fields):
    return Booking.objects.create(
        expert=expert,
        start=zurich(day, hour),
        end=zurich(day, hour, 30),
        status=status,
        customer_name="Jane Doe",
        customer_email="jane@example.com",
        customer_time_zone=NEW_YORK,
        **fields,
    )


def check(tab, shot):
    """Kept as a screenshot; no sideways scrolling; nothing serious or critical for axe."""
    tab.screenshot(path=ARTIFACTS / f"a11y-{shot}.png", full_page=True)
    assert fits(tab), f"{shot} scrolls sideways"
    problems = serious_violations(tab)
    assert not problems, f"{shot}:\n" + "\n".join(problems)


def test_the_customer_pages_pass_axe_and_never_scroll_sideways(live_server, browser, bookable):
    ARTIFACTS.mkdir(exist_ok=True)
    day, move_to = a_day_ahead(3), a_day_ahead(5)
    confirmed = booking(bookable, day, 10, Booking.Status.ACCEPTED, join_url=JOIN_URL)
    request = booking(
        bookable,
        day,
        12,
        Booking.Status.REQUESTED,
        expires_at=timezone.now() + timedelta(hours=24),
    )
    cancelled = booking(bookable, day, 14, Booking.Status.CANCELLED)
    over = booking(bookable, a_day_ahead(-2), 10, Booking.Status.ACCEPTED)
    pages = {
        "confirmation": f"{live_server.url}/booking/{confirmed.uuid}/",
        "request": f"{live_server.url}/booking/{request.uuid}/",
        "cancel": local(cancel_url(confirmed), live_server),
        "cancelled": local(cancel_url(cancelled), live_server),
        "over": local(cancel_url(over), live_server),
    }
    headings = {
        "confirmation": "Appointment confirmed",
        "request": "Request sent",
        "cancel": "Cancel this appointment?",
        "cancelled": "Your appointment is cancelled",
        "over": "This appointment is over",
    }
    for language, locale in LOCALES.items():
        # This one the customer cancels in the browser, at the first width.
        to_cancel = booking(bookable, day, 15, Booking.Status.ACCEPTED)
        just_cancelled = local(cancel_url(to_cancel), live_server)
        tab = customer_tab(browser, locale=locale)
        for width in WIDTHS:
            tab.set_viewport_size({"width": width, "height": 844})
            for name, url in pages.items():
                tab.goto(url)
                with translation.override(language):
                    heading = translation.gettext(headings[name])
                expect(tab.get_by_role("heading", level=1)).to_have_text(heading)
                check(tab, f"{name}-{language}-{width}")

            tab.goto(just_cancelled)
            if width == WIDTHS[0]:
                tab.locator("[name=reason]").fill("Something came up.")
                tab.locator("button.danger").click()
            with translation.override(language):
                heading = translation.gettext(headings["cancelled"])
            expect(tab.get_by_role("heading", level=1)).to_have_text(heading)
            expect(tab.locator("button.danger")).to_have_count(0)
            check(tab, f"just-cancelled-{language}-{width}")

            tab.goto(local(reschedule_url(confirmed), live_server))
            pick(tab, move_to, new_york(move_to, 11, locale=locale))
            expect(tab.locator("#booking-form")).to_be_visible()
            check(tab, f"move-{language}-{width}")
        tab.context.close()
    to_cancel.refresh_from_db()
    assert to_cancel.status == Booking.Status.CANCELLED

"""The expert's Profile tab and Requests & appointments in a real browser, phone to desktop, in
English and German: no sideways scrolling, the gear menu inside the screen, nothing serious for
axe-core; the zone picker saves what is picked; German is kept after signing out and in."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from bookings.models import Booking
from bookings.tests.conftest import a_day_ahead, booking_at, zurich
from bookings.tests.test_booking_page_a11y import serious_violations
from bookings.tests.test_browser_lifecycle import fits
from bookings.tests.test_customer_pages_a11y import JOIN_URL
from conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = ARTIFACTS / "expert-pages"
PASSWORD = "pw-expert-1"  # the `expert` fixture's
WIDTHS = (320, 390, 1280)
LOCALES = {"en": "en-US", "de": "de-DE"}


def translated(language, text):
    with translation.override(language):
        return translation.gettext(text)


def expert_tab(browser, *, locale="en-US", width=1280):
    context = browser.new_context(
        locale=locale, timezone_id="Europe/Zurich", viewport={"width": width, "height": 844}
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    return tab


def sign_in(tab, live_server, email="expert@example.com"):
    tab.goto(f"{live_server.url}/sign-in/")
    tab.locator("#id_username").fill(email)
    tab.locator("#id_password").fill(PASSWORD)
    tab.locator("main button[type=submit]").click()
    expect(tab.locator(".gear")).to_be_visible()


def check(tab, name):
    """Kept as a screenshot; no sideways scrolling; nothing serious or critical for axe."""
    tab.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    assert fits(tab), f"{name} scrolls sideways"
    problems = serious_violations(tab)
    assert not problems, f"{name}:\n" + "\n".join(problems)


def open_gear_inside_the_screen(tab, name):
    tab.locator(".gear summary").click()
    menu = tab.locator(".gear .menu")
    expect(menu).to_be_visible()
    box = menu.bounding_box()
    width = tab.viewport_size["width"]
    assert box["x"] >= 0, f"{name}: the menu starts left of the screen: {box}"
    assert box["x"] + box["width"] <= width, f"{name}: the menu ends right of the screen: {box}"
    tab.screenshot(path=SHOTS / f"{name}.png")
    assert fits(tab), f"{name}: the open menu scrolls sideways"
    tab.locator(".gear summary").click()


@pytest.fixture
def listed(expert):
    """A request, two appointments (New York, Tokyo) and a closed one, with a long join link."""
    expert.display_name = "Dr. Johanna Maximiliane Berger-Lüdenscheidt"
    expert.email = "johanna.maximiliane.berger-luedenscheidt@example.com"
    expert.introduction = "Tax advice for freelancers. German and English."
    expert.save()
    day = a_day_ahead(3)
    booking_at(
        expert,
        start=zurich(day, 10),
        status=Booking.Status.REQUESTED,
        expires_at=timezone.now() + timedelta(hours=24),
        customer_message="Could we talk about my VAT return? " * 4,
    )
    booking_at(expert, start=zurich(day, 15), join_url=JOIN_URL)
    booking_at(expert, start=zurich(day, 23), customer_time_zone="Asia/Tokyo")
    booking_at(expert, start=zurich(a_day_ahead(-2), 9), status=Booking.Status.CANCELLED)
    return expert


def test_profile_and_requests_fit_every_width_and_pass_axe(live_server, browser, listed):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for language, locale in LOCALES.items():
        listed.language = language
        listed.save()
        tab = expert_tab(browser, locale=locale)
        sign_in(tab, live_server, email=listed.email)
        expect(tab.locator("html")).to_have_attribute("lang", language)
        for width in WIDTHS:
            tab.set_viewport_size({"width": width, "height": 844})
            tab.goto(f"{live_server.url}/settings/profile/")
            expect(tab.locator("#id_time_zone_search")).to_be_visible()
            expect(tab.locator("#booking-url a")).to_have_text(f"{live_server.url}/book/jana/")
            check(tab, f"profile-{language}-{width}")
            tab.locator("#id_time_zone_search").click()
            expect(tab.locator("#zone-listbox")).to_be_visible()
            check(tab, f"profile-zone-open-{language}-{width}")
            tab.keyboard.press("Escape")

            tab.goto(f"{live_server.url}/settings/bookings/")
            heading = translated(language, "Requests & appointments")
            expect(tab.get_by_role("heading", level=1)).to_have_text(heading)
            expect(tab.locator(".list-zone")).to_have_count(1)
            # New York, Tokyo (another day) and the closed one; the zone label nowhere.
            expect(tab.locator(".customer-time")).to_have_count(4)
            expect(tab.locator("main")).not_to_contain_text("(UTC−5)")
            check(tab, f"requests-{language}-{width}")
            open_gear_inside_the_screen(tab, f"gear-{language}-{width}")
        tab.context.close()


def test_the_zone_picker_saves_the_zone_found_by_its_city(live_server, browser, expert):
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab = expert_tab(browser, width=390)
    sign_in(tab, live_server)
    tab.goto(f"{live_server.url}/settings/profile/")
    combobox = tab.get_by_role("combobox", name="Time zone")
    combobox.fill("new york")
    tab.get_by_role("option", name=re.compile(r"^New York ")).click()
    expect(tab.locator("#id_time_zone")).to_have_value("America/New_York")
    tab.locator("#id_slug").fill("jana-berger")
    expect(tab.locator("#booking-url")).to_have_text(f"{live_server.url}/book/jana-berger/")
    tab.get_by_role("button", name="Save profile").click()

    expect(tab.locator("#messages")).to_contain_text("Your profile was saved.")
    expect(combobox).to_have_value(re.compile(r"^New York \(UTC−[45]\)"))
    tab.screenshot(path=SHOTS / "profile-saved-390.png", full_page=True)
    expert.refresh_from_db()
    assert (expert.time_zone, expert.slug) == ("America/New_York", "jana-berger")
    tab.context.close()


def test_german_is_kept_after_signing_out_and_in(live_server, browser, expert):
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab = expert_tab(browser, width=320)
    sign_in(tab, live_server)
    expect(tab.locator("html")).to_have_attribute("lang", "en")

    tab.locator(".language button[value=de]").click()
    expect(tab.locator("html")).to_have_attribute("lang", "de")
    tab.locator(".gear summary").click()
    tab.get_by_role("button", name=translated("de", "Sign out")).click()
    # Signed out, on the home page: still German there (the cookie), and signing in again
    # through the top bar's link opens the expert's pages in German (the profile).
    expect(tab.locator("html")).to_have_attribute("lang", "de")
    tab.locator(".topbar").get_by_role("link", name=translated("de", "Sign in")).click()
    tab.locator("#id_username").fill("expert@example.com")
    tab.locator("#id_password").fill(PASSWORD)
    tab.locator("main").get_by_role("button", name=translated("de", "Sign in")).click()

    expect(tab.locator("html")).to_have_attribute("lang", "de")
    expect(tab.locator("h1")).to_have_text(translated("de", "Manage availabilities & calendars"))
    tab.screenshot(path=SHOTS / "german-kept-320.png", full_page=True)
    expert.refresh_from_db()
    assert expert.language == "de"
    tab.context.close()

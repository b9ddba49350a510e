"""The booking page for keyboard and screen-reader users: axe-core finds nothing serious at
phone to desktop widths in English and German, and a booking can be made with Tab, Enter and
Space alone, focus following each step."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import formats, translation
from playwright.sync_api import expect

from bookings.tests.conftest import a_day_ahead
from bookings.tests.test_browser_booking import new_york
from bookings.tests.test_browser_lifecycle import NEW_YORK, customer_tab, fits, pick
from conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (320, 390, 768, 1280)
LOCALES = {"en": "en-US", "de": "de-DE"}
SERIOUS = {"serious", "critical"}
DAY_FORMAT = {"en": "l, F j", "de": "l, j. F"}  # as the browser's Intl writes them


def day_label(language, day, count):
    """What the day's button says, e.g. "Thursday, November 26, 15 free times"."""
    with translation.override(language):
        free = translation.ngettext("%(n)s free time", "%(n)s free times", count) % {"n": count}
        return f"{formats.date_format(day, DAY_FORMAT[language])}, {free}"


def serious_violations(tab):
    """axe-core's serious and critical findings on the page as it is now, readably."""
    found = [v for v in Axe().run(tab).response["violations"] if v["impact"] in SERIOUS]
    return [
        f"{v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    {node['target']} {node['html'][:160]}" for node in v["nodes"])
        for v in found
    ]


def test_the_booking_page_passes_axe_and_never_scrolls_sideways(live_server, browser, bookable):
    ARTIFACTS.mkdir(exist_ok=True)
    day = a_day_ahead(4)
    for language, locale in LOCALES.items():
        time = new_york(day, 11, locale=locale)
        tab = customer_tab(browser, locale=locale)
        for width in WIDTHS:
            tab.set_viewport_size({"width": width, "height": 844})
            tab.goto(f"{live_server.url}/book/{bookable.slug}/")
            pick(tab, day, time)
            expect(tab.locator("#booking-form")).to_be_visible()
            count = tab.locator("#time-list .slot").count()
            expect(tab.locator(f'[data-day="{day}"]')).to_have_attribute(
                "aria-label", day_label(language, day, count)
            )
            name = f"a11y-booking-{language}-{width}"
            tab.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
            assert fits(tab), f"{name} scrolls sideways"
            problems = serious_violations(tab)
            assert not problems, f"{name}:\n" + "\n".join(problems)
        tab.context.close()


def tab_until(tab, test, limit=80):
    """Presses Tab until the focused element passes `test` (a JavaScript function of it)."""
    for _ in range(limit):
        tab.keyboard.press("Tab")
        if tab.evaluate(f"({test})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element for which {test}")


def focused(tab, test):
    return tab.evaluate(f"({test})(document.activeElement)")


def test_a_keyboard_alone_books_an_appointment(live_server, browser, bookable):
    day = a_day_ahead(4)
    time = new_york(day, 11)
    tab = customer_tab(browser, viewport={"width": 1280, "height": 900})
    tab.goto(f"{live_server.url}/book/{bookable.slug}/")
    shown = datetime.now(ZoneInfo(NEW_YORK)).date().replace(day=1)
    expect(tab.locator(f'[data-day="{shown}"]')).to_be_attached()  # month drawn
    while (shown.year, shown.month) < (day.year, day.month):
        tab_until(tab, "el => el.id === 'next-month'")
        tab.keyboard.press("Enter")
        shown = (shown + timedelta(days=32)).replace(day=1)
        expect(tab.locator(f'[data-day="{shown}"]')).to_be_attached()

    # The day: its button says what it offers; Enter takes the focus to its times.
    tab_until(tab, f"el => el.dataset.day === '{day}'")
    tab.keyboard.press("Enter")
    expect(tab.locator("#times-title")).to_be_focused()
    expect(tab.locator("#times-title")).to_contain_text(f"{day.day}")
    tab.keyboard.press("Tab")
    assert focused(tab, "el => el.classList.contains('slot')"), "the first time is next"

    # The time, with Space; the focus goes on to the form.
    tab_until(tab, f"el => el.textContent === '{time}'")
    tab.keyboard.press(" ")
    expect(tab.get_by_label("Your name")).to_be_focused()
    expect(tab.locator("#chosen-slot")).to_contain_text(time)
    tab.keyboard.type("Jane Doe")
    tab_until(tab, "el => el.name === 'email'")
    tab.keyboard.type("jane@example.com")
    tab_until(tab, "el => el.type === 'submit' && el.form && el.form.id === 'booking-form'")
    tab.keyboard.press("Enter")
    expect(tab.get_by_role("heading", name="Request sent")).to_be_visible()
    expect(tab.locator(".chosen")).to_contain_text("New York (UTC")
    tab.screenshot(path=ARTIFACTS / "a11y-keyboard-booked.png", full_page=True)
    tab.context.close()

"""The "Availability" and "Booking page" tabs in a real browser: hours edited with the editor and
saved in place while an unsaved date stays typed, the message in view, the hours kept after a
reload, a warning before leaving unsaved edits, no sideways scrolling, nothing serious for axe."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import DateException, WeeklyHours
from bookings.tests.test_booking_page_a11y import serious_violations
from bookings.tests.test_browser_lifecycle import fits
from conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in_tab(browser, live_server, width):
    context = browser.new_context(
        locale="en-US", timezone_id="Europe/Zurich", viewport={"width": width, "height": 844}
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.goto(f"{live_server.url}/sign-in/")
    tab.get_by_label("Email address").fill("expert@example.com")
    tab.get_by_label("Password").fill("pw-expert-1")
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_role("button", name="Sign in")).to_have_count(0)
    return tab


def check(tab, name):
    """Kept as a screenshot; no sideways scrolling; nothing serious or critical for axe."""
    tab.screenshot(path=ARTIFACTS / f"settings-{name}.png", full_page=True)
    assert fits(tab), f"{name} scrolls sideways"
    problems = serious_violations(tab)
    assert not problems, f"{name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("width", [390, 1280])
def test_hours_saved_in_place_keep_an_unsaved_date_and_survive_a_reload(
    live_server, browser, expert, width
):
    ARTIFACTS.mkdir(exist_ok=True)
    WeeklyHours.objects.create(expert=expert, weekday=0, start=time(9), end=time(17))
    date = (timezone.localdate() + timedelta(days=20)).isoformat()
    tab = signed_in_tab(browser, live_server, width)
    dialogs = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    tab.goto(f"{live_server.url}/settings/availability/")
    tuesday = tab.locator('[data-hours="day_1"]')

    # Ticking Tuesday offers 09:00-17:00; it becomes 09:00-12:00 plus a new 13:00-17:30.
    tuesday.get_by_label("Tuesday", exact=True).check()
    expect(tuesday.locator("[data-row]")).to_have_count(1)
    tuesday.get_by_label("Tuesday, until").fill("12:00")
    tuesday.get_by_role("button", name="Add hours").click()
    rows = tuesday.locator("[data-row]")
    expect(rows).to_have_count(2)
    rows.nth(1).get_by_label("Tuesday, from").fill("13:00")
    rows.nth(1).get_by_label("Tuesday, until").fill("17:30")
    # An edit in the other form, not saved.
    tab.get_by_label("Date", exact=True).fill(date)
    check(tab, f"availability-editing-{width}")

    tab.get_by_role("button", name="Save weekly hours").click()

    message = tab.locator("#messages")
    expect(message).to_contain_text("Your weekly hours were saved.")
    expect(message).to_be_in_viewport()
    expect(tab.get_by_label("Date", exact=True)).to_have_value(date)
    assert list(
        WeeklyHours.objects.filter(weekday=1).values_list("start", "end").order_by("start")
    ) == [(time(9), time(12)), (time(13), time(17, 30))]
    check(tab, f"availability-saved-{width}")

    tab.reload()  # the typed date is unsaved: the browser asks first (accepted here)

    assert dialogs == ["beforeunload"]
    tuesday = tab.locator('[data-hours="day_1"]')
    expect(tuesday.get_by_label("Tuesday", exact=True)).to_be_checked()
    expect(tuesday.get_by_label("Tuesday, from")).to_have_count(2)
    expect(tuesday.get_by_label("Tuesday, from").nth(1)).to_have_value("13:00")
    expect(tuesday.get_by_label("Tuesday, until").nth(1)).to_have_value("17:30")
    expect(tab.locator('[data-hours="day_0"]').get_by_label("Monday, from")).to_have_value("09:00")
    tab.context.close()


def test_a_refused_save_shows_the_problem_and_copy_fills_the_weekdays(live_server, browser, expert):
    ARTIFACTS.mkdir(exist_ok=True)
    tab = signed_in_tab(browser, live_server, 390)
    tab.goto(f"{live_server.url}/settings/availability/")
    monday = tab.locator('[data-hours="day_0"]')
    monday.get_by_label("Monday", exact=True).check()
    monday.get_by_label("Monday, from").fill("13:00")
    monday.get_by_label("Monday, until").fill("12:00")

    tab.get_by_role("button", name="Save weekly hours").click()

    expect(tab.locator("#weekly .form-problems")).to_contain_text(
        "Monday: the end (noon) must be after the start (1 p.m.)."
    )
    # The first problem gets the focus (once the editor has set up the new form).
    expect(monday.locator('[aria-invalid="true"]').first).to_be_focused()
    expect(monday.get_by_label("Monday, from")).to_have_value("13:00")
    check(tab, "availability-refused-390")
    assert not WeeklyHours.objects.exists()

    monday.get_by_label("Monday, from").fill("08:00")
    monday.get_by_role("button", name="Copy to all weekdays").click()
    tab.get_by_role("button", name="Save weekly hours").click()

    expect(tab.locator("#messages")).to_contain_text("Your weekly hours were saved.")
    assert sorted(WeeklyHours.objects.values_list("weekday", "start", "end")) == [
        (day, time(8), time(12)) for day in range(5)
    ]
    tab.context.close()


def test_a_date_off_is_added_and_removed_in_place(live_server, browser, expert):
    tab = signed_in_tab(browser, live_server, 390)
    tab.goto(f"{live_server.url}/settings/availability/")
    day = timezone.localdate() + timedelta(days=9)

    tab.get_by_label("Date", exact=True).fill(day.isoformat())
    tab.get_by_role("radio", name="Other hours").check()
    tab.locator("[data-date-hours]").get_by_label("from").fill("10:00")
    tab.locator("[data-date-hours]").get_by_label("until").fill("11:00")
    tab.get_by_role("button", name="Add date").click()

    expect(tab.locator("#messages")).to_contain_text("your other hours were saved.")
    expect(tab.locator("#date-list li")).to_have_count(1)
    assert DateException.objects.get().start == time(10)
    check(tab, "availability-date-added-390")

    tab.locator("#date-list").get_by_role("button", name="Remove").click()

    expect(tab.locator("#messages")).to_contain_text("follows your weekly hours again.")
    expect(tab.locator("#date-list li")).to_have_count(0)
    assert not DateException.objects.exists()
    tab.context.close()


def test_the_tabs_never_scroll_sideways_and_pass_axe(live_server, browser, expert):
    ARTIFACTS.mkdir(exist_ok=True)
    WeeklyHours.objects.create(expert=expert, weekday=0, start=time(9), end=time(12))
    WeeklyHours.objects.create(expert=expert, weekday=0, start=time(13), end=time(17))
    DateException.objects.create(expert=expert, date=timezone.localdate() + timedelta(days=5))
    tab = signed_in_tab(browser, live_server, 320)
    for width in (320, 390, 1280):
        tab.set_viewport_size({"width": width, "height": 844})
        for name, path in (
            ("availability", "/settings/availability/"),
            ("booking-page", "/settings/booking-page/"),
        ):
            tab.goto(f"{live_server.url}{path}")
            check(tab, f"{name}-{width}")
    tab.context.close()

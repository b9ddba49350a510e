"""The booking page's layout and flow in a real browser: the month and the day's times side by
side on wide screens and stacked on a phone, the phone's sticky summary of the chosen time, a
refused time that disappears while the typed details stay, and times in 12 h or 24 h."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings import services
from bookings.tests.conftest import a_day_ahead, zurich
from bookings.tests.test_browser_booking import new_york
from bookings.tests.test_browser_lifecycle import PHONE, customer_tab, fits, pick
from conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def box(tab, selector):
    return tab.locator(selector).bounding_box()


def test_month_and_times_sit_side_by_side_from_768_px_and_stack_on_a_phone(
    live_server, browser, bookable
):
    ARTIFACTS.mkdir(exist_ok=True)
    day = a_day_ahead(4)
    time = new_york(day, 11)
    tab = customer_tab(browser)
    for width, height in ((1280, 900), (768, 1024), (390, 844)):
        tab.set_viewport_size({"width": width, "height": height})
        tab.goto(f"{live_server.url}/book/{bookable.slug}/")
        expect(tab.locator("#month-note")).to_have_text("Pick a day with free times.")
        pick(tab, day, time)
        expect(tab.locator("#month-note")).not_to_contain_text("Pick a day")
        month, times, form = box(tab, ".month"), box(tab, "#times"), box(tab, "#booking-form")
        tab.screenshot(path=ARTIFACTS / f"layout-{width}.png", full_page=True)
        assert fits(tab), f"scrolls sideways at {width} px"
        if width >= 768:
            assert times["x"] >= month["x"] + month["width"], f"times not beside at {width}"
            assert times["y"] < month["y"] + month["height"], f"times not beside at {width}"
        else:
            assert times["y"] >= month["y"] + month["height"], "times not below on a phone"
            assert abs(times["x"] - month["x"]) < 2
        if width == 1280:  # the form is the third column, on the first screen
            assert form["x"] >= times["x"] + times["width"]
            assert form["y"] < month["y"] + month["height"]
            assert form["y"] + tab.evaluate("window.scrollY") + 100 < height, "below the fold"
        if width == 768:  # under the month, beside the times, on the first screen
            assert form["y"] >= month["y"] + month["height"]
            assert form["x"] < times["x"]
            assert form["y"] + tab.evaluate("window.scrollY") + 100 < height, "below the fold"
    tab.context.close()


def test_on_a_phone_the_chosen_time_sticks_to_the_screen_with_the_way_to_the_form(
    live_server, browser, bookable
):
    day = a_day_ahead(4)
    time = new_york(day, 11)
    tab = customer_tab(browser, viewport=PHONE)
    tab.goto(f"{live_server.url}/book/{bookable.slug}/")
    summary = tab.locator("#booking-summary")
    pick(tab, day, time)
    tab.evaluate("window.scrollTo(0, 0)")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(time)
    place = summary.bounding_box()
    assert place["y"] + place["height"] <= PHONE["height"] + 1, "summary not on the screen"
    assert place["y"] > PHONE["height"] / 2, "summary not at the bottom of the screen"
    tab.screenshot(path=ARTIFACTS / "layout-390-summary.png")
    summary.get_by_role("button", name="Continue").click()
    expect(tab.get_by_label("Your name")).to_be_focused()
    tab.set_viewport_size({"width": 1280, "height": 900})
    expect(summary).to_be_hidden()  # wide screens show the form beside the times
    tab.context.close()


def test_a_refused_time_disappears_and_the_typed_details_stay(live_server, browser, bookable):
    day = a_day_ahead(4)
    time = new_york(day, 11)
    tab = customer_tab(browser, viewport={"width": 1280, "height": 900})
    tab.goto(f"{live_server.url}/book/{bookable.slug}/")
    pick(tab, day, time)
    tab.get_by_label("Your name").fill("Jane Doe")
    tab.get_by_label("Your email address").fill("jane@example.com")
    # Someone else takes the time while Jane types.
    services.request_booking(
        bookable,
        start=zurich(day, 11),
        customer=services.Customer(
            name="Max Quick",
            email="max@example.com",
            message="",
            language="en",
            time_zone="Europe/Zurich",
        ),
        now=timezone.now(),
    )
    tab.get_by_role("button", name="Request appointment").click()

    expect(tab.locator("#booking-error")).to_be_visible()
    slots = tab.locator("#time-list .slot")
    expect(slots.first).to_be_visible()  # the day's times, loaded again
    assert time not in slots.all_inner_texts()
    assert new_york(day, 11, 30) in slots.all_inner_texts()
    expect(tab.get_by_label("Your name")).to_have_value("Jane Doe")
    expect(tab.get_by_label("Your email address")).to_have_value("jane@example.com")
    expect(tab.locator("#chosen-slot")).to_have_text("Please pick a new time.")
    expect(tab.locator("#id_start")).to_have_value("")
    expect(tab.get_by_role("button", name="Request appointment")).to_be_disabled()
    tab.screenshot(path=ARTIFACTS / "layout-1280-refused.png", full_page=True)

    tab.get_by_role("button", name=new_york(day, 11, 30), exact=True).click()
    expect(tab.get_by_label("Your name")).to_have_value("Jane Doe")
    tab.get_by_role("button", name="Request appointment").click()
    expect(tab.get_by_role("heading", name="Request sent")).to_be_visible()
    tab.context.close()


def test_times_follow_the_browsers_clock_and_the_choice_is_remembered(
    live_server, browser, bookable
):
    day = a_day_ahead(4)
    url = f"{live_server.url}/book/{bookable.slug}/"
    slots_24, slots_12 = new_york(day, 11, locale="de-DE"), new_york(day, 11)

    tab = customer_tab(browser)  # en-US: 12 h
    tab.goto(url)
    pick(tab, day, slots_12)
    expect(tab.get_by_role("button", name="1 PM")).to_have_attribute("aria-pressed", "true")
    tab.get_by_role("button", name="13:00").click()
    expect(tab.get_by_role("button", name="13:00")).to_have_attribute("aria-pressed", "true")
    expect(tab.get_by_role("button", name=slots_24, exact=True)).to_have_class(
        re.compile("selected")
    )
    expect(tab.locator("#chosen-slot")).to_contain_text(slots_24)
    tab.reload()  # remembered
    pick(tab, day, slots_24)
    tab.context.close()

    tab = customer_tab(browser, locale="de-DE")  # German: 24 h, switchable to 12 h
    tab.goto(url)
    pick(tab, day, slots_24)
    tab.get_by_role("button", name="1 PM").click()
    expect(tab.get_by_role("button", name=slots_12, exact=True)).to_be_visible()
    tab.context.close()

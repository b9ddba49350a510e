"""The booking page's time-zone picker in a real browser: the browser's zone preselected (also
when the browser reports an alias), searchable by city, country and abbreviation in the page's
language, chosen with the keyboard, the IANA name sent; fits a phone; axe finds nothing serious
with the list open."""

import re

import pytest
from playwright.sync_api import expect

from bookings.tests.test_booking_page_a11y import serious_violations
from bookings.tests.test_browser_lifecycle import NEW_YORK, customer_tab, fits
from conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMBOBOX = "#id_time_zone_search"


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_the_picker_finds_a_zone_by_its_german_city_name(live_server, browser, bookable, width):
    ARTIFACTS.mkdir(exist_ok=True)
    tab = customer_tab(browser, locale="de-DE", viewport={"width": width, "height": 844})
    tab.goto(f"{live_server.url}/book/{bookable.slug}/")
    expect(tab.locator("#id_time_zone_picker")).to_have_value(NEW_YORK)
    combobox = tab.get_by_role("combobox", name="Zeiten in")
    expect(combobox).to_have_value(re.compile(r"^New York \(UTC−[45]\) · \d\d:\d\d$"))

    tab.screenshot(path=ARTIFACTS / f"zone-picker-de-{width}-closed.png")
    combobox.click()
    expect(combobox).to_have_attribute("aria-expanded", "true")
    expect(tab.get_by_role("option", selected=True)).to_contain_text("New York")
    assert fits(tab), f"the open list scrolls sideways at {width} px"
    tab.screenshot(path=ARTIFACTS / f"zone-picker-de-{width}-all.png")
    combobox.fill("wien")
    options = tab.get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text(re.compile(r"^Wien \(UTC\+[12]\) · \d\d:\d\d"))
    expect(options.first).to_contain_text("Österreich")
    assert fits(tab), f"the open picker scrolls sideways at {width} px"
    tab.screenshot(path=ARTIFACTS / f"zone-picker-de-{width}.png", full_page=True)
    problems = serious_violations(tab)
    assert not problems, "\n".join(problems)

    with tab.expect_request(lambda request: "tz=Europe%2FVienna" in request.url):
        tab.keyboard.press("Enter")
    expect(tab.locator("#id_time_zone_picker")).to_have_value("Europe/Vienna")
    expect(tab.locator("#id_time_zone")).to_have_value("Europe/Vienna")
    expect(combobox).to_have_attribute("aria-expanded", "false")
    expect(combobox).to_have_value(re.compile(r"^Wien \(UTC\+[12]\) · "))
    tab.context.close()


def test_the_picker_searches_abbreviations_and_countries_and_escape_keeps_the_zone(
    live_server, browser, bookable
):
    tab = customer_tab(browser, locale="en-US", viewport={"width": 1280, "height": 900})
    tab.goto(f"{live_server.url}/book/{bookable.slug}/")
    combobox = tab.get_by_role("combobox", name="Times shown in")
    expect(combobox).to_have_value(re.compile(r"^New York \(UTC−[45]\) · \d{1,2}:\d\d [AP]M$"))

    combobox.focus()
    combobox.press_sequentially("EST")
    expect(tab.get_by_role("option", name=re.compile(r"^New York "))).to_be_visible()
    combobox.fill("switzerland")
    expect(tab.get_by_role("option")).to_have_count(1)
    expect(tab.get_by_role("option").first).to_contain_text("Zurich")
    tab.screenshot(path=ARTIFACTS / "zone-picker-en-1280.png")
    combobox.fill("no such place")
    expect(tab.get_by_role("option")).to_have_count(0)
    expect(tab.get_by_role("status").filter(has_text="No time zone matches")).to_be_attached()
    combobox.press("Escape")
    expect(combobox).to_have_attribute("aria-expanded", "false")
    expect(tab.locator("#id_time_zone_picker")).to_have_value(NEW_YORK)
    expect(combobox).to_have_value(re.compile(r"^New York "))

    # Arrow keys move through the list; Enter takes the zone.
    combobox.fill("tokyo")
    combobox.press("ArrowDown")
    combobox.press("Enter")
    expect(tab.locator("#id_time_zone")).to_have_value("Asia/Tokyo")
    tab.context.close()


def test_a_browser_reporting_an_alias_gets_the_zone_it_stands_for(live_server, browser, bookable):
    context = browser.new_context(locale="en-US", timezone_id="Asia/Calcutta")
    tab = context.new_page()
    tab.goto(f"{live_server.url}/book/{bookable.slug}/")
    expect(tab.locator("#id_time_zone_picker")).to_have_value("Asia/Kolkata")
    expect(tab.get_by_role("combobox")).to_have_value(re.compile(r"^Kolkata \(UTC\+5:30\) · "))
    context.close()

"""The calendar choice in a real browser: readable on a phone and a desktop, no sideways
scrolling, nothing serious for axe-core, and a save that lands back at the choice."""

import pytest
from playwright.sync_api import expect

from bookings.tests.test_booking_page_a11y import serious_violations
from bookings.tests.test_browser_lifecycle import fits
from calendars.models import Calendar, CalendarConnection
from conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def connected_with_calendars(expert):
    connection = CalendarConnection.objects.create(
        expert=expert,
        account_oid="oid-1",
        account_tid="tid-1",
        home_account_id="home.1",
        account_address="anna.berger@contoso.example",
        account_kind="work",
        token_cache="not-used-here",
    )
    for name, default, edit, owner in [
        ("Calendar", True, True, ""),
        ("Private", False, True, ""),
        ("Holidays in Germany", False, False, ""),
        ("Team room bookings for the whole department", False, True, "Max Muster"),
    ]:
        Calendar.objects.create(
            connection=connection,
            graph_id=f"AAMk{name[:6]}",
            name=name,
            owner_name=owner,
            is_default=default,
            can_edit=edit,
            blocks=default,
            receives_appointments=default,
        )
    return connection


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_the_calendar_choice_fits_passes_axe_and_saves(
    live_server, browser, expert, width, monkeypatch
):
    monkeypatch.setattr("calendars.tasks.queue_sync", lambda pk: None)
    connected_with_calendars(expert)
    context = browser.new_context(
        locale="en-US", timezone_id="Europe/Zurich", viewport={"width": width, "height": 844}
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.goto(f"{live_server.url}/sign-in/")
    tab.locator("#id_username").fill("expert@example.com")
    tab.locator("#id_password").fill("pw-expert-1")
    tab.locator("main button[type=submit]").click()
    tab.goto(f"{live_server.url}/settings/calendars/")
    choice = tab.locator("#calendar-choice")

    choice.get_by_label("Private").check()
    choice.get_by_label("Write new appointments into").select_option(label="Private")
    choice.get_by_role("button", name="Save").click()

    expect(tab.locator(".flash.success")).to_contain_text("Saved.")
    assert tab.url.endswith("#calendar-choice")
    expect(choice.get_by_label("Private")).to_be_checked()
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=ARTIFACTS / f"calendar-choice-{width}.png", full_page=True)
    assert fits(tab)
    problems = serious_violations(tab)
    assert not problems, "\n".join(problems)
    context.close()

"""An expert connects a calendar in a real browser, through the simulator's own pages."""

import pytest
from playwright.sync_api import expect

from calendars.models import CalendarConnection
from conftest import WORK

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_expert_connects_outlook_calendar_in_the_browser(
    live_server, page, simulator, expert, settings
):
    # The simulator serves its sign-in pages on a port of their own (CSP form-action).
    settings.MICROSOFT_SIGN_IN_ORIGINS = [simulator.http_base]
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Email address").fill("expert@example.com")
    page.get_by_label("Password").fill("pw-expert-1")
    page.get_by_role("button", name="Sign in").click()

    page.get_by_title("Settings").click()  # the gear, top right
    page.get_by_role("link", name="Manage availabilities & calendars").click()
    page.get_by_role("link", name="Sync calendar").click()  # the settings tab
    expect(page.get_by_role("heading", name="Sync calendar")).to_be_visible()
    page.shot("connect-1-settings-before")
    page.get_by_role("button", name="Connect with Office 365 / Outlook.com calendar").click()

    # Microsoft's side (the simulator): pick the account, then consent.
    page.get_by_role("button", name=WORK).click()
    expect(page.get_by_text("Have full access to your calendars")).to_be_visible()
    expect(page.get_by_text("Sign you in and read your profile")).to_be_visible()
    page.shot("connect-2-consent")
    page.get_by_role("button", name="Accept").click()

    expect(page.locator(".connected-as")).to_contain_text(WORK)
    expect(page.locator(".connected-as")).to_contain_text("work or school account")
    page.shot("connect-3-connected")
    assert CalendarConnection.objects.get(expert=expert).account_address == WORK

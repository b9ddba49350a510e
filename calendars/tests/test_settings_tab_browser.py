"""The "Sync calendar" tab in a real browser: connect through the simulator's pages (the answer
comes back as a cross-site form POST), the status turns to "Synced at ..." without a reload, a
cancelled sign-in is explained in view; no sideways scrolling, nothing serious for axe-core."""

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from calendars.models import CalendarConnection
from conftest import ARTIFACTS, WORK

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots go to test-artifacts/, or to SHOTS_DIR when set.
SHOTS = Path(os.environ.get("SHOTS_DIR") or ARTIFACTS)
SERIOUS = {"serious", "critical"}


def expert_tab(browser, live_server, width):
    context = browser.new_context(
        locale="en-US", timezone_id="Europe/Zurich", viewport={"width": width, "height": 800}
    )
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.goto(f"{live_server.url}/sign-in/")
    tab.get_by_label("Email address").fill("expert@example.com")
    tab.get_by_label("Password").fill("pw-expert-1")
    tab.get_by_role("button", name="Sign in").click()
    tab.goto(f"{live_server.url}/settings/")
    tab.get_by_role("link", name="Sync calendar").click()
    expect(tab.get_by_role("heading", name="Sync calendar")).to_be_visible()
    return tab


def shot(tab, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def fits(tab):
    return tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def in_view(tab, selector):
    return tab.evaluate(
        """(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            return box.top >= 0 && box.top < window.innerHeight && box.height > 0;
        }""",
        selector,
    )


def serious_violations(tab):
    found = [v for v in Axe().run(tab).response["violations"] if v["impact"] in SERIOUS]
    return [f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']]}" for v in found]


@pytest.fixture(autouse=True)
def _sign_in_pages_allowed(settings, simulator):
    # The simulator serves its sign-in pages on a port of their own (form-action, CSP).
    settings.MICROSOFT_SIGN_IN_ORIGINS = [simulator.http_base]


def sign_in_at_microsoft(tab, decision):
    tab.get_by_role("button", name="Connect with Office 365 / Outlook.com calendar").click()
    tab.get_by_role("button", name=WORK).click()
    tab.get_by_role("button", name=decision).click()


@pytest.mark.worker
@pytest.mark.parametrize("width", [390, 1280])
def test_connecting_shows_synced_at_without_a_reload(
    live_server, browser, simulator, expert, celery_worker, width
):
    tab = expert_tab(browser, live_server, width)
    sent = []
    tab.on("request", lambda request: sent.append(request))

    sign_in_at_microsoft(tab, "Accept")

    expect(tab.locator("#messages")).to_contain_text("Your calendar is connected")
    assert in_view(tab, "#messages .flash")
    # A marker that a reload would wipe out: the status changes in place.
    tab.evaluate("window.stillTheSamePage = true")
    expect(tab.locator(".sync-state")).to_have_text(
        re.compile(r"^Synced at \d\d:\d\d:\d\d\.$"), timeout=60_000
    )
    assert tab.evaluate("window.stillTheSamePage") is True
    # Microsoft's answer came as a cross-site POST without the (SameSite=Lax) session cookie,
    # and no URL the browser visited carried the code.
    (answer,) = [r for r in sent if r.url.endswith("/calendars/microsoft/callback/")]
    assert answer.method == "POST"
    assert "code=" in answer.post_data
    assert "sessionid" not in (answer.all_headers().get("cookie") or "")
    (finish,) = [r for r in sent if "/calendars/microsoft/finish/" in r.url]
    assert "sessionid" in finish.all_headers()["cookie"]  # the GET it was sent on to has it
    assert not [r.url for r in sent if "code=" in r.url]
    expect(tab.locator(".last-sync")).not_to_have_text("not yet")
    expect(tab.locator(".zone-note")).to_contain_text("All times in Zurich (UTC+")
    shot(tab, f"connected-{width}")
    assert fits(tab), "the tab scrolls sideways"
    assert not serious_violations(tab)

    for narrow in (320,) if width == 390 else ():
        tab.set_viewport_size({"width": narrow, "height": 800})
        shot(tab, f"connected-{narrow}")
        assert fits(tab), f"the tab scrolls sideways at {narrow} px"

    # Disconnect asks first (confirm.js), then the tab says so, in view.
    tab.once("dialog", lambda dialog: dialog.accept())
    tab.get_by_role("button", name="Disconnect").click()
    expect(tab.locator("#messages")).to_contain_text("Your calendar was disconnected")
    assert not CalendarConnection.objects.filter(expert=expert).exists()
    tab.context.close()


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_a_cancelled_sign_in_is_explained_in_view(live_server, browser, simulator, expert, width):
    tab = expert_tab(browser, live_server, width)

    sign_in_at_microsoft(tab, "Cancel")

    problem = tab.get_by_role("alert")
    expect(problem).to_contain_text("returned to Okomo before giving consent")
    expect(problem).to_contain_text("Nothing was connected")
    assert in_view(tab, "#connect-problem")
    assert tab.url.endswith("/settings/calendars/")
    shot(tab, f"cancelled-{width}")
    assert fits(tab), "the tab scrolls sideways"
    assert not serious_violations(tab)
    assert not CalendarConnection.objects.filter(expert=expert).exists()
    tab.context.close()

"""The "What we store" page in a real browser, phone to desktop, English and German: no sideways
scrolling, nothing serious for axe-core, and dates and times never split inside a word."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from calendars.encryption import encrypt
from calendars.models import BusyInterval, Calendar, CalendarConnection
from experts.tests.test_browser_profile import (
    LOCALES,
    SHOTS,
    WIDTHS,
    check,
    expert_tab,
    sign_in,
    translated,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every word of a date or time cell on one line: "27.11.2026", "10:00", "p.m.".
WORDS_SPLIT = """() => {
    const split = [];
    for (const cell of document.querySelectorAll(".intervals td:not(.calendar-name)")) {
        const text = cell.firstChild;
        if (!text || text.nodeType !== Node.TEXT_NODE) continue;
        for (const match of text.data.matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(text, match.index);
            range.setEnd(text, match.index + match[0].length);
            if (range.getClientRects().length > 1) split.push(match[0]);
        }
    }
    return split;
}"""


@pytest.fixture
def stored(expert):
    connection = CalendarConnection.objects.create(
        expert=expert,
        account_oid="oid",
        account_tid="tid",
        home_account_id="uid.tid",
        account_address="jana@contoso.example",
        account_kind="work",
        token_cache=encrypt("{}"),
    )
    calendar = Calendar.objects.create(
        connection=connection,
        graph_id="cal-1",
        name="Kanzlei Berger-Lüdenscheidt – Mandantentermine und Gerichtstermine",
        blocks=True,
    )
    first = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    for day in range(6):
        start = first + timedelta(days=day, hours=day)
        BusyInterval.objects.create(
            connection=connection,
            calendar=calendar if day % 2 else None,
            start=start,
            end=start + timedelta(hours=1, minutes=30),
        )
    return expert


def test_what_we_store_fits_every_width_without_splitting_dates(live_server, browser, stored):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for language, locale in LOCALES.items():
        stored.language = language
        stored.save()
        tab = expert_tab(browser, locale=locale)
        sign_in(tab, live_server)
        for width in WIDTHS:
            tab.set_viewport_size({"width": width, "height": 844})
            tab.goto(f"{live_server.url}/settings/calendars/stored/")
            heading = translated(language, "What we store")
            expect(tab.get_by_role("heading", level=1)).to_have_text(heading)
            expect(tab.locator(".intervals tbody tr")).to_have_count(6)
            check(tab, f"stored-{language}-{width}")
            split = tab.evaluate(WORDS_SPLIT)
            assert split == [], f"{language} at {width} px splits {split}"
        tab.context.close()

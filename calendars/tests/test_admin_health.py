"""Staff see at a glance whether syncing is healthy: counts, the calendars in trouble, and
the connection list with "Next sync due" read-only, in the staff member's labelled zone."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from bookings.tests.conftest import booking_at
from calendars.models import CalendarConnection
from conftest import ARTIFACTS
from outbox.models import Effect

HEALTH = reverse("admin:calendars_calendarconnection_health")
CONNECTIONS = reverse("admin:calendars_calendarconnection_changelist")


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser(
        "admin@example.com", "pw-admin-1", display_name="Ada Admin", time_zone="Europe/Zurich"
    )


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def a_connection(django_user_model, n, **fields):
    """A connection row as a sign-in would leave it (no tokens needed here)."""
    expert = django_user_model.objects.create_user(
        f"expert{n}@example.com", display_name=f"Expert {n}", slug=f"expert-{n}"
    )
    return CalendarConnection.objects.create(
        expert=expert,
        account_oid=f"oid-{n}",
        account_tid="tid",
        home_account_id=f"oid-{n}.tid",
        account_address=f"person{n}@contoso.example",
        account_kind="work",
        token_cache="",
        **fields,
    )


@pytest.fixture
def troubled(django_user_model):
    """One calendar of each kind: healthy, overdue, failing, needing reconnect."""
    now = timezone.now()
    rows = {
        "healthy": a_connection(
            django_user_model, 0, next_sync_at=now + timedelta(minutes=10), last_sync_at=now
        ),
        "overdue": a_connection(
            django_user_model,
            1,
            next_sync_at=datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # 01:30 CET in Zurich
        ),
        "failing": a_connection(
            django_user_model,
            2,
            next_sync_at=now + timedelta(minutes=20),
            last_problem_kind="unavailable",
            last_problem="Microsoft answered 503",
            last_problem_at=datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # 03:30 CEST
        ),
        "reconnect": a_connection(
            django_user_model,
            3,
            status="reconnect_needed",
            next_sync_at=now - timedelta(days=1),
            last_problem_kind="reconnect",
            last_problem_at=now - timedelta(days=1),
        ),
    }
    Effect.objects.create(
        kind="bookings.outlook_write", subject_id=1, status="failed", next_attempt_at=now
    )
    return rows


def count(page, key):
    return page.split(f'data-count="{key}">', 1)[1].split("<", 1)[0]


def section(page, key):
    """The HTML of one list on the health page."""
    return page.split(f'id="{key}"', 1)[1].split('<div class="module"', 1)[0]


@pytest.mark.django_db
def test_the_health_page_counts_and_lists_the_calendars_in_trouble(staff_client, troubled):
    response = staff_client.get(HEALTH)

    assert response.status_code == 200
    page = response.content.decode()
    assert (count(page, "connected"), count(page, "overdue")) == ("3", "1")
    assert (count(page, "failing"), count(page, "reconnect")) == ("1", "1")
    assert count(page, "outlook_failed") == "1"
    assert "person1@contoso.example" in section(page, "overdue")
    assert "person0@contoso.example" not in page  # healthy: in no list
    assert "person2@contoso.example" in section(page, "failing")
    assert "Microsoft could not be reached or was busy." in section(page, "failing")
    assert "person3@contoso.example" in section(page, "reconnect")
    # Times in the staff member's zone, named; either side of the switch to summer time.
    assert "Times are shown in Europe/Zurich." in page
    assert "Next sync due (Europe/Zurich)" in page
    assert "2026-03-29 01:30" in section(page, "overdue")
    assert "2026-03-29 03:30" in section(page, "failing")


@pytest.mark.django_db
def test_a_staff_member_without_a_zone_sees_utc_named(staff_client, staff, troubled):
    type(staff).objects.filter(pk=staff.pk).update(time_zone="")

    page = staff_client.get(HEALTH).content.decode()

    assert "Times are shown in UTC." in page
    assert "2026-03-29 00:30" in section(page, "overdue")


@pytest.mark.django_db
def test_only_staff_see_the_health_page(client, expert):
    assert client.get(HEALTH).status_code == 302  # to the admin's sign-in
    client.force_login(expert)
    response = client.get(HEALTH)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_the_connection_list_shows_next_sync_due_in_the_staff_zone(staff_client, troubled):
    page = staff_client.get(CONNECTIONS).content.decode()

    assert "Next sync due <br>(Europe/Zurich)" in page
    assert "2026-03-29 01:30" in page
    assert reverse("admin:calendars_calendarconnection_health") in page


@pytest.mark.django_db
def test_a_connection_is_read_only_in_the_admin(staff_client, troubled):
    connection = troubled["overdue"]
    url = reverse("admin:calendars_calendarconnection_change", args=[connection.pk])

    page = staff_client.get(url).content.decode()
    staff_client.post(url, {"next_sync_at_0": "2030-01-01", "next_sync_at_1": "00:00"})

    assert 'name="next_sync_at' not in page
    assert "2026-03-29 01:30 (Europe/Zurich)" in page
    connection.refresh_from_db()
    assert connection.next_sync_at == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    delete = reverse("admin:calendars_calendarconnection_delete", args=[connection.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert CalendarConnection.objects.filter(pk=connection.pk).exists()


def signed_in_tab(browser, client, live_server, staff, width):
    client.force_login(staff)
    context = browser.new_context(
        locale="en-US",
        timezone_id="Europe/Zurich",
        viewport={"width": width, "height": 900},
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    return tab


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_at_1280_px_next_sync_due_is_in_view_and_the_pages_pass_axe(
    live_server, browser, client, staff, troubled
):
    from bookings.tests.test_booking_page_a11y import serious_violations

    ARTIFACTS.mkdir(exist_ok=True)
    tab = signed_in_tab(browser, client, live_server, staff, 1280)

    tab.goto(f"{live_server.url}{reverse('admin:index')}")
    expect(tab.get_by_role("link", name="Sync health")).to_be_visible()
    tab.screenshot(path=ARTIFACTS / "admin-index-1280.png", full_page=True)
    problems = serious_violations(tab)
    assert not problems, "\n".join(problems)

    tab.goto(f"{live_server.url}{CONNECTIONS}")
    header = tab.get_by_role("columnheader", name="Next sync due (Europe/Zurich)")
    expect(header).to_be_visible()
    tab.screenshot(path=ARTIFACTS / "admin-connections-1280.png", full_page=True)
    box = header.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 1280
    assert tab.evaluate(
        "(() => { const t = document.querySelector('#result_list');"
        " return t.getBoundingClientRect().right <= window.innerWidth"
        " && t.parentElement.scrollWidth <= t.parentElement.clientWidth; })()"
    ), "the connection table scrolls sideways"
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    problems = serious_violations(tab)
    assert not problems, "\n".join(problems)

    tab.get_by_role("link", name="Sync health").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Sync health")
    expect(tab.locator('[data-count="overdue"]')).to_have_text("1")
    expect(tab.locator("#reconnect")).to_contain_text("person3@contoso.example")
    tab.screenshot(path=ARTIFACTS / "admin-sync-health-1280.png", full_page=True)
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    problems = serious_violations(tab)
    assert not problems, "\n".join(problems)

    booking_at(troubled["healthy"].expert, start=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    tab.goto(f"{live_server.url}{reverse('admin:bookings_booking_changelist')}")
    expect(tab.get_by_role("columnheader", name="Start (Europe/Zurich)")).to_be_visible()
    tab.screenshot(path=ARTIFACTS / "admin-bookings-1280.png", full_page=True)
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    problems = serious_violations(tab)
    assert not problems, "\n".join(problems)
    tab.context.close()


def test_the_zone_switch_is_shown_as_local_wall_time():
    """The fixture's two instants straddle Zurich's switch to summer time (29 March 2026)."""
    zurich = ZoneInfo("Europe/Zurich")
    assert datetime(2026, 3, 29, 0, 30, tzinfo=UTC).astimezone(zurich).hour == 1
    assert datetime(2026, 3, 29, 1, 30, tzinfo=UTC).astimezone(zurich).hour == 3


@pytest.mark.django_db
def test_the_admin_index_links_to_the_health_page(staff_client):
    page = staff_client.get(reverse("admin:index")).content.decode()

    assert f'href="{HEALTH}"' in page

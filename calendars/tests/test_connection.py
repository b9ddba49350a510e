"""A stored connection over time: silent refresh, revocation, disconnect, ownership."""

import pytest
from django.urls import reverse

from calendars.models import BusyInterval, CalendarConnection
from conftest import WORK

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection(expert_client, expert, connect_calendar):
    connect_calendar(expert_client, WORK)
    return CalendarConnection.objects.get(expert=expert)


def test_expired_access_token_is_refreshed_silently(expert_client, connection, simulator):
    simulator.expire_access_tokens(WORK)
    simulator.clear_requests()
    cache_before = connection.token_cache

    page = expert_client.post(reverse("calendars:check", args=[connection.uuid]), follow=True)

    assert "The connection works: anna.berger@contoso.example." in page.content.decode()
    grants = [r["form"].get("grant_type") for r in simulator.requests(path_contains="/token")]
    assert grants == ["refresh_token"]
    connection.refresh_from_db()
    assert connection.status == "connected"
    # The rotated refresh token was stored.
    assert connection.token_cache != cache_before


def test_access_token_near_expiry_is_renewed_before_use(
    expert_client, expert, simulator, connect_calendar
):
    # MSAL renews access tokens with less than five minutes left before using them.
    simulator.settings(access_token_lifetime=299)
    connect_calendar(expert_client, WORK)
    connection = CalendarConnection.objects.get(expert=expert)
    simulator.clear_requests()

    expert_client.post(reverse("calendars:check", args=[connection.uuid]))

    assert len(simulator.requests(path_contains="/token")) == 1
    assert simulator.requests(path_contains="/v1.0/me")[-1]["status"] == 200


def test_revoked_refresh_token_marks_reconnect_needed_and_keeps_busy_times(
    expert_client, connection, simulator
):
    BusyInterval.objects.create(
        connection=connection, start="2026-12-01T09:00Z", end="2026-12-01T10:00Z"
    )
    simulator.revoke(WORK)

    page = expert_client.post(reverse("calendars:check", args=[connection.uuid]), follow=True)

    connection.refresh_from_db()
    assert connection.status == "reconnect_needed"
    assert "AADSTS50173" in connection.last_problem
    assert connection.busy_intervals.count() == 1
    text = page.content.decode()
    assert "Reconnect your calendar" in text  # the banner on every page
    assert "Reconnect with Office 365 / Outlook.com calendar" in text
    other_page = expert_client.get(reverse("experts:profile"))
    assert "Reconnect your calendar" in other_page.content.decode()


def test_reconnecting_clears_reconnect_needed(
    expert_client, connection, simulator, connect_calendar
):
    simulator.revoke(WORK)
    expert_client.post(reverse("calendars:check", args=[connection.uuid]))

    connect_calendar(expert_client, WORK)

    connection.refresh_from_db()
    assert connection.status == "connected"
    assert connection.last_problem == ""


def test_disconnect_deletes_tokens_and_synced_busy_times(expert_client, expert, connection):
    BusyInterval.objects.create(
        connection=connection, start="2026-12-01T09:00Z", end="2026-12-01T10:00Z"
    )

    page = expert_client.post(reverse("calendars:disconnect", args=[connection.uuid]), follow=True)

    assert not CalendarConnection.objects.filter(expert=expert).exists()
    assert not BusyInterval.objects.exists()
    assert "Connect with Office 365 / Outlook.com calendar" in page.content.decode()


def test_other_expert_can_neither_see_nor_disconnect_my_connection(
    client, other_expert, connection
):
    client.force_login(other_expert)

    page = client.get(reverse("calendars:settings"))
    disconnect = client.post(reverse("calendars:disconnect", args=[connection.uuid]))
    check = client.post(reverse("calendars:check", args=[connection.uuid]))

    assert WORK not in page.content.decode()
    assert disconnect.status_code == 404
    assert check.status_code == 404
    assert CalendarConnection.objects.filter(pk=connection.pk).exists()


def test_settings_page_requires_sign_in(client):
    response = client.get(reverse("calendars:settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sync_now_is_offered_once_a_minute(expert_client, connection):
    first = expert_client.post(reverse("calendars:sync_now", args=[connection.uuid]), follow=True)
    second = expert_client.post(reverse("calendars:sync_now", args=[connection.uuid]), follow=True)

    assert "Your calendar is being synchronised" in first.content.decode()
    assert "less than a minute ago" in second.content.decode()


def test_what_we_store_lists_exactly_the_stored_intervals(expert_client, connection, other_expert):
    BusyInterval.objects.create(
        connection=connection, start="2026-12-01T09:00Z", end="2026-12-01T10:00Z"
    )

    page = expert_client.get(reverse("calendars:stored"))

    assert list(page.context["intervals"]) == list(connection.busy_intervals.all())
    # 09:00 UTC is 10:00 in the expert's Europe/Zurich.
    assert "12/01/2026 10 a.m." in page.content.decode()

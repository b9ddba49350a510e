"""The "Sync calendar" tab's live status: status.json and the facts the page renders."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from calendars import sync_status
from calendars.models import CalendarConnection
from calendars.sync import run_sync
from conftest import WORK

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection(expert):
    return CalendarConnection.objects.create(
        expert=expert,
        account_oid="oid",
        account_tid="tid",
        home_account_id="oid.tid",
        account_address=WORK,
        account_kind="work",
        token_cache="-",
    )


def status_url(connection):
    return reverse("calendars:status", args=[connection.uuid])


def test_right_after_connecting_the_sync_is_on_its_way_then_done_with_seconds(
    expert_client, expert, connect_calendar, simulator
):
    connect_calendar(expert_client, WORK)
    connection = CalendarConnection.objects.get(expert=expert)

    waiting = expert_client.get(status_url(connection)).json()
    assert waiting["state"] == "running"
    assert waiting["poll"] is True
    assert waiting["last_sync"] is None
    assert waiting["facts"]["last_sync"] == "not yet"

    run_sync(connection.pk, now=timezone.now())
    done = expert_client.get(status_url(connection)).json()

    assert done["state"] == "idle"
    assert done["poll"] is False
    synced = CalendarConnection.objects.get(pk=connection.pk).last_sync_at
    local = synced.astimezone(expert.zone)
    assert done["last_sync"]["time"] == local.strftime("%H:%M:%S")
    assert done["last_sync"]["iso"] == local.isoformat()
    assert done["facts"]["state_text"] == f"Synced at {local:%H:%M:%S}."
    assert done["zone"] == "Europe/Zurich"
    assert done["zone_label"].startswith("Zurich (UTC+")


def test_status_of_another_experts_connection_is_404(client, other_expert, connection):
    client.force_login(other_expert)

    assert client.get(status_url(connection)).status_code == 404


def test_status_needs_a_signed_in_expert(client, connection):
    answer = client.get(status_url(connection))

    assert answer.status_code == 302
    assert connection.account_address not in answer.content.decode()


def test_status_is_not_cached_by_the_browser(expert_client, connection):
    answer = expert_client.get(status_url(connection))

    assert "no-cache" in answer["Cache-Control"] or "max-age=0" in answer["Cache-Control"]


NOW = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "state"),
    [
        ({"connected_at": NOW - timedelta(seconds=2)}, "running"),
        ({"sync_lease_until": NOW + timedelta(seconds=30)}, "running"),
        (
            {
                "last_sync_at": NOW - timedelta(minutes=3),
                "sync_requested_at": NOW - timedelta(seconds=5),
            },
            "running",
        ),
        ({"last_sync_at": NOW - timedelta(seconds=1)}, "idle"),
        # Asked for long ago and never done: the worker is away, nothing is "running".
        ({"connected_at": NOW - timedelta(hours=1)}, "idle"),
        (
            {
                "last_problem_kind": "unavailable",
                "last_problem_at": NOW - timedelta(seconds=1),
            },
            "problem",
        ),
        ({"status": "reconnect_needed"}, "reconnect_needed"),
    ],
)
def test_states(connection, fields, state):
    defaults = {"connected_at": NOW - timedelta(days=1), "last_sync_at": None}
    for name, value in {**defaults, **fields}.items():
        setattr(connection, name, value)

    assert sync_status.sync_state(connection, now=NOW) == state


def test_facts_are_in_the_experts_zone_with_seconds_and_the_zone_said_once(connection):
    # 13:00:05 UTC is 14:00:05 in Zurich (winter time).
    connection.connected_at = NOW - timedelta(days=3)
    connection.last_sync_at = datetime(2026, 3, 10, 13, 0, 5, tzinfo=UTC)
    connection.next_sync_at = datetime(2026, 3, 10, 13, 30, tzinfo=UTC)

    status = sync_status.status(connection, now=NOW)

    assert status["facts"]["state_text"] == "Synced at 14:00:05."
    assert status["facts"]["last_sync"].endswith("14:00:05")
    assert status["facts"]["next_sync"].endswith("14:30")
    assert status["zone_label"] == "Zurich (UTC+1)"


def test_a_sync_on_another_day_says_the_date(connection):
    connection.connected_at = NOW - timedelta(days=3)
    connection.last_sync_at = NOW - timedelta(days=2)

    status = sync_status.status(connection, now=NOW)

    assert status["facts"]["state_text"].startswith("Synced on ")


def test_the_tab_renders_the_facts_and_polls_only_while_a_sync_is_on_its_way(
    expert_client, connection
):
    CalendarConnection.objects.filter(pk=connection.pk).update(
        connected_at=timezone.now() - timedelta(days=1), last_sync_at=timezone.now()
    )
    settled = expert_client.get(reverse("calendars:settings")).content.decode()
    CalendarConnection.objects.filter(pk=connection.pk).update(sync_requested_at=timezone.now())
    waiting = expert_client.get(reverse("calendars:settings")).content.decode()

    assert "data-poll" not in settled
    assert "data-poll" in waiting
    assert status_url(connection) in waiting
    assert "All times in Zurich (UTC+" in settled
    assert 'data-confirm="Disconnect this calendar?' in settled
    for inline in ("onsubmit=", "onclick=", "style="):
        assert inline not in settled


def test_sync_now_returns_to_the_tab_which_then_polls(expert_client, connection):
    answer = expert_client.post(reverse("calendars:sync_now", args=[connection.uuid]), follow=True)

    assert answer.redirect_chain[-1][0] == reverse("calendars:settings")
    text = answer.content.decode()
    assert "Your calendar is being synchronised" in text
    assert "data-poll" in text
    # The message sits in the live region right under the tabs.
    assert text.index('id="messages"') < text.index("being synchronised") < text.index("sync-facts")

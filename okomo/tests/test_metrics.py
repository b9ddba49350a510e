"""/metrics: Prometheus' scrape behind a bearer token, counting real syncs against the simulator."""

import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from bookings.models import Booking, BookingSettings
from bookings.tests.conftest import a_day_ahead, open_every_day, zurich
from bookings.tests.test_booking_flow import request_form
from calendars import tasks
from calendars.models import CalendarConnection
from conftest import WORK
from okomo import metrics
from outbox.models import Effect

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-0123456789abcdef"
ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def scrape(client, settings):
    """Scrape /metrics as Prometheus does; returns {(sample name, labels): value}."""
    settings.METRICS_TOKEN = TOKEN

    def read():
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/plain; version=")
        return samples(response.content.decode())

    return read


def samples(text):
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def syncs(values, outcome):
    return values[("okomo_calendar_syncs_total", (("outcome", outcome),))]


def microsoft(values, api, status):
    return values.get(("okomo_microsoft_requests_total", (("api", api), ("status", status))), 0.0)


@pytest.fixture
def connection(expert_client, expert, connect_calendar):
    connect_calendar(expert_client, WORK)
    return CalendarConnection.objects.get(expert=expert)


def test_without_a_configured_token_there_are_no_metrics(client, settings):
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 404
    assert b"okomo_" not in response.content


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"],
)
def test_a_missing_or_wrong_token_is_refused(client, settings, authorization):
    settings.METRICS_TOKEN = TOKEN
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = client.get("/metrics", **headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"okomo_" not in response.content


def test_a_sync_moves_the_sync_counter_and_the_duration_histogram(connection, simulator, scrape):
    before = scrape()

    tasks.sync_calendar_task(connection.pk)

    after = scrape()
    moved = sum(syncs(after, o) - syncs(before, o) for o in ("changed", "unchanged"))
    assert moved == 1
    assert syncs(after, "failed") == syncs(before, "failed")
    count = ("okomo_calendar_sync_duration_seconds_count", ())
    assert after[count] == before[count] + 1
    assert microsoft(after, "graph", "200") > microsoft(before, "graph", "200")


def test_a_throttled_graph_read_is_counted_as_429(connection, simulator, scrape):
    simulator.fault(path="/v1.0/me/calendarView", status=429, retry_after="0", times=1)
    before = scrape()

    tasks.sync_calendar_task(connection.pk)

    after = scrape()
    assert microsoft(after, "graph", "429") == microsoft(before, "graph", "429") + 1


def test_a_revoked_grant_counts_as_reconnect_needed(connection, simulator, scrape):
    simulator.revoke(WORK)
    before = scrape()

    tasks.sync_calendar_task(connection.pk)

    after = scrape()
    assert syncs(after, "reconnect_needed") == syncs(before, "reconnect_needed") + 1
    assert after[("okomo_calendar_connections", (("status", "reconnect_needed"),))] == 1


def a_connection(expert, n, **fields):
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


def test_the_gauges_count_the_rows(django_user_model, scrape):
    now = timezone.now()
    people = [
        django_user_model.objects.create_user(f"p{n}@example.com", slug=f"p{n}") for n in range(4)
    ]
    a_connection(people[0], 0, next_sync_at=now - timedelta(minutes=20))  # overdue
    a_connection(people[1], 1, next_sync_at=now - timedelta(minutes=2))  # due, not overdue
    a_connection(
        people[2],
        2,
        next_sync_at=now + timedelta(minutes=10),
        last_problem_kind="unavailable",
        last_problem_at=now,
    )
    a_connection(people[3], 3, status="reconnect_needed", next_sync_at=now - timedelta(hours=3))
    late = now - timedelta(minutes=30)
    for kind, status in [
        ("bookings.outlook_write", "pending"),
        ("bookings.outlook_write", "pending"),
        ("bookings.outlook_remove", "failed"),
        ("bookings.mail", "done"),
    ]:
        Effect.objects.create(kind=kind, subject_id=1, status=status, next_attempt_at=late)

    values = scrape()

    assert values[("okomo_metrics_database_up", ())] == 1
    assert values[("okomo_calendar_connections", (("status", "connected"),))] == 3
    assert values[("okomo_calendar_connections", (("status", "reconnect_needed"),))] == 1
    assert values[("okomo_calendars_overdue", ())] == 1
    assert values[("okomo_calendars_failing", ())] == 1
    effects = {k[1]: v for k, v in values.items() if k[0] == "okomo_outbox_effects"}
    assert effects == {
        (("kind", "bookings.outlook_write"), ("status", "pending")): 2,
        (("kind", "bookings.outlook_remove"), ("status", "failed")): 1,
    }
    overdue = values[("okomo_outbox_effects_overdue", (("kind", "bookings.outlook_write"),))]
    assert overdue == 2


def test_booking_requests_are_counted_by_answer(client, expert, scrape):
    open_every_day(expert)
    submit = reverse("bookings:submit", args=[expert.slug])
    start = zurich(a_day_ahead(), 14)
    before = scrape()

    assert client.post(submit, request_form(start, email="not-an-address")).status_code == 400
    assert client.post(submit, request_form(start)).status_code == 302
    # The same time again: taken.
    assert client.post(submit, request_form(start, email="b@example.com")).status_code == 409
    BookingSettings.objects.filter(expert=expert).update(confirm_automatically=True)
    assert client.post(submit, request_form(zurich(a_day_ahead(), 15))).status_code == 302

    after = scrape()
    moved = {
        answer: after[("okomo_booking_requests_total", (("answer", answer),))]
        - before[("okomo_booking_requests_total", (("answer", answer),))]
        for answer in metrics.BOOKING_ANSWERS
    }
    assert moved == {"invalid": 1, "requested": 1, "refused": 1, "accepted": 1, "rate_limited": 0}
    assert set(Booking.objects.values_list("status", flat=True)) == {"requested", "accepted"}


def test_counters_of_several_processes_add_up_in_multiprocess_mode(tmp_path, monkeypatch):
    """gunicorn's workers write into the directory, the Celery worker into one inside it."""
    worker_dir = tmp_path / "worker"
    worker_dir.mkdir()
    script = textwrap.dedent(
        """
        from types import SimpleNamespace
        from okomo import metrics
        metrics.record_sync(lambda: SimpleNamespace(outcome="changed"))
        metrics.BOOKING_REQUESTS.labels("accepted").inc()
        """
    )
    for directory in (tmp_path, tmp_path, worker_dir):
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
        subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    values = samples(metrics.exposition().decode())

    assert syncs(values, "changed") == 3
    assert syncs(values, "failed") == 0
    assert values[("okomo_calendar_sync_duration_seconds_count", ())] == 3
    assert values[("okomo_booking_requests_total", (("answer", "accepted"),))] == 3
    assert values[("okomo_calendar_connections", (("status", "connected"),))] == 0

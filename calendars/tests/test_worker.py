"""The real wiring: Celery beat dispatches due calendars, a real worker syncs them."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from calendars.models import CalendarConnection
from conftest import WORK

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition, timeout, worker):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.25)
    raise AssertionError(f"timed out; worker log:\n{worker.log_path.read_text()[-4000:]}")


def test_beat_and_worker_sync_a_calendar_on_schedule(
    expert_client, expert, connect_calendar, simulator, celery_worker
):
    simulator.add_events(
        WORK,
        [
            {
                "subject": "Review",
                "start": {"dateTime": day + "T09:00:00", "timeZone": "UTC"},
                "end": {"dateTime": day + "T10:00:00", "timeZone": "UTC"},
                "showAs": "busy",
            }
            for day in (
                (timezone.now() + timedelta(days=offset)).strftime("%Y-%m-%d")
                for offset in (1, 2, 3)
            )
        ],
    )
    connect_calendar(expert_client, WORK)  # queues the first sync right away

    def synced():
        connection = CalendarConnection.objects.get(expert=expert)
        return connection if connection.last_sync_at else None

    first = wait_for(synced, 40, celery_worker)
    assert first.busy_intervals.count() == 3

    # The beat entry finds the calendar due again after the (shortened) interval.
    def synced_again():
        connection = CalendarConnection.objects.get(expert=expert)
        return connection if connection.last_sync_at > first.last_sync_at else None

    second = wait_for(synced_again, 40, celery_worker)
    assert second.next_sync_at > first.next_sync_at
    assert second.next_sync_at > second.last_sync_at
    assert second.busy_intervals.count() == 3

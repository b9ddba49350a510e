"""Sync against the simulator's calendarView: what is read, what is stored, what fails safely."""

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from calendars import sync
from calendars.models import BusyInterval, CalendarConnection
from conftest import WORK
from okomo.intervals import Interval

pytestmark = pytest.mark.django_db

MARKER = "SECRET-MARKER-7f3a"
ZURICH = ZoneInfo("Europe/Zurich")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # window: 23 Nov 2026 .. 1 Feb 2027 (Zurich)


def timed(start, end, show_as="busy", zone="Europe/Zurich", **extra):
    return {
        "subject": f"Board meeting {MARKER}",
        "body": {"contentType": "text", "content": f"Agenda {MARKER}"},
        "location": {"displayName": f"Room {MARKER}"},
        "attendees": [f"{MARKER.lower()}@example.com"],
        "start": {"dateTime": start, "timeZone": zone},
        "end": {"dateTime": end, "timeZone": zone},
        "showAs": show_as,
        **extra,
    }


def all_day(day, next_day, show_as="busy"):
    return timed(f"{day}T00:00:00", f"{next_day}T00:00:00", show_as=show_as, isAllDay=True)


def half_hours(count, apart=timedelta(hours=5)):
    """`count` busy half hours, `apart` from each other, from 24 November 08:00 UTC."""
    first = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    wall = "%Y-%m-%dT%H:%M:%S"
    return [
        timed(
            (first + apart * n).strftime(wall),
            (first + apart * n + timedelta(minutes=30)).strftime(wall),
            zone="UTC",
        )
        for n in range(count)
    ]


def stored(connection):
    return [
        (i.start, i.end)
        for i in BusyInterval.objects.filter(connection=connection).order_by("start")
    ]


def zurich(text):
    return datetime.fromisoformat(text).replace(tzinfo=ZURICH).astimezone(UTC)


@pytest.fixture
def connection(expert_client, expert, connect_calendar, simulator):
    connect_calendar(expert_client, WORK)
    simulator.clear_requests()
    return CalendarConnection.objects.get(expert=expert)


def test_busy_times_are_stored_and_nothing_else_is_asked_for_or_kept(connection, simulator):
    simulator.add_events(
        WORK,
        [
            timed("2026-12-01T09:00:00", "2026-12-01T10:00:00"),
            timed("2026-12-01T09:30:00", "2026-12-01T11:00:00"),  # overlaps: merged
            timed("2026-12-02T09:00:00", "2026-12-02T10:00:00", show_as="free"),
            timed("2026-12-03T09:00:00", "2026-12-03T10:00:00", show_as="tentative"),
            timed("2026-12-04T09:00:00", "2026-12-04T10:00:00", isCancelled=True),
            timed("2027-03-01T09:00:00", "2027-03-01T10:00:00"),  # after the window
        ],
    )

    result = sync.sync_connection(connection, now=NOW)

    assert result.outcome == "changed"
    assert stored(connection) == [(zurich("2026-12-01T09:00"), zurich("2026-12-01T11:00"))]
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert MARKER not in dump.getvalue()
    assert MARKER.lower() not in dump.getvalue()
    reads = simulator.requests(path_contains="calendarView")
    assert reads
    for read in reads:
        assert read["query"]["$select"] == "start,end,showAs,isAllDay,isCancelled"
        assert "delta" not in read["path"]


def test_window_reaches_from_today_to_the_end_of_the_second_next_month(connection, simulator):
    sync.sync_connection(connection, now=NOW)

    query = simulator.requests(path_contains="calendarView")[0]["query"]
    assert query["startDateTime"] == "2026-11-22T23:00:00Z"  # 23 Nov 00:00 in Zurich
    assert query["endDateTime"] == "2027-01-31T23:00:00Z"  # 1 Feb 00:00 in Zurich


@pytest.mark.parametrize(
    ("now", "day", "next_day", "hours"),
    [
        (datetime(2027, 3, 10, tzinfo=UTC), "2027-03-28", "2027-03-29", 23),  # spring forward
        (datetime(2027, 10, 5, tzinfo=UTC), "2027-10-31", "2027-11-01", 25),  # fall back
        (datetime(2026, 11, 23, tzinfo=UTC), "2026-12-08", "2026-12-09", 24),
    ],
)
def test_all_day_busy_event_blocks_exactly_the_local_day(
    connection, simulator, now, day, next_day, hours
):
    simulator.add_events(WORK, [all_day(day, next_day)])

    sync.sync_connection(connection, now=now)

    assert stored(connection) == [(zurich(f"{day}T00:00"), zurich(f"{next_day}T00:00"))]
    start, end = stored(connection)[0]
    assert end - start == timedelta(hours=hours)


def test_weekly_series_blocks_every_occurrence_in_the_window_and_none_after(connection, simulator):
    series = timed(
        "2026-11-02T09:00:00",
        "2026-11-02T10:00:00",
        recurrence={
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
            "range": {"type": "noEnd", "startDate": "2026-11-02"},
        },
    )
    simulator.add_events(WORK, [series])

    sync.sync_connection(connection, now=NOW)

    mondays = [zurich("2026-11-23T09:00") + timedelta(weeks=n) for n in range(10)]
    assert [start for start, _ in stored(connection)] == mondays
    assert all(start < zurich("2027-02-01T00:00") for start, _ in stored(connection))


def test_many_events_across_many_pages_arrive_complete(connection, simulator):
    simulator.add_events(WORK, half_hours(2_500, apart=timedelta(minutes=35)))

    result = sync.sync_connection(connection, now=NOW)

    assert result.busy_count == 2_500
    assert len(stored(connection)) == 2_500
    assert len(simulator.requests(path_contains="calendarView")) == 3  # 1,000 per page


def test_throttled_read_waits_as_told_and_then_succeeds(connection, simulator):
    simulator.add_events(WORK, [timed("2026-12-01T09:00:00", "2026-12-01T10:00:00")])
    simulator.fault(path="/v1.0/me/calendarView", status=429, retry_after="1", times=1)

    result = sync.sync_connection(connection, now=NOW)

    assert result.outcome == "changed"
    statuses = [r["status"] for r in simulator.requests(path_contains="calendarView")]
    assert statuses == [429, 200]


def test_failure_on_page_three_of_three_leaves_the_stored_times_untouched(connection, simulator):
    before = [Interval(zurich("2026-12-24T00:00"), zurich("2026-12-25T00:00"))]
    sync.store_busy_intervals(connection, before, now=NOW)
    simulator.add_events(WORK, half_hours(2_500, apart=timedelta(minutes=35)))
    # Pages 1 and 2 answer; page 3 keeps failing through every retry.
    simulator.fault(path="/v1.0/me/calendarView", status=503, retry_after="0", skip=2, times=10)

    result = sync.sync_connection(connection, now=NOW)

    assert result.outcome == "failed"
    assert stored(connection) == [(before[0].start, before[0].end)]
    connection.refresh_from_db()
    assert connection.last_problem_kind == "unavailable"
    statuses = [r["status"] for r in simulator.requests(path_contains="calendarView")]
    assert statuses == [200, 200, 503, 503, 503, 503]


def test_malformed_answer_is_recorded_and_changes_nothing(connection, simulator):
    sync.store_busy_intervals(
        connection, [Interval(zurich("2026-12-24T00:00"), zurich("2026-12-25T00:00"))], now=NOW
    )
    before = stored(connection)
    simulator.fault(path="/v1.0/me/calendarView", status=200, body='{"value": [{"start": 1}]}')

    result = sync.sync_connection(connection, now=NOW)

    assert result.outcome == "failed"
    assert stored(connection) == before
    connection.refresh_from_db()
    assert connection.last_problem_kind == "malformed"


def test_expired_access_token_is_refreshed_once_and_the_read_retried(connection, simulator):
    simulator.add_events(WORK, [timed("2026-12-01T09:00:00", "2026-12-01T10:00:00")])
    simulator.expire_access_tokens(WORK)

    result = sync.sync_connection(connection, now=NOW)

    assert result.outcome == "changed"
    statuses = [r["status"] for r in simulator.requests(path_contains="calendarView")]
    assert statuses == [401, 200]


def test_revoked_grant_needs_reconnect_keeps_times_and_mails_once(
    connection, simulator, run_effects
):
    kept = [Interval(zurich("2026-12-24T00:00"), zurich("2026-12-25T00:00"))]
    sync.store_busy_intervals(connection, kept, now=NOW)
    simulator.revoke(WORK)
    mail.outbox.clear()

    first = sync.sync_connection(connection, now=NOW)
    second = sync.sync_connection(connection, now=NOW)
    run_effects()

    assert (first.outcome, second.outcome) == ("reconnect_needed", "reconnect_needed")
    connection.refresh_from_db()
    assert connection.status == "reconnect_needed"
    assert stored(connection) == [(kept[0].start, kept[0].end)]
    assert len(mail.outbox) == 1
    assert "reconnect" in mail.outbox[0].subject.lower()
    assert mail.outbox[0].to == [connection.expert.email]


def test_unchanged_calendar_writes_no_busy_intervals(connection, simulator):
    simulator.add_events(WORK, [timed("2026-12-01T09:00:00", "2026-12-01T10:00:00")])
    sync.sync_connection(connection, now=NOW)

    with CaptureQueriesContext(db_connection) as queries:
        result = sync.sync_connection(connection, now=NOW)

    assert result.outcome == "unchanged"
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if "calendars_busyinterval" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


def test_claiming_due_connections_moves_each_once(connection):
    CalendarConnection.objects.filter(pk=connection.pk).update(next_sync_at=NOW)

    first = sync.claim_due_connections(now=NOW)
    second = sync.claim_due_connections(now=NOW)

    assert first == [connection.pk]
    assert second == []
    connection.refresh_from_db()
    assert connection.next_sync_at == NOW + timedelta(minutes=5)  # the reclaim time


def test_a_running_sync_is_not_started_twice(connection):
    CalendarConnection.objects.filter(pk=connection.pk).update(
        sync_lease_until=NOW + timedelta(minutes=5)
    )

    assert sync.run_sync(connection.pk, now=NOW) is None


def test_manual_sync_at_most_once_a_minute(connection):
    assert sync.request_sync(connection, now=NOW)
    assert not sync.request_sync(connection, now=NOW + timedelta(seconds=30))
    assert sync.request_sync(connection, now=NOW + timedelta(seconds=61))


def test_any_finished_sync_schedules_the_next_an_interval_later(connection, simulator):
    result = sync.run_sync(connection.pk, now=NOW)

    assert result.outcome in ("changed", "unchanged")
    connection.refresh_from_db()
    assert connection.next_sync_at == NOW + timedelta(minutes=30)
    assert connection.last_sync_at == NOW
    assert connection.sync_lease_until is None


def test_an_unchanged_interval_sync_sends_three_statements(connection, simulator):
    # Lease, one read of connection + expert + calendars, one UPDATE that stores the result
    # and releases the lease: the token still cached needs no lock and no statement.
    simulator.add_events(WORK, [timed("2026-12-01T09:00:00", "2026-12-01T10:00:00")])
    sync.run_sync(connection.pk, now=NOW)
    simulator.clear_requests()

    with CaptureQueriesContext(db_connection) as queries:
        result = sync.run_sync(connection.pk, now=NOW + timedelta(minutes=30))

    assert result.outcome == "unchanged"
    statements = [
        q["sql"].lstrip().split()[0].upper()
        for q in queries.captured_queries
        if q["sql"].lstrip().upper() not in ("BEGIN", "COMMIT")
        and not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    assert statements == ["UPDATE", "SELECT", "UPDATE"]
    assert simulator.requests(path_contains="/token") == []
    connection.refresh_from_db()
    assert connection.sync_lease_until is None
    assert connection.next_sync_at == NOW + timedelta(minutes=60)
    assert connection.last_sync_at == NOW + timedelta(minutes=30)


def test_a_sync_with_an_expired_token_refreshes_it_under_the_lock(connection, simulator):
    sync.run_sync(connection.pk, now=NOW)
    simulator.expire_access_tokens(WORK)
    before = CalendarConnection.objects.get(pk=connection.pk).token_cache

    with CaptureQueriesContext(db_connection) as queries:
        result = sync.run_sync(connection.pk, now=NOW + timedelta(minutes=30))

    assert result.outcome == "unchanged"
    if db_connection.features.has_select_for_update:
        assert any("FOR UPDATE" in q["sql"] for q in queries.captured_queries)
    grants = [r["form"].get("grant_type") for r in simulator.requests(path_contains="/token")]
    assert grants == ["refresh_token"]
    assert CalendarConnection.objects.get(pk=connection.pk).token_cache != before


def test_stored_times_keep_their_microseconds_and_the_next_store_changes_nothing(connection):
    odd = [
        Interval(
            datetime(2026, 12, 1, 9, 0, 0, 123456, tzinfo=UTC),
            datetime(2026, 12, 1, 9, 30, 0, 999999, tzinfo=UTC),
        ),
        Interval(datetime(2026, 12, 2, 9, 0, tzinfo=UTC), datetime(2026, 12, 2, 10, 0, tzinfo=UTC)),
    ]
    CalendarConnection.objects.filter(pk=connection.pk).update(busy_fingerprint="")

    assert sync.store_busy_intervals(connection, odd, now=NOW) == (2, 0)
    CalendarConnection.objects.filter(pk=connection.pk).update(busy_fingerprint="")
    again = sync.store_busy_intervals(connection, odd, now=NOW)

    assert stored(connection) == [(i.start, i.end) for i in odd]
    assert again == (0, 0)  # compared row by row (fingerprint cleared): every row matched


def test_a_sync_that_read_an_account_replaced_meanwhile_stores_nothing(connection, simulator):
    # The expert signed in again, to another Microsoft account, while this sync read the old
    # one (with the old account's token, still cached in the connection it loaded).
    simulator.add_events(WORK, [timed("2026-12-01T09:00:00", "2026-12-01T10:00:00")])
    loaded = CalendarConnection.objects.get(pk=connection.pk)
    before = stored(connection)
    CalendarConnection.objects.filter(pk=connection.pk).update(
        home_account_id="another-uid.another-tenant", busy_fingerprint=""
    )

    result = sync.sync_connection(loaded, now=NOW)

    assert result.outcome == "superseded"
    assert stored(connection) == before
    assert CalendarConnection.objects.get(pk=connection.pk).busy_fingerprint == ""

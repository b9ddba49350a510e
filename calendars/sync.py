"""Calendar sync: each blocking calendar's calendarView → BusyInterval rows, all or nothing."""

import hashlib
import logging
from array import array
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Q

from okomo.intervals import Interval, merge

from . import graph, packed, services, transport
from .busy import UnusableEvent, blocking_show_as, busy_intervals
from .identity import MicrosoftUnavailable, ReconnectNeeded
from .models import BusyInterval, Calendar, CalendarConnection
from .signals import announce_busy_times_changed
from .tokens import call_with_token
from .window import sync_window

logger = logging.getLogger(__name__)

# "Sync now" runs at most this often per calendar.
MANUAL_SYNC_SPACING = timedelta(minutes=1)


# Outcomes whose UPDATE stored the result (and released the lease it was given).
STORED = ("changed", "unchanged")


class Superseded(Exception):
    """The connection was signed in again, to another Microsoft account, while a sync read
    the old one: what it read is not the new account's, and nothing of it is stored."""


@dataclass(frozen=True)
class SyncResult:
    outcome: str  # "changed", "unchanged", "failed", "reconnect_needed", "superseded"
    busy_count: int = 0
    added: int = 0
    removed: int = 0


def sync_interval() -> timedelta:
    return timedelta(seconds=settings.CALENDAR_SYNC_INTERVAL)


def reclaim_time() -> timedelta:
    """How long a claim holds a calendar whose sync has not started (never beyond an interval)."""
    return min(timedelta(seconds=settings.CALENDAR_SYNC_RECLAIM), sync_interval())


def sync_lease() -> timedelta:
    """How long a started sync holds its calendar; after that it is taken to have died."""
    return timedelta(seconds=settings.CALENDAR_SYNC_LEASE)


def claim_due_connections(*, now: datetime) -> list[int]:
    """Move each due connection's next_sync_at the reclaim time on; return those this call moved.

    One conditional UPDATE … RETURNING is the claim: of two dispatchers racing, the second
    finds the rows moved and the condition false, so each row is claimed once. The finished
    sync moves next_sync_at a whole interval on; a claim whose task died with its worker
    lapses after the reclaim time and the calendar is claimed again. A calendar whose sync
    holds the lease is left alone until that sync ends or its lease runs out.
    """
    table = _quote(CalendarConnection._meta.db_table)
    adapt = db_connection.ops.adapt_datetimefield_value
    due = (
        "status = %s AND next_sync_at <= %s"
        " AND (sync_lease_until IS NULL OR sync_lease_until <= %s)"
    )
    if db_connection.features.has_select_for_update_skip_locked:
        # A row another transaction holds (a token refresh waiting on Microsoft) waits for
        # the next dispatch rather than holding up this claim and every row it moved.
        due = f"id IN (SELECT id FROM {table} WHERE {due} FOR UPDATE SKIP LOCKED)"  # noqa: S608
    with db_connection.cursor() as cursor:
        # Plain SQL: the ORM's update() cannot say RETURNING (PostgreSQL and SQLite can).
        cursor.execute(
            f"UPDATE {table} SET next_sync_at = %s WHERE {due} RETURNING id",  # noqa: S608
            [
                adapt(now + reclaim_time()),
                CalendarConnection.Status.CONNECTED,
                adapt(now),
                adapt(now),
            ],
        )
        return sorted(pk for (pk,) in cursor.fetchall())


def request_sync(connection: CalendarConnection, *, now: datetime) -> bool:
    """Claim a manual sync; False when the last one was less than a minute ago."""
    return bool(
        CalendarConnection.objects.filter(pk=connection.pk)
        .filter(
            Q(sync_requested_at__isnull=True) | Q(sync_requested_at__lte=now - MANUAL_SYNC_SPACING)
        )
        .update(sync_requested_at=now)
    )


# Change notifications cause at most one sync a minute per calendar.
NOTIFIED_SYNC_SPACING = timedelta(minutes=1)


def claim_notified_sync(connection_id: int, *, now: datetime) -> float | None:
    """Ask for a sync because Microsoft notified a change; the seconds to wait before it runs,
    or None when a notified sync is already waiting (it will read this change too).

    A burst of notifications costs one sync: the first waits CALENDAR_NOTIFIED_SYNC_DELAY
    seconds, and never starts less than a minute after the previous notified sync started.
    A waiting sync whose task was lost (broker down, worker died) lapses after the reclaim
    time, and the next notification asks again.
    """
    started = (
        CalendarConnection.objects.filter(
            pk=connection_id, status=CalendarConnection.Status.CONNECTED
        )
        .values_list("notified_sync_started_at", flat=True)
        .first()
    )
    due = now + timedelta(seconds=settings.CALENDAR_NOTIFIED_SYNC_DELAY)
    if started is not None:
        due = max(due, started + NOTIFIED_SYNC_SPACING)
    waiting = Q(notified_sync_due_at__isnull=True) | Q(
        notified_sync_due_at__lte=now - reclaim_time()
    )
    claimed = (
        CalendarConnection.objects.filter(
            pk=connection_id, status=CalendarConnection.Status.CONNECTED
        )
        .filter(waiting)
        .update(notified_sync_due_at=due)
    )
    return (due - now).total_seconds() if claimed else None


def start_notified_sync(connection_id: int, *, now: datetime) -> bool:
    """The waiting notified sync starts: a notification from now on asks for another one."""
    return bool(
        CalendarConnection.objects.filter(pk=connection_id).update(
            notified_sync_due_at=None, notified_sync_started_at=now
        )
    )


def run_sync(connection_id: int, *, now: datetime, claimed: bool = False) -> SyncResult | None:
    """Sync one calendar unless it is gone or another sync of it is running (then None).

    `claimed`: the sync a claim queued, which is also skipped (None) when a sync finished after
    the claim: a duplicate from a lapsed claim, or a task Redis handed out a second time.
    """
    rows = CalendarConnection.objects.filter(pk=connection_id).filter(
        Q(sync_lease_until__isnull=True) | Q(sync_lease_until__lte=now)
    )
    if claimed:
        # A claim moves next_sync_at the reclaim time on, a finished sync a whole interval.
        # Further out than halfway between the two, a sync has finished since the claim; the
        # halfway mark leaves room for the clocks of the beat and worker hosts to differ.
        fresh_from = now + (reclaim_time() + sync_interval()) / 2
        rows = rows.filter(Q(next_sync_at__isnull=True) | Q(next_sync_at__lte=fresh_from))
    lease = sync_lease()
    if not rows.update(sync_lease_until=now + lease):
        return None
    # Whatever started this sync (beat, "Sync now", a booking), the next one is due a full
    # interval later. A sync that stores its result releases the lease in that same UPDATE.
    release = {"sync_lease_until": None, "next_sync_at": now + sync_interval()}
    result = None
    try:
        connection, listed = _connection_and_calendars(connection_id)
        # Microsoft gets four fifths of the lease and no more: the sync ends before its lease
        # does, so no reclaimed or redelivered sync of the calendar runs beside it.
        with transport.deadline(lease.total_seconds() * 0.8):
            result = sync_connection(connection, now=now, listed=listed, release=release)
        return result
    finally:
        if result is None or result.outcome not in STORED:
            if result is not None and result.outcome == "superseded":
                release["next_sync_at"] = now  # the new account's own sync found us running
            CalendarConnection.objects.filter(pk=connection_id).update(**release)


def _connection_and_calendars(connection_id):
    """The connection (with its expert) and its listed calendars, in one query when any are
    listed: each calendar row brings the connection along."""
    listed = list(
        Calendar.objects.filter(connection_id=connection_id).select_related("connection__expert")
    )
    if listed:
        connection = listed[0].connection
        for calendar in listed:
            calendar.connection = connection
        return connection, listed
    return CalendarConnection.objects.select_related("expert").get(pk=connection_id), []


def sync_connection(
    connection: CalendarConnection,
    *,
    now: datetime,
    listed: list[Calendar] | None = None,
    release: dict | None = None,
) -> SyncResult:
    """Read the sync window of every blocking calendar from Microsoft and store its busy times.

    Nothing is written unless every calendar was read and understood; the stored intervals
    then change only where they differ. A blocking calendar Microsoft no longer knows (404:
    deleted in Outlook) is dropped from the list, with its busy times.

    listed: the connection's calendars when the caller read them already; release: more
    fields for the UPDATE that stores the result (run_sync's lease).
    """
    zone = connection.expert.zone
    window = sync_window(now, zone)
    blocking = blocking_show_as(
        tentative=connection.treat_tentative_as_busy,
        out_of_office=connection.treat_out_of_office_as_busy,
    )
    gone = []
    try:
        calendars = _blocking_calendars(connection, listed)
        by_calendar = {}
        for calendar in calendars:
            try:
                events = _read(connection, calendar, window)
            except graph.GraphError as exc:
                if exc.status == 404 and calendar is not None and not calendar.is_default:
                    gone.append(calendar)
                    continue
                raise
            by_calendar[calendar.pk if calendar else None] = busy_intervals(
                events, zone=zone, window=window, blocking=blocking
            )
    except ReconnectNeeded as exc:
        services.mark_reconnect_needed(connection, str(exc))
        return SyncResult("reconnect_needed")
    except (MicrosoftUnavailable, graph.GraphError, UnusableEvent) as exc:
        kind = (
            CalendarConnection.ProblemKind.MALFORMED
            if isinstance(exc, UnusableEvent)
            else services.problem_kind(exc)
        )
        logger.warning("calendar sync failed expert=%s: %s", connection.expert_id, exc)
        services.record_problem(connection, kind, str(exc))
        return SyncResult("failed")
    try:
        added, removed = store_busy_intervals(connection, by_calendar, now=now, also=release)
    except Superseded:
        logger.info("calendar sync superseded by a new sign-in expert=%s", connection.expert_id)
        return SyncResult("superseded")
    for calendar in gone:
        logger.info("calendar deleted in outlook expert=%s", connection.expert_id)
        services.forget_calendar(calendar)
    outcome = "changed" if added or removed or gone else "unchanged"
    busy = sum(len(intervals) for intervals in by_calendar.values())
    logger.info(
        "calendar synced expert=%s outcome=%s calendars=%d busy=%d",
        connection.expert_id,
        outcome,
        len(by_calendar),
        busy,
    )
    return SyncResult(outcome, busy, added, removed)


def read_busy(connection: CalendarConnection, window: Interval) -> list[Interval]:
    """The merged busy times of every blocking calendar within `window`, read now (for the
    just-in-time check of a requested slot: nothing is stored, no list is read).

    A calendar answering 404 is skipped (the next sync drops it). Raises ReconnectNeeded,
    MicrosoftUnavailable, GraphError or UnusableEvent.
    """
    zone = connection.expert.zone
    blocking = blocking_show_as(
        tentative=connection.treat_tentative_as_busy,
        out_of_office=connection.treat_out_of_office_as_busy,
    )
    listed = list(Calendar.objects.filter(connection=connection))
    calendars = [c for c in listed if c.blocks] if listed else [None]
    found = []
    for calendar in calendars:
        try:
            events = _read(connection, calendar, window)
        except graph.GraphError as exc:
            if exc.status == 404 and calendar is not None and not calendar.is_default:
                continue
            raise
        found.extend(busy_intervals(events, zone=zone, window=window, blocking=blocking))
    return merge(found)


def _blocking_calendars(connection, listed=None):
    """The listed calendars that block; [None] (the default calendar, as before calendars
    were listed) when the list has never been read and cannot be read now."""
    if not listed:
        listed = list(Calendar.objects.filter(connection=connection))
    if not listed:
        try:
            infos = call_with_token(connection, graph.list_calendars)
        except (MicrosoftUnavailable, graph.GraphError) as exc:
            logger.info("calendar list unavailable expert=%s: %s", connection.expert_id, exc)
            return [None]
        services.store_calendars(connection, infos)
        listed = list(Calendar.objects.filter(connection=connection))
    return [calendar for calendar in listed if calendar.blocks]


def _read(connection, calendar, window):
    # The default calendar is read where it always was (and where its appointments go).
    calendar_id = None if calendar is None or calendar.is_default else calendar.graph_id
    return call_with_token(
        connection,
        lambda token: graph.read_calendar_view(token, window, calendar_id=calendar_id),
    )


@transaction.atomic
def store_busy_intervals(
    connection: CalendarConnection,
    intervals: list[Interval] | dict[int | None, list[Interval]],
    *,
    now: datetime,
    also: dict | None = None,
) -> tuple[int, int]:
    """Make the stored intervals equal `intervals`, touching only rows that differ.

    intervals: per calendar (its pk; None for "the default calendar, unlisted"), or a plain
    list for None. A calendar left out keeps no intervals. also: more fields for the one
    UPDATE of the connection.
    """
    by_calendar = intervals if isinstance(intervals, dict) else {None: intervals}
    # Epoch seconds, taken once: the fingerprint, the packed value and the rows use them.
    seconds = {
        calendar: [(i.start.timestamp(), i.end.timestamp()) for i in listed]
        for calendar, listed in by_calendar.items()
    }
    fingerprint = _fingerprint(seconds)
    done = {
        "last_sync_at": now,
        "last_problem": "",
        "last_problem_kind": "",
        "last_problem_at": None,
        "status": CalendarConnection.Status.CONNECTED,
        **(also or {}),
    }
    # Only while the connection is still the account these times were read from.
    same = CalendarConnection.objects.filter(
        pk=connection.pk, home_account_id=connection.home_account_id
    )
    if same.filter(busy_fingerprint=fingerprint).update(**done):
        return 0, 0  # unchanged
    if not same.update(
        busy_fingerprint=fingerprint,
        busy_packed=packed.pack(pair for pairs in seconds.values() for pair in pairs),
        **done,
    ):
        raise Superseded
    wanted = {
        (calendar, i.start, i.end) for calendar, listed in by_calendar.items() for i in listed
    }
    stored = {
        (calendar, start, end): pk
        for pk, calendar, start, end in BusyInterval.objects.filter(
            connection=connection
        ).values_list("pk", "calendar", "start", "end")
    }
    stale = [pk for key, pk in stored.items() if key not in wanted]
    fresh = sorted(wanted - stored.keys(), key=_by_time)
    if stale:
        BusyInterval.objects.filter(pk__in=stale).delete()
    if fresh:
        _insert_busy_rows(connection.pk, fresh)
    if stale or fresh:
        announce_busy_times_changed(connection.expert_id)
    return len(fresh), len(stale)


def _insert_busy_rows(connection_id, rows):
    """INSERT (calendar, start, end) rows in one statement. bulk_create would build a model
    instance and prepare every field of each row: most of a first sync's CPU."""
    table = _quote(BusyInterval._meta.db_table)
    columns = ", ".join(_quote(name) for name in ("connection_id", "calendar_id", "start", "end"))
    with db_connection.cursor() as cursor:
        if db_connection.vendor == "postgresql":
            # Three arrays as text, however many rows: a short statement psycopg parses once,
            # and no value to adapt one by one.
            calendars, starts, ends = zip(*rows, strict=True)
            cursor.execute(
                f"INSERT INTO {table} ({columns})"  # noqa: S608 (names from _meta)
                " SELECT %s, c, to_timestamp(s), to_timestamp(e)"
                " FROM unnest(%s::bigint[], %s::float8[], %s::float8[]) AS r(c, s, e)",
                [
                    connection_id,
                    _array(calendars),
                    _array(t.timestamp() for t in starts),
                    _array(t.timestamp() for t in ends),
                ],
            )
        else:
            adapt = db_connection.ops.adapt_datetimefield_value
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s)",  # noqa: S608
                [(connection_id, calendar, adapt(s), adapt(e)) for calendar, s, e in rows],
            )


def _array(numbers):
    # repr() of a float round-trips exactly: microseconds survive to_timestamp().
    return "{" + ",".join("NULL" if n is None else repr(n) for n in numbers) + "}"


def _quote(name):
    return db_connection.ops.quote_name(name)


def _by_time(key):
    calendar, start, end = key
    return start, end, calendar or 0


def _fingerprint(seconds):
    # Which calendars were read is part of it: ticking another calendar with the same busy
    # times still changes what is stored (which calendar each block came from).
    digest = hashlib.sha256()
    for calendar in sorted(seconds, key=lambda pk: -1 if pk is None else pk):
        if calendar is not None:
            digest.update(f"calendar {calendar}:".encode())
        digest.update(array("d", [t for pair in seconds[calendar] for t in pair]).tobytes())
    return digest.hexdigest()

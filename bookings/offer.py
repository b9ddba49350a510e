"""What an expert offers: the stored data of one expert fed to the pure slot finder."""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import db
from django.contrib.auth import get_user_model
from django.db.models import DateField, IntegerField, Value
from django.db.models.functions import Cast

from calendars import packed
from calendars.models import BusyInterval, CalendarConnection
from calendars.window import sync_window
from okomo.intervals import Interval

from .availability import available_intervals
from .models import Booking, BookingSettings, DateException, WeeklyHours
from .slots import free_slots


@dataclass(frozen=True)
class Offer:
    settings: BookingSettings
    bookable: Interval | None  # None: nothing can be booked right now

    @property
    def length(self):
        return timedelta(minutes=self.settings.appointment_minutes)


def settings_for(expert) -> BookingSettings:
    """The expert's booking settings (select_related("booking_settings") saves the query)."""
    try:
        return expert.booking_settings
    except BookingSettings.DoesNotExist:
        booking_settings, _ = BookingSettings.objects.get_or_create(expert=expert)
        return booking_settings


def offer_for(expert, *, now: datetime) -> Offer:
    """Bookable: from now plus minimum notice to the horizon, never past the sync window."""
    return _offer(settings_for(expert), expert.zone, now)


def _offer(booking_settings, zone, now):
    first = now + timedelta(minutes=booking_settings.minimum_notice_minutes)
    last = min(now + timedelta(days=booking_settings.horizon_days), sync_window(now, zone).end)
    return Offer(booking_settings, Interval(first, last) if last > first else None)


def offered_slots(
    expert, window: Interval, *, now: datetime, ignoring: int | None = None
) -> list[datetime]:
    """Start times a customer may book inside `window` (UTC); see offered_seconds."""
    return [
        datetime.fromtimestamp(t, UTC)
        for t in offered_seconds(expert, window, now=now, ignoring=ignoring)
    ]


def offered_seconds(
    expert, window: Interval, *, now: datetime, ignoring: int | None = None
) -> list[int]:
    """Start times a customer may book inside `window`, as epoch seconds. Three queries,
    whatever the data (two when the expert came with select_related("calendar_connection")).

    ignoring: a booking whose own time does not count as taken (it is being moved)."""
    offer = offer_for(expert, now=now)
    span = _Span.of(offer, expert.zone, window)
    if span is None:
        return []
    weekly, exceptions = _open_hours(expert, span.first_day, span.last_day)
    busy = _calendar_busy(expert.pk, _packed_of(expert), span.reach_start, span.reach_end)
    booked = (
        Booking.objects.for_expert(expert)
        .live(now)
        .filter(start__lt=_moment(span.reach_end), end__gt=_moment(span.reach_start))
        .values_list("start", "end")
        .order_by()
    )
    if ignoring is not None:
        booked = booked.exclude(pk=ignoring)
    # Busy calendar times and other live bookings block alike.
    busy += [(_seconds(start), _seconds(end)) for start, end in booked]
    return span.free(offer.settings, weekly, exceptions, busy)


@dataclass(frozen=True)
class _Span:
    """The part of a window that is bookable, and the reach of the busy times that matter."""

    zone: ZoneInfo
    window: Interval  # from the expert's local midnight on
    not_before: datetime
    reach_start: int
    reach_end: int

    @classmethod
    def of(cls, offer, zone, window):
        bookable = offer.bookable
        if bookable is None or window.end <= bookable.start or window.start >= bookable.end:
            return None
        not_before = max(window.start, bookable.start)
        # Open hours are taken whole from local midnight on, so the slot grid stays anchored
        # to their wall-clock start (09:00, 09:15, ...) however late the window or the notice
        # begins.
        midnight = datetime.combine(not_before.astimezone(zone).date(), time(0), tzinfo=zone)
        window = Interval(midnight.astimezone(UTC), min(window.end, bookable.end))
        s = offer.settings
        margin = (s.buffer_before_minutes + s.buffer_after_minutes) * 60
        # Busy times just outside the window still matter for the buffers at its edges.
        return cls(
            zone,
            window,
            not_before,
            _seconds(window.start) - margin,
            _seconds(window.end) + margin,
        )

    @property
    def first_day(self):
        return self.window.start.astimezone(self.zone).date()

    @property
    def last_day(self):
        return self.window.end.astimezone(self.zone).date()

    def free(self, s, weekly, exceptions, busy):
        available = available_intervals(weekly, exceptions, zone=self.zone, window=self.window)
        # The pure slot finder, fed whole seconds: plain integers compare and add far faster
        # than datetimes, and busy times read as numbers never become datetimes at all.
        return free_slots(
            [Interval(_seconds(a.start), _seconds(a.end)) for a in available],
            [Interval(start, end) for start, end in busy],
            length=s.appointment_minutes * 60,
            step=s.slot_step_minutes * 60,
            not_before=math.ceil(self.not_before.timestamp()),
            buffer_before=s.buffer_before_minutes * 60,
            buffer_after=s.buffer_after_minutes * 60,
        )


def _seconds(moment: datetime) -> int:
    return math.floor(moment.timestamp())


def _moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _open_hours(expert, first_day, last_day):
    """Weekly hours and the date exceptions between the two days, in one query."""
    hours = (
        WeeklyHours.objects.filter(expert=expert)
        .values_list(Cast(Value(None), DateField()), "weekday", "start", "end")
        .order_by()  # SQLite allows no ORDER BY inside a UNION
    )
    changed = (
        DateException.objects.filter(expert=expert, date__range=(first_day, last_day))
        .values_list("date", Cast(Value(None), IntegerField()), "start", "end")
        .order_by()
    )
    return _grouped(hours.union(changed, all=True))


def _grouped(rows):
    """(day, weekday, start, end) rows, day None for weekly hours → (weekly, exceptions)."""
    weekly = defaultdict(list)
    exceptions = defaultdict(list)
    for day, weekday, start, end in rows:
        if day is None:
            weekly[weekday].append((start, end))
        elif start is not None:
            exceptions[day].append((start, end))
        else:
            exceptions.setdefault(day, [])
    return weekly, exceptions


def _calendar_busy(expert_id, connection, start: int, end: int) -> list[tuple[int, int]]:
    """The synced busy times overlapping [start, end): packed by the last sync when it is
    trusted (calendars/packed.py), else from the rows. connection: see _packed_of."""
    if connection is None:
        return []
    fingerprint, data = connection
    if fingerprint:
        return packed.overlapping(packed.unpack(data), start, end)
    rows = BusyInterval.objects.filter(
        connection__expert_id=expert_id, start__lt=_moment(end), end__gt=_moment(start)
    ).values_list("start", "end")
    return [(_seconds(s), math.ceil(e.timestamp())) for s, e in rows]


def _packed_of(expert):
    """(busy_fingerprint, busy_packed) of the expert's connection, None without one."""
    descriptor = type(expert).calendar_connection
    if descriptor.is_cached(expert):  # came with the expert: no query
        connection = descriptor.related.get_cached_value(expert)
        return connection and (connection.busy_fingerprint, connection.busy_packed)
    return (
        CalendarConnection.objects.filter(expert=expert)
        .values_list("busy_fingerprint", "busy_packed")
        .first()
    )


@dataclass(frozen=True)
class Page:
    """What the public slots answer shows of an expert."""

    name: str
    time_zone: str
    offer: Offer
    seconds: list[int]  # as offered_seconds finds them


def active_expert_id(slug) -> int | None:
    """The id of the active expert whose booking page `slug` is: all a cached slots answer
    needs. Plain SQL: on every view of a booking page the ORM would spend more time
    compiling this query than the database answering it."""
    users = get_user_model()._meta
    with db.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {users.pk.column} FROM {users.db_table}"  # noqa: S608 (names from _meta)
            f" WHERE {users.get_field('slug').column} = %s"
            f" AND {users.get_field('is_active').column}",
            [slug],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def _page_by_orm(expert_id, window, *, now):
    # SQLite (tests, trials) has no LATERAL joins or arrays: the same answer, query by query.
    expert = (
        get_user_model()
        .objects.select_related("booking_settings", "calendar_connection")
        .defer("calendar_connection__token_cache")
        .filter(pk=expert_id, is_active=True)
        .first()
    )
    if expert is None:
        return None
    return Page(
        expert.display_name,
        expert.time_zone,
        offer_for(expert, now=now),
        offered_seconds(expert, window, now=now),
    )


# Everything offered_seconds reads, for the slots answer of an uncached page, on PostgreSQL:
# one statement instead of four (each of which the ORM would spend more time compiling than
# PostgreSQL spends running it). Date exceptions and bookings come for a window wider than
# any span offered_seconds reads for it (local midnights, the stored buffers). The bookings'
# condition is that of BookingQuerySet.live(); test_slots_read_fast holds the two equal.
_PAGE_SQL = f"""
SELECT u.display_name, u.time_zone, c.busy_fingerprint, c.busy_packed,
    s.id, s.appointment_minutes, s.slot_step_minutes, s.buffer_before_minutes,
    s.buffer_after_minutes, s.minimum_notice_minutes, s.horizon_days,
    w.weekdays, w.starts, w.ends, d.days, d.starts, d.ends, b.starts, b.ends
FROM {get_user_model()._meta.db_table} u
LEFT JOIN {BookingSettings._meta.db_table} s ON s.expert_id = u.id
LEFT JOIN {CalendarConnection._meta.db_table} c ON c.expert_id = u.id
CROSS JOIN LATERAL (
    SELECT array_agg(weekday) weekdays, array_agg("start") starts, array_agg("end") ends
    FROM {WeeklyHours._meta.db_table} WHERE expert_id = u.id
) w
CROSS JOIN LATERAL (
    SELECT array_agg("date") days, array_agg("start") starts, array_agg("end") ends
    FROM {DateException._meta.db_table}
    WHERE expert_id = u.id AND "date" BETWEEN %(first_day)s AND %(last_day)s
) d
CROSS JOIN LATERAL (
    SELECT array_agg("start") starts, array_agg("end") ends
    FROM {Booking._meta.db_table}
    WHERE expert_id = u.id
        AND "start" < %(end)s + make_interval(mins => s.buffer_before_minutes
            + s.buffer_after_minutes)
        AND "end" > %(start)s - make_interval(mins => s.buffer_before_minutes
            + s.buffer_after_minutes)
        AND (status = %(accepted)s OR status = %(requested)s AND expires_at > %(now)s)
) b
WHERE u.id = %(expert)s AND u.is_active
"""  # noqa: S608 (the table names come from the models, every value is a parameter)
_SETTINGS_FIELDS = (
    "id",
    "expert_id",
    "appointment_minutes",
    "slot_step_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "minimum_notice_minutes",
    "horizon_days",
)


def page_of(expert_id, window: Interval, *, now: datetime) -> Page | None:
    """The active expert's name, zone, offer and offered_seconds(expert, window, now=now),
    in one query (two when the busy times are not packed); None without such an expert."""
    if db.connection.vendor != "postgresql":
        return _page_by_orm(expert_id, window, now=now)
    margin = timedelta(days=2)  # past any local midnight of the window's ends
    params = {
        "expert": expert_id,
        "first_day": (window.start - margin).date(),
        "last_day": (window.end + margin).date(),
        "start": window.start - margin,
        "end": window.end + margin,
        "accepted": Booking.Status.ACCEPTED,
        "requested": Booking.Status.REQUESTED,
        "now": now,
    }
    with db.connection.cursor() as cursor:
        cursor.execute(_PAGE_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    name, time_zone, fingerprint, data, settings_id, *numbers = row[:11]
    weekdays, starts, ends, days, day_starts, day_ends, booked_starts, booked_ends = row[11:]
    if settings_id is None:  # none yet: made as settings_for makes them, then read again
        BookingSettings.objects.get_or_create(expert_id=expert_id)
        return page_of(expert_id, window, now=now)
    # The fields read, the others deferred (read on access); values in the model's order.
    booking_settings = BookingSettings.from_db(
        db.DEFAULT_DB_ALIAS, _SETTINGS_FIELDS, (settings_id, expert_id, *numbers)
    )
    zone = ZoneInfo(time_zone)
    offer = _offer(booking_settings, zone, now)
    span = _Span.of(offer, zone, window)
    if span is None:
        return Page(name, time_zone, offer, [])
    # What lies beyond the span changes nothing: available_intervals reads the hours of the
    # window's days only, and a busy time beyond the reach blocks no slot inside the window.
    hours = zip(weekdays or (), starts or (), ends or (), strict=True)
    changed = zip(days or (), day_starts or (), day_ends or (), strict=True)
    weekly, exceptions = _grouped(
        [*((None, *row) for row in hours), *((day, None, a, b) for day, a, b in changed)]
    )
    connection = None if fingerprint is None else (fingerprint, data)  # NULL: none
    busy = _calendar_busy(expert_id, connection, span.reach_start, span.reach_end)
    busy += [
        (_seconds(start), _seconds(end))
        for start, end in zip(booked_starts or (), booked_ends or (), strict=True)
    ]
    return Page(name, time_zone, offer, span.free(booking_settings, weekly, exceptions, busy))

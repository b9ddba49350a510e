"""What an expert offers: the stored data of one expert fed to the pure slot finder."""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

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
    booking_settings = settings_for(expert)
    first = now + timedelta(minutes=booking_settings.minimum_notice_minutes)
    last = min(
        now + timedelta(days=booking_settings.horizon_days), sync_window(now, expert.zone).end
    )
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
    bookable = offer.bookable
    if bookable is None or window.end <= bookable.start or window.start >= bookable.end:
        return []
    not_before = max(window.start, bookable.start)
    # Open hours are taken whole from local midnight on, so the slot grid stays anchored to
    # their wall-clock start (09:00, 09:15, ...) however late the window or the notice begins.
    zone = expert.zone
    midnight = datetime.combine(not_before.astimezone(zone).date(), time(0), tzinfo=zone)
    window = Interval(midnight.astimezone(UTC), min(window.end, bookable.end))
    s = offer.settings
    before = s.buffer_before_minutes * 60
    after = s.buffer_after_minutes * 60
    # Busy times just outside the window still matter for the buffers at its edges.
    reach_start = _seconds(window.start) - before - after
    reach_end = _seconds(window.end) + before + after

    first_day = window.start.astimezone(zone).date()
    last_day = window.end.astimezone(zone).date()
    weekly, exceptions = _open_hours(expert, first_day, last_day)
    busy = _calendar_busy(expert, reach_start, reach_end)
    booked = (
        Booking.objects.for_expert(expert)
        .live(now)
        .filter(start__lt=_moment(reach_end), end__gt=_moment(reach_start))
        .values_list("start", "end")
        .order_by()
    )
    if ignoring is not None:
        booked = booked.exclude(pk=ignoring)
    # Busy calendar times and other live bookings block alike.
    busy += [(_seconds(start), _seconds(end)) for start, end in booked]
    available = available_intervals(weekly, exceptions, zone=zone, window=window)
    # The pure slot finder, fed whole seconds: plain integers compare and add far faster
    # than datetimes, and busy times read as numbers never become datetimes at all.
    return free_slots(
        [Interval(_seconds(a.start), _seconds(a.end)) for a in available],
        [Interval(start, end) for start, end in busy],
        length=s.appointment_minutes * 60,
        step=s.slot_step_minutes * 60,
        not_before=math.ceil(not_before.timestamp()),
        buffer_before=before,
        buffer_after=after,
    )


def _seconds(moment: datetime) -> int:
    return math.floor(moment.timestamp())


def _moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _open_hours(expert, first_day, last_day):
    """Weekly hours and the date exceptions between the two days, in one query."""
    weekly = defaultdict(list)
    exceptions = defaultdict(list)
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
    for day, weekday, start, end in hours.union(changed, all=True):
        if day is None:
            weekly[weekday].append((start, end))
        elif start is not None:
            exceptions[day].append((start, end))
        else:
            exceptions.setdefault(day, [])
    return weekly, exceptions


def _calendar_busy(expert, start: int, end: int) -> list[tuple[int, int]]:
    """The synced busy times overlapping [start, end): packed by the last sync when it is
    trusted (calendars/packed.py), else from the rows."""
    connection = _packed_of(expert)
    if connection is None:
        return []
    fingerprint, data = connection
    if fingerprint:
        return packed.overlapping(packed.unpack(data), start, end)
    rows = BusyInterval.objects.filter(
        connection__expert=expert, start__lt=_moment(end), end__gt=_moment(start)
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

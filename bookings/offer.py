"""What an expert offers: the stored data of one expert fed to the pure slot finder."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from calendars.models import BusyInterval
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
    """Start times a customer may book inside `window` (UTC). Four queries, whatever the data.

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
    before = timedelta(minutes=s.buffer_before_minutes)
    after = timedelta(minutes=s.buffer_after_minutes)
    # Busy times just outside the window still matter for the buffers at its edges.
    reach = Interval(window.start - before - after, window.end + before + after)

    weekly = defaultdict(list)
    for weekday, start, end in WeeklyHours.objects.filter(expert=expert).values_list(
        "weekday", "start", "end"
    ):
        weekly[weekday].append((start, end))
    first_day = window.start.astimezone(zone).date()
    last_day = window.end.astimezone(zone).date()
    exceptions = defaultdict(list)
    for day, start, end in DateException.objects.filter(
        expert=expert, date__range=(first_day, last_day)
    ).values_list("date", "start", "end"):
        if start is not None:
            exceptions[day].append((start, end))
        else:
            exceptions.setdefault(day, [])
    # Busy calendar times and other live bookings block alike: one query for both.
    calendar_busy = (
        BusyInterval.objects.filter(
            connection__expert=expert, start__lt=reach.end, end__gt=reach.start
        )
        .values_list("start", "end")
        .order_by()
    )
    booked = (
        Booking.objects.for_expert(expert)
        .live(now)
        .filter(start__lt=reach.end, end__gt=reach.start)
        .values_list("start", "end")
        .order_by()  # SQLite allows no ORDER BY inside a UNION
    )
    if ignoring is not None:
        booked = booked.exclude(pk=ignoring)
    busy = [Interval(start, end) for start, end in calendar_busy.union(booked, all=True)]
    available = available_intervals(weekly, exceptions, zone=zone, window=window)
    return free_slots(
        available,
        busy,
        length=offer.length,
        step=timedelta(minutes=s.slot_step_minutes),
        not_before=not_before,
        buffer_before=before,
        buffer_after=after,
    )

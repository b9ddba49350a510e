"""Which calendar events block time, as merged UTC intervals. Pure: no ORM, no clock."""

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from okomo.intervals import Interval, clip, merge


class UnusableEvent(ValueError):
    """An event whose times cannot be placed on the time line."""


class CalendarEvent(NamedTuple):
    """What Okomo reads of an event: times and free/busy flags, never its content. (A named
    tuple: a sync makes hundreds, and a frozen dataclass costs several times more to make.)"""

    start: datetime  # naive wall-clock time in `time_zone`
    end: datetime
    time_zone: str
    show_as: str
    is_all_day: bool
    is_cancelled: bool


def blocking_show_as(*, tentative: bool, out_of_office: bool) -> frozenset[str]:
    values = {"busy"}
    if tentative:
        values.add("tentative")
    if out_of_office:
        values.add("oof")
    return frozenset(values)


def busy_intervals(
    events: Iterable[CalendarEvent],
    *,
    zone: ZoneInfo,
    window: Interval,
    blocking: frozenset[str],
) -> list[Interval]:
    """The merged times inside `window` that the blocking events cover."""
    blocks = [
        _placed(event, zone)
        for event in events
        if event.show_as in blocking and not event.is_cancelled
    ]
    return merge(clip(blocks, window))


def _placed(event, zone):
    if event.is_all_day:
        # All-day events come back at midnight whatever zone was asked for (brief §7): they
        # are whole local days in the expert's own zone, DST days included.
        start = datetime.combine(event.start.date(), time(0), tzinfo=zone)
        end = datetime.combine(event.end.date(), time(0), tzinfo=zone)
        if end <= start:
            end = datetime.combine(event.start.date() + timedelta(days=1), time(0), tzinfo=zone)
    else:
        source = _zone(event.time_zone)
        start = event.start.replace(tzinfo=source)
        end = event.end.replace(tzinfo=source)
    if end <= start:
        raise UnusableEvent(f"event ends before it starts: {event.start} .. {event.end}")
    if start.tzinfo is not UTC:  # UTC is what we ask Graph for: usually nothing to convert
        start, end = start.astimezone(UTC), end.astimezone(UTC)
    return Interval(start, end)


@lru_cache(maxsize=256)
def _zone(name):
    # Cached: every event of a calendar names the same zone or two.
    if name.upper() in ("UTC", "ETC/UTC", "COORDINATED UNIVERSAL TIME"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnusableEvent(f"unknown time zone {name!r}") from exc

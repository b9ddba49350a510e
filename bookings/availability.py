"""Weekly hours and date exceptions → concrete UTC intervals. Pure: no ORM, no clock."""

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from okomo.intervals import Interval, merge

TimeRange = tuple[time, time]


def available_intervals(
    weekly: Mapping[int, Sequence[TimeRange]],
    exceptions: Mapping[date, Sequence[TimeRange]],
    *,
    zone: ZoneInfo,
    window: Interval,
) -> list[Interval]:
    """The expert's open hours inside `window`, sorted and merged.

    `weekly` maps a weekday (Monday = 0) to local time ranges; `exceptions` maps a date to
    the ranges that replace that day's weekly hours (an empty list: a day off). Local times
    are placed with the expert's zone for each date, so daylight-saving changes keep the
    wall-clock hours.
    """
    first = window.start.astimezone(zone).date()
    last = window.end.astimezone(zone).date()
    ranges = []
    day = first
    while day <= last:
        for start, end in exceptions.get(day, weekly.get(day.weekday(), ())):
            begin = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
            # An end of 00:00 means midnight at the end of the day.
            finish_day = day + timedelta(days=1) if end == time(0) else day
            finish = datetime.combine(finish_day, end, tzinfo=zone).astimezone(UTC)
            if finish > begin:
                ranges.append(Interval(begin, finish))
        day += timedelta(days=1)
    return merge(
        Interval(max(r.start, window.start), min(r.end, window.end))
        for r in ranges
        if r.start < window.end and r.end > window.start
    )

"""The sync window: from the start of today to the end of the second month after this one."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from okomo.intervals import Interval


def sync_window(now: datetime, zone: ZoneInfo) -> Interval:
    """[start of today, first day of the third month from now), both in the expert's zone.

    On 23 November that is 23 November 00:00 up to 1 February 00:00 (exclusive).
    """
    today = now.astimezone(zone).date()
    months = today.year * 12 + today.month - 1 + 3
    start = datetime.combine(today, time(0), tzinfo=zone)
    end = datetime(months // 12, months % 12 + 1, 1, tzinfo=zone)
    return Interval(start.astimezone(UTC), end.astimezone(UTC))

"""The expert's open hours: the week's ranges and the dates with other hours (reads and writes)."""

from dataclasses import dataclass
from datetime import date, time

from django.db import transaction

from . import slot_cache
from .models import DateException, WeeklyHours

TimeRange = tuple[time, time]


@dataclass(frozen=True)
class OtherDay:
    """A date with other hours than its weekday; no ranges: a day off."""

    date: date
    ranges: tuple[TimeRange, ...]


def weekly_hours(expert) -> dict[int, list[TimeRange]]:
    """{weekday (Monday = 0): [(start, end), …] sorted}, in the expert's own zone."""
    week = {day: [] for day in range(7)}
    for hours in WeeklyHours.objects.filter(expert=expert).order_by("weekday", "start"):
        week[hours.weekday].append((hours.start, hours.end))
    return week


def other_days(expert, *, from_day: date) -> list[OtherDay]:
    """The expert's dates with other hours from `from_day` on, earliest first."""
    days: dict[date, list[TimeRange]] = {}
    for row in DateException.objects.filter(expert=expert, date__gte=from_day).order_by(
        "date", "start"
    ):
        ranges = days.setdefault(row.date, [])
        if row.start is not None:
            ranges.append((row.start, row.end))
    return [OtherDay(day, tuple(ranges)) for day, ranges in days.items()]


def replace_weekly_hours(expert, *, weekly: dict[int, list[TimeRange]]) -> None:
    """Store `weekly` (every weekday, Monday = 0) as the expert's whole week."""
    with transaction.atomic():
        WeeklyHours.objects.filter(expert=expert).delete()
        WeeklyHours.objects.bulk_create(
            WeeklyHours(expert=expert, weekday=day, start=start, end=end)
            for day, ranges in weekly.items()
            for start, end in ranges
        )
    slot_cache.changed(expert.pk)


def set_other_hours(expert, *, day: date, ranges: list[TimeRange]) -> None:
    """Give `day` these hours instead of its weekday's; no ranges: a day off."""
    with transaction.atomic():
        DateException.objects.filter(expert=expert, date=day).delete()
        DateException.objects.bulk_create(
            [DateException(expert=expert, date=day, start=s, end=e) for s, e in ranges]
            or [DateException(expert=expert, date=day)]
        )
    slot_cache.changed(expert.pk)


def remove_other_hours(expert, *, day: date) -> bool:
    """`day` follows its weekday again; False if it had no other hours (of this expert)."""
    removed, _ = DateException.objects.filter(expert=expert, date=day).delete()
    if removed:
        slot_cache.changed(expert.pk)
    return bool(removed)

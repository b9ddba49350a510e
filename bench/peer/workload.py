"""The shared workload of the peer comparison. Standard library only: both sides import it,
ours with the project's Python, the peer with the Python of its own virtualenv."""

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Zurich")
OPEN, CLOSE = time(8), time(18)  # Mon-Fri
STEP_MINUTES, LENGTH_MINUTES = 15, 30


def horizon(today: date) -> tuple[date, date]:
    """[today, first day of the third month from now): the sync window, in whole days."""
    months = today.year * 12 + today.month - 1 + 3
    return today, date(months // 12, months % 12 + 1, 1)


def busy_blocks(n: int, today: date, *, seed: int = 42) -> list[tuple[date, time, time]]:
    """N blocks of 30-90 minutes on working days, local wall-clock time, within one day."""
    first, end = horizon(today)
    days = [
        first + timedelta(days=i)
        for i in range((end - first).days)
        if (first + timedelta(days=i)).weekday() < 5
    ]
    rng = random.Random(seed)  # noqa: S311 (benchmark data)
    blocks = []
    for _ in range(n):
        day = rng.choice(days)
        start = datetime.combine(day, time(7)) + timedelta(minutes=5 * rng.randrange(144))
        end = start + timedelta(minutes=rng.randrange(30, 91, 5))
        blocks.append((day, start.time(), end.time()))
    return blocks


def requests(today: date, max_days: int) -> list[tuple[date, date]]:
    """The whole horizon in as few [from, to) ranges of at most `max_days` as it takes."""
    first, end = horizon(today)
    ranges = []
    while first < end:
        last = min(first + timedelta(days=max_days), end)
        ranges.append((first, last))
        first = last
    return ranges

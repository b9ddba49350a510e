"""Slot finder: time per computation against a naive reference, for N busy intervals."""

import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bookings.availability import available_intervals
from bookings.slots import free_slots
from calendars.window import sync_window
from okomo.intervals import Interval

ZURICH = ZoneInfo("Europe/Zurich")
LENGTH, STEP = timedelta(minutes=30), timedelta(minutes=15)
WEEKLY = {
    day: [(datetime.min.time().replace(hour=8), datetime.min.time().replace(hour=18))]
    for day in range(5)
}


def scenario(n, *, now, seed=7):
    window = sync_window(now, ZURICH)
    available = available_intervals(WEEKLY, {}, zone=ZURICH, window=window)
    rng = random.Random(seed)  # noqa: S311 (benchmark data)
    span = int((window.end - window.start).total_seconds() // 60)
    busy = []
    for _ in range(n):
        start = window.start + timedelta(minutes=rng.randrange(span))
        busy.append(
            Interval(start, start + timedelta(minutes=rng.choice([15, 30, 45, 60, 90, 120])))
        )
    busy.sort()
    return available, busy


def naive_slots(available, busy, *, not_before):
    """For each candidate slot on the grid, scan every busy interval (the reference)."""
    found = []
    for window in available:
        slot = window.start
        while slot + LENGTH <= window.end:
            if slot >= not_before and not any(
                b.start < slot + LENGTH and b.end > slot for b in busy
            ):
                found.append(slot)
            slot += STEP
    return found


def _median_ms(function, repeats):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(sizes=(100, 1_000, 10_000), repeats=21, now=None):
    now = now or datetime.now(UTC)
    rows = []
    for n in sizes:
        available, busy = scenario(n, now=now)

        def fast(available=available, busy=busy):
            return free_slots(available, busy, length=LENGTH, step=STEP, not_before=now)

        def naive(available=available, busy=busy):
            return naive_slots(available, busy, not_before=now)

        assert fast() == naive(), "the slot finder disagrees with the reference"
        fast_ms = _median_ms(fast, repeats)
        naive_ms = _median_ms(naive, max(1, repeats // 7 if n >= 10_000 else repeats // 3))
        rows.append(
            {
                "n": n,
                "slots": len(fast()),
                "fast_ms": fast_ms,
                "naive_ms": naive_ms,
                "speedup": naive_ms / fast_ms,
            }
        )
    return rows

"""The slot finder over tables of cases (pure: no database, no clock)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings.availability import available_intervals
from bookings.slots import free_slots
from okomo.intervals import Interval

ZURICH = ZoneInfo("Europe/Zurich")
NEW_YORK = ZoneInfo("America/New_York")
MIN = timedelta(minutes=1)


def local(zone, text):
    return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)


def z(text):
    return local(ZURICH, text)


def day_window(zone, day):
    start = datetime.combine(date.fromisoformat(day), time(0), tzinfo=zone)
    return Interval(start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC))


def slots_on(day, busy=(), zone=ZURICH, hours=((time(9), time(12)),), **options):
    window = day_window(zone, day)
    weekly = {weekday: hours for weekday in range(7)}
    available = available_intervals(weekly, {}, zone=zone, window=window)
    settings = {
        "length": 30 * MIN,
        "step": 15 * MIN,
        "not_before": window.start,
        **options,
    }
    found = free_slots(available, sorted(busy), **settings)
    return [s.astimezone(zone).strftime("%H:%M") for s in found]


def test_empty_day_offers_the_grid_until_the_last_fitting_start():
    assert slots_on("2026-12-01", hours=((time(9), time(10)),)) == ["09:00", "09:15", "09:30"]


def test_busy_block_removes_overlapping_slots_and_touching_edges_stay():
    busy = [Interval(z("2026-12-01T10:00"), z("2026-12-01T10:30"))]
    # 09:30-10:00 ends where the busy block starts, 10:30 starts where it ends: both free.
    assert slots_on("2026-12-01", busy) == [
        "09:00",
        "09:15",
        "09:30",
        "10:30",
        "10:45",
        "11:00",
        "11:15",
        "11:30",
    ]


def test_grid_resumes_on_the_next_step_after_an_odd_busy_end():
    busy = [Interval(z("2026-12-01T09:00"), z("2026-12-01T10:10"))]
    assert slots_on("2026-12-01", busy)[0] == "10:15"


def test_buffers_keep_space_before_and_after_busy_times():
    busy = [Interval(z("2026-12-01T10:00"), z("2026-12-01T10:30"))]
    found = slots_on("2026-12-01", busy, buffer_before=15 * MIN, buffer_after=15 * MIN)
    # A slot must end 15 min before 10:00 and start 15 min after 10:30.
    assert found == ["09:00", "09:15", "10:45", "11:00", "11:15", "11:30"]


def test_minimum_notice_drops_early_slots():
    not_before = z("2026-12-01T10:05")
    assert slots_on("2026-12-01", not_before=not_before)[0] == "10:15"


def test_all_day_busy_blocks_the_whole_day():
    assert slots_on("2026-12-01", [Interval(z("2026-12-01T00:00"), z("2026-12-02T00:00"))]) == []


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        (ZURICH, "2026-03-29"),  # clocks go forward
        (ZURICH, "2026-10-25"),  # clocks go back
        (NEW_YORK, "2026-03-08"),
        (NEW_YORK, "2026-11-01"),
    ],
)
def test_daylight_saving_days_keep_wall_clock_hours(zone, day):
    found = slots_on(day, zone=zone, hours=((time(9), time(10)),))
    assert found == ["09:00", "09:15", "09:30"]


def test_day_off_exception_and_different_hours():
    window = Interval(z("2026-12-01T00:00"), z("2026-12-03T00:00"))
    weekly = {d: ((time(9), time(10)),) for d in range(7)}
    exceptions = {date(2026, 12, 1): (), date(2026, 12, 2): ((time(14), time(15)),)}

    available = available_intervals(weekly, exceptions, zone=ZURICH, window=window)

    assert available == [Interval(z("2026-12-02T14:00"), z("2026-12-02T15:00"))]


def test_several_ranges_a_day():
    found = slots_on("2026-12-01", hours=((time(9), time(9, 30)), (time(14), time(14, 30))))
    assert found == ["09:00", "14:00"]

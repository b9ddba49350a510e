"""Which events block time (pure; the DST days of Europe/Zurich included)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from calendars.busy import CalendarEvent, UnusableEvent, blocking_show_as, busy_intervals
from okomo.intervals import Interval

ZURICH = ZoneInfo("Europe/Zurich")
WINDOW = Interval(datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
BUSY_ONLY = blocking_show_as(tentative=False, out_of_office=False)


def event(start, end, show_as="busy", all_day=False, cancelled=False, zone="UTC"):
    return CalendarEvent(
        start=datetime.fromisoformat(start),
        end=datetime.fromisoformat(end),
        time_zone=zone,
        show_as=show_as,
        is_all_day=all_day,
        is_cancelled=cancelled,
    )


def utc(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def blocks(*events, blocking=BUSY_ONLY, window=WINDOW):
    return busy_intervals(events, zone=ZURICH, window=window, blocking=blocking)


def test_busy_event_blocks_its_utc_times():
    assert blocks(event("2026-12-01T09:00", "2026-12-01T10:00")) == [
        Interval(utc("2026-12-01T09:00"), utc("2026-12-01T10:00"))
    ]


@pytest.mark.parametrize("show_as", ["free", "tentative", "oof", "workingElsewhere", "unknown"])
def test_only_busy_blocks_by_default(show_as):
    assert blocks(event("2026-12-01T09:00", "2026-12-01T10:00", show_as=show_as)) == []


def test_cancelled_busy_event_blocks_nothing():
    assert blocks(event("2026-12-01T09:00", "2026-12-01T10:00", cancelled=True)) == []


def test_toggles_make_tentative_and_out_of_office_block():
    both = blocking_show_as(tentative=True, out_of_office=True)
    tentative = event("2026-12-01T09:00", "2026-12-01T10:00", show_as="tentative")
    away = event("2026-12-02T13:00", "2026-12-02T18:00", show_as="oof")

    assert len(blocks(tentative, away, blocking=both)) == 2


@pytest.mark.parametrize(
    ("day", "start_utc", "end_utc"),
    [
        ("2026-12-01", "2026-11-30T23:00", "2026-12-01T23:00"),  # winter: UTC+1
        ("2026-07-01", "2026-06-30T22:00", "2026-07-01T22:00"),  # summer: UTC+2
        ("2026-03-29", "2026-03-28T23:00", "2026-03-29T22:00"),  # clocks go forward: 23 h
        ("2026-10-25", "2026-10-24T22:00", "2026-10-25T23:00"),  # clocks go back: 25 h
    ],
)
def test_all_day_event_blocks_exactly_that_local_day(day, start_utc, end_utc):
    following = datetime.fromisoformat(day).date().toordinal() + 1
    next_day = datetime.fromordinal(following).date().isoformat()
    # Graph returns all-day events at midnight whatever zone was asked for.
    all_day = event(f"{day}T00:00", f"{next_day}T00:00", all_day=True)

    assert blocks(all_day) == [Interval(utc(start_utc), utc(end_utc))]


def test_overlapping_and_touching_events_are_merged():
    assert blocks(
        event("2026-12-01T09:00", "2026-12-01T10:00"),
        event("2026-12-01T09:30", "2026-12-01T11:00"),
        event("2026-12-01T11:00", "2026-12-01T12:00"),
        event("2026-12-01T14:00", "2026-12-01T15:00"),
    ) == [
        Interval(utc("2026-12-01T09:00"), utc("2026-12-01T12:00")),
        Interval(utc("2026-12-01T14:00"), utc("2026-12-01T15:00")),
    ]


def test_events_are_clipped_to_the_window():
    window = Interval(utc("2026-12-01T00:00"), utc("2026-12-02T00:00"))

    assert blocks(event("2026-11-30T22:00", "2026-12-01T02:00"), window=window) == [
        Interval(utc("2026-12-01T00:00"), utc("2026-12-01T02:00"))
    ]


def test_event_in_another_zone_label_is_converted():
    assert blocks(event("2026-12-01T10:00", "2026-12-01T11:00", zone="Europe/Zurich")) == [
        Interval(utc("2026-12-01T09:00"), utc("2026-12-01T10:00"))
    ]


def test_event_ending_before_it_starts_is_unusable():
    with pytest.raises(UnusableEvent):
        blocks(event("2026-12-01T10:00", "2026-12-01T09:00"))

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from calendars.window import sync_window

ZURICH = ZoneInfo("Europe/Zurich")


@pytest.mark.parametrize(
    ("now", "start", "end"),
    [
        # 23 November: today up to 1 February 00:00 local, exclusive.
        (datetime(2026, 11, 23, 15, tzinfo=UTC), (2026, 11, 23), (2027, 2, 1)),
        (datetime(2026, 1, 31, 12, tzinfo=UTC), (2026, 1, 31), (2026, 4, 1)),
        (datetime(2026, 10, 5, 8, tzinfo=UTC), (2026, 10, 5), (2027, 1, 1)),
        # 23:30 UTC on 31 December is already 1 January in Zurich.
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), (2027, 1, 1), (2027, 4, 1)),
    ],
)
def test_window_runs_from_today_to_the_end_of_the_second_next_month(now, start, end):
    window = sync_window(now, ZURICH)

    assert window.start == datetime(*start, tzinfo=ZURICH)
    assert window.end == datetime(*end, tzinfo=ZURICH)
    assert window.start.tzinfo is UTC

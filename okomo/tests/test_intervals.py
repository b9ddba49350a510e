from datetime import UTC, datetime

import pytest

from okomo.intervals import Interval, clip, merge, subtract


def at(hour, minute=0):
    return datetime(2026, 12, 1, hour, minute, tzinfo=UTC)


def iv(a, b):
    return Interval(
        at(*a) if isinstance(a, tuple) else at(a), at(*b) if isinstance(b, tuple) else at(b)
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ([], []),
        ([iv(9, 10)], [iv(9, 10)]),
        ([iv(11, 12), iv(9, 10)], [iv(9, 10), iv(11, 12)]),
        ([iv(9, 10), iv(10, 11)], [iv(9, 11)]),  # touching joins
        ([iv(9, 12), iv(10, 11)], [iv(9, 12)]),  # contained
        ([iv(9, 11), iv(10, 12), iv(13, 14)], [iv(9, 12), iv(13, 14)]),
    ],
)
def test_merge(given, expected):
    assert merge(given) == expected


def test_clip_keeps_only_the_parts_inside_the_window():
    assert clip([iv(7, 9), iv(10, 11), iv(17, 20), iv(20, 21)], iv(8, 18)) == [
        iv(8, 9),
        iv(10, 11),
        iv(17, 18),
    ]


@pytest.mark.parametrize(
    ("base", "cuts", "expected"),
    [
        ([iv(8, 12)], [], [iv(8, 12)]),
        ([iv(8, 12)], [iv(9, 10)], [iv(8, 9), iv(10, 12)]),
        ([iv(8, 12)], [iv(7, 9), iv(11, 13)], [iv(9, 11)]),
        ([iv(8, 12)], [iv(8, 12)], []),
        ([iv(8, 10), iv(11, 13)], [iv(9, 12)], [iv(8, 9), iv(12, 13)]),
        ([iv(8, 10)], [iv(10, 11)], [iv(8, 10)]),  # touching cuts nothing
    ],
)
def test_subtract(base, cuts, expected):
    assert subtract(base, cuts) == expected


def test_empty_interval_is_refused():
    with pytest.raises(ValueError, match="must end after"):
        iv(9, 9)

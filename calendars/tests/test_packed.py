"""The packed busy times (calendars/packed.py) agree with the BusyInterval rows they mirror."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from calendars import packed, sync
from calendars.models import BusyInterval, Calendar, CalendarConnection
from okomo.intervals import Interval, merge

START = datetime(2026, 11, 23, 7, tzinfo=UTC)


def random_intervals(rng, count):
    found = []
    for _ in range(count):
        start = START + timedelta(minutes=5 * rng.randrange(2_000))
        found.append(Interval(start, start + timedelta(minutes=5 * rng.randrange(1, 30))))
    return found


def seconds(intervals):
    return [(int(i.start.timestamp()), int(i.end.timestamp())) for i in intervals]


@pytest.mark.parametrize("seed", range(20))
def test_overlapping_finds_exactly_the_merged_intervals_that_overlap_a_window(seed):
    rng = random.Random(seed)
    merged = seconds(merge(random_intervals(rng, rng.randrange(0, 60))))
    numbers = packed.unpack(packed.pack(merged))
    for _ in range(50):
        a = int(START.timestamp()) + 60 * rng.randrange(-100, 10_500)
        b = a + 60 * rng.randrange(1, 3_000)
        expected = [(s, e) for s, e in merged if s < b and e > a]
        assert packed.overlapping(numbers, a, b) == expected


def test_packing_merges_touching_and_overlapping_intervals_and_rounds_outwards():
    half = timedelta(milliseconds=500)
    data = packed.pack(
        (i.start.timestamp(), i.end.timestamp())
        for i in [
            Interval(START + timedelta(hours=1), START + timedelta(hours=2)),
            Interval(START, START + timedelta(hours=1)),  # touches the first
            Interval(START + timedelta(hours=3) + half, START + timedelta(hours=4) + half),
            # Apart by less than a second: touching once rounded outwards, so merged.
            Interval(START + timedelta(hours=4, seconds=1), START + timedelta(hours=5)),
        ]
    )
    base = int(START.timestamp())
    assert list(packed.unpack(data)) == [base, base + 7200, base + 10800, base + 18000]


def _utc(seconds_):
    return datetime.fromtimestamp(seconds_, UTC)


def stored_rows_merged(connection):
    rows = BusyInterval.objects.filter(connection=connection).values_list("start", "end")
    return seconds(merge(Interval(s, e) for s, e in rows))


def packed_pairs(connection):
    connection.refresh_from_db()
    numbers = list(packed.unpack(connection.busy_packed))
    return list(zip(numbers[::2], numbers[1::2], strict=True))


@pytest.mark.django_db
def test_every_sync_writes_packed_busy_times_equal_to_its_rows(expert):
    connection = CalendarConnection.objects.create(
        expert=expert,
        account_oid="oid",
        account_tid="tid",
        home_account_id="oid.tid",
        account_address="jana@contoso.example",
        account_kind="work",
        token_cache="",
    )
    default = Calendar.objects.create(connection=connection, graph_id="a", name="A", blocks=True)
    other = Calendar.objects.create(connection=connection, graph_id="b", name="B", blocks=True)
    rng = random.Random(5)
    first = {default.pk: random_intervals(rng, 40), other.pk: random_intervals(rng, 40)}
    now = START

    assert sync.store_busy_intervals(connection, first, now=now) != (0, 0)
    assert packed_pairs(connection) == stored_rows_merged(connection)
    assert connection.busy_fingerprint

    # Some kept, some gone, some new, and a calendar no longer read.
    second = {default.pk: first[default.pk][:25] + random_intervals(rng, 10)}
    sync.store_busy_intervals(connection, second, now=now)
    assert packed_pairs(connection) == stored_rows_merged(connection)
    assert len(packed_pairs(connection)) < len(seconds(merge(sum(first.values(), []))))

    # Unchanged: nothing written, still equal.
    assert sync.store_busy_intervals(connection, second, now=now) == (0, 0)
    assert packed_pairs(connection) == stored_rows_merged(connection)

    sync.store_busy_intervals(connection, {}, now=now)
    assert packed_pairs(connection) == [] == stored_rows_merged(connection)

"""Experts and data for the benchmarks, made with the app's own models."""

import random
from datetime import time, timedelta

from bookings.models import BookingSettings, WeeklyHours
from calendars.encryption import encrypt
from calendars.models import CalendarConnection
from calendars.sync import store_busy_intervals
from experts.models import User
from okomo.intervals import Interval


def expert_with_busy_times(slug, busy_count, *, now, seed=3):
    """An expert open Mon-Fri 08:00-18:00 (Zurich) with `busy_count` synced busy intervals."""
    expert = User.objects.create_user(
        f"{slug}@bench.example",
        "bench-pass-1",
        display_name=f"Bench {slug}",
        time_zone="Europe/Zurich",
        slug=slug,
    )
    BookingSettings.objects.create(expert=expert, minimum_notice_minutes=60)
    WeeklyHours.objects.bulk_create(
        WeeklyHours(expert=expert, weekday=day, start=time(8), end=time(18)) for day in range(5)
    )
    connection = CalendarConnection.objects.create(
        expert=expert,
        account_oid=slug,
        account_tid="bench",
        home_account_id=f"{slug}.bench",
        account_address=f"{slug}@contoso.example",
        account_kind="work",
        token_cache=encrypt("{}"),
    )
    rng = random.Random(seed)  # noqa: S311 (benchmark data)
    starts = sorted(
        now + timedelta(minutes=15 * rng.randrange(4 * 24 * 60)) for _ in range(busy_count)
    )
    # Stored as a sync stores them (rows and the packed copy the slot finder reads).
    store_busy_intervals(
        connection,
        [Interval(s, s + timedelta(minutes=rng.choice([15, 30, 60]))) for s in starts],
        now=now,
    )
    return expert

"""Each benchmark runs on a tiny size (the figures themselves come from `make bench`)."""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench_database():
    """Named after the suite's database, so runs against different databases never collide."""
    name = urlsplit(os.environ.get("DATABASE_URL", "")).path.lstrip("/") or "okomo"
    return f"{name}_bench_tiny"


@pytest.mark.worker
def test_every_benchmark_runs_on_a_tiny_size_and_reports_its_targets():
    out = subprocess.run(
        [sys.executable, "-m", "bench", "--tiny", "--no-write", "--db", _bench_database()],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )

    assert out.returncode == 0, out.stderr[-3000:]
    report = out.stdout
    for heading in (
        "## 1. Slot finder",
        "## Against a peer: django-appointment",
        "## 2. Booking page",
        "## 3. Sync cycle",
        "## 4. Booking contention",
        "## 5. Fault drill",
        "## 6. Staleness of busy times",
    ):
        assert heading in report
    assert "SQL queries per request: {'10 busy': 2, '20 busy': 2}" in report
    assert "Both sides found exactly the same slots" in report
    assert "busy-interval writes; target 0: met" in report
    assert "'302': 1" in report  # exactly one customer holds the slot
    # Redis killed under traffic: no 5xx, no effect lost, every mail sent exactly once.
    assert "No 5xx answer and every request answered: met" in report
    assert "returned) 0 (target 0: met)" in report
    assert "each sent exactly once: met" in report
    assert "cancelled ones removed: met" in report
    # Live updates reached the worker (a notified sync ran), not only the interval's polls.
    notified = re.search(r"- (\d+) of (\d+) live changes were stored by a notified sync", report)
    assert notified, report
    assert int(notified[1]) >= 1, report


@pytest.mark.worker
def test_scale_benchmark_runs_on_a_tiny_size_and_reports_its_figures():
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.scale",
            "--calendars",
            "20",
            "--no-write",
            "--db",
            _bench_database() + "_scale",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )

    assert out.returncode == 0, out.stderr[-3000:]
    report = out.stdout
    assert "## Scale: 20 calendars, one sync cycle through real Celery workers" in report
    for figure in (
        "| first (all new) |",
        "| second (unchanged) |",
        "syncs/s",
        "Projected per 2-core host per 30 minutes (measured rate × 1,800 s):",
        "SQL statements per unchanged calendar:",
        "A second and a tenth worker host",
    ):
        assert figure in report
    # Every calendar synced without a problem in both cycles.
    assert report.count(" | 0 |") == 2


def test_slot_finder_agrees_with_the_naive_reference():
    from datetime import UTC, datetime

    from bench.slot_finder import LENGTH, STEP, naive_slots, scenario
    from bookings.slots import free_slots

    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    available, busy = scenario(300, now=now)

    fast = free_slots(available, busy, length=LENGTH, step=STEP, not_before=now)

    assert fast == naive_slots(available, busy, not_before=now)
    assert 0 < len(fast) < len(naive_slots(available, [], not_before=now))

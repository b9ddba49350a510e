"""Ours against django-appointment, interleaved in one run, on the same workload and clock.

The peer runs in its own process with the Python of its own virtualenv (var/peer-venv, made
here on first use) on in-process SQLite; ours through the slots JSON view (Django's test
client: URL routing, every middleware, the cache) on PostgreSQL.
"""

import json
import statistics
import subprocess
import time
from datetime import UTC, datetime

from django.db import connection
from django.test import Client

from . import environment
from .peer import workload

PEER_VERSION = "3.12.0"
PEER_VENV = environment.ROOT / "var" / "peer-venv"
PEER_PYTHON = PEER_VENV / "bin" / "python"


def peer_python():
    """The peer's virtualenv, made and filled once (never the project's own)."""
    marker = PEER_VENV / f".django-appointment-{PEER_VERSION}"
    if not marker.exists():
        subprocess.run(["python3", "-m", "venv", str(PEER_VENV)], check=True)  # noqa: S607
        subprocess.run(  # noqa: S603 (fixed arguments)
            [
                str(PEER_VENV / "bin" / "pip"),
                "install",
                "--quiet",
                f"django-appointment=={PEER_VERSION}",
            ],
            check=True,
        )
        marker.touch()
    return PEER_PYTHON


class Peer:
    """The peer's runner process (bench/peer/runner.py), one JSON line each way."""

    def __init__(self):
        database = environment.VAR / "peer.sqlite3"
        database.unlink(missing_ok=True)
        self.process = subprocess.Popen(  # noqa: S603 (fixed arguments)
            [str(peer_python()), "-m", "bench.peer.runner"],
            cwd=environment.ROOT,
            env={"PEER_DB": str(database), "PATH": "/usr/bin:/bin"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def ask(self, command):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        while line := self.process.stdout.readline():
            if line.startswith("{"):  # its logger writes to stdout too
                return json.loads(line)
        raise RuntimeError("the peer's runner exited")

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


def our_expert(slug, n, *, today):
    """An expert open Mon-Fri 08:00-18:00 (Zurich), the workload's blocks as synced busy times."""
    from datetime import time as clock

    from bookings.models import BookingSettings, WeeklyHours
    from calendars.encryption import encrypt
    from calendars.models import BusyInterval, CalendarConnection
    from experts.models import User

    expert = User.objects.create_user(
        f"{slug}@bench.example",
        "bench-pass-1",
        display_name=f"Bench {slug}",
        time_zone="Europe/Zurich",
        slug=slug,
    )
    BookingSettings.objects.create(
        expert=expert,
        appointment_minutes=workload.LENGTH_MINUTES,
        slot_step_minutes=workload.STEP_MINUTES,
        minimum_notice_minutes=0,
        horizon_days=92,
    )
    WeeklyHours.objects.bulk_create(
        WeeklyHours(expert=expert, weekday=day, start=workload.OPEN, end=workload.CLOSE)
        for day in range(5)
    )
    connection_ = CalendarConnection.objects.create(
        expert=expert,
        account_oid=slug,
        account_tid="bench",
        home_account_id=f"{slug}.bench",
        account_address=f"{slug}@contoso.example",
        account_kind="work",
        token_cache=encrypt("{}"),
    )
    from calendars.sync import store_busy_intervals
    from okomo.intervals import Interval

    def utc(day, at: clock):
        return datetime.combine(day, at, tzinfo=workload.ZONE).astimezone(UTC)

    intervals = [Interval(utc(d, s), utc(d, e)) for d, s, e in workload.busy_blocks(n, today)]
    # Stored as a sync stores them: every row, and whatever the sync keeps beside them.
    store_busy_intervals(connection_, intervals, now=datetime.now(UTC))
    assert BusyInterval.objects.filter(connection=connection_).count() == len(set(intervals))
    return expert


def _our_horizon(client, slug, ranges):
    """The answers to the requests that cover the horizon (bytes: decoding is the client's)."""
    bodies = []
    for first, last in ranges:
        response = client.get(
            f"/book/{slug}/slots.json",
            {"from": first.isoformat(), "to": last.isoformat(), "tz": "Europe/Zurich"},
        )
        assert response.status_code == 200, response.content
        bodies.append(response.content)
    return bodies


def _starts(bodies):
    return [
        slot["start"]
        for body in bodies
        for slots in json.loads(body)["days"].values()
        for slot in slots
    ]


class _count_statements:  # noqa: N801 (used as a wrapper function)
    """Counts at the cursor: the test client's request_started empties queries_log."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _check_same(n, ours, theirs):
    if ours != theirs:
        differ = next(
            (a, b) for a, b in zip(ours + [None], theirs + [None], strict=False) if a != b
        )
        raise AssertionError(
            f"N = {n}: we found {len(ours)} slots, the peer {len(theirs)}; first difference"
            f" (ours, theirs): {differ}"
        )


def run(*, sizes=(100, 1_000, 10_000), repeats=11, now=None):
    from django.core.cache import cache
    from django.utils import timezone

    from bookings import slot_cache
    from bookings.views import MAX_RANGE_DAYS

    now = now or datetime.now(UTC).replace(second=0, microsecond=0)
    timezone.now = lambda: now  # one clock for both sides (the peer's runner does the same)
    today = now.astimezone(workload.ZONE).date()
    ranges = workload.requests(today, MAX_RANGE_DAYS)
    client = Client()
    peer = Peer()
    rows = []
    try:
        for n in sizes:
            slug = f"peer-{n}"
            expert = our_expert(slug, n, today=today)
            peer.ask({"setup": {"n": n, "now": now.isoformat()}})
            cache.clear()
            theirs = peer.ask({"count": True})
            slot_cache.changed(expert.pk)
            statements = _count_statements()
            with connection.execute_wrapper(statements):
                ours = _starts(_our_horizon(client, slug, ranges))
            _check_same(n, ours, theirs["slots"])
            peer_ms, miss_ms, hit_ms = [], [], []
            for _ in range(repeats):  # interleaved: a drift of the machine hits both sides
                peer_ms.append(peer.ask({"run": True})["ms"])
                slot_cache.changed(expert.pk)
                started = time.perf_counter()
                _our_horizon(client, slug, ranges)
                miss_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                _our_horizon(client, slug, ranges)
                hit_ms.append((time.perf_counter() - started) * 1000)
            rows.append(
                {
                    "n": n,
                    "days": (ranges[-1][1] - ranges[0][0]).days,
                    "requests": len(ranges),
                    "slots": len(ours),
                    "peer_ms": statistics.median(peer_ms),
                    "peer_min_ms": min(peer_ms),
                    "peer_queries": theirs["queries"],
                    "miss_ms": statistics.median(miss_ms),
                    "miss_min_ms": min(miss_ms),
                    "queries": statements.count,
                    "hit_ms": statistics.median(hit_ms),
                    "hit_min_ms": min(hit_ms),
                    "ratio": statistics.median(peer_ms) / statistics.median(miss_ms),
                }
            )
    finally:
        peer.close()
    return {"peer": f"django-appointment {PEER_VERSION}", "rows": rows}

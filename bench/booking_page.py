"""The slots JSON endpoint under gunicorn on PostgreSQL, against the framework floor."""

import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from . import environment
from .fixtures import expert_with_busy_times


def _load(url, *, seconds, requests, connections=8):
    out = subprocess.run(  # noqa: S603 (our own load generator)
        [
            sys.executable,
            "-m",
            "bench.load",
            url,
            "--seconds",
            str(seconds),
            "--requests",
            str(requests),
            "--connections",
            str(connections),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=environment.ROOT,
    )
    return json.loads(out.stdout)


def queries_per_request(slug, query):
    client = Client()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/book/{slug}/slots.json", query)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), response.content


def _uncached_ms(slug, query, now, repeats=21):
    """Median time to compute one answer from the database (a cache miss), in-process."""
    from zoneinfo import ZoneInfo

    from bookings.views import _slots_answer
    from experts.models import User

    expert_id = User.objects.get(slug=slug).pk
    first, last = (datetime.fromisoformat(query[k]).date() for k in ("from", "to"))
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        _slots_answer(expert_id, ZoneInfo(query["tz"]), first, last, now=now)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(*, busy=1_000, seconds=10.0, requests=20_000):
    now = datetime.now(UTC)
    expert_with_busy_times("bench-small", 10, now=now)
    expert_with_busy_times("bench-page", busy, now=now)
    month = (now + timedelta(days=7)).date().replace(day=1)
    query = {
        "from": month.isoformat(),
        "to": (month + timedelta(days=31)).replace(day=1).isoformat(),
        "tz": "Europe/Zurich",
    }
    from django.core.cache import cache

    cache.clear()
    small_queries, _ = queries_per_request("bench-small", query)
    page_queries, body = queries_per_request("bench-page", query)
    uncached_ms = _uncached_ms("bench-page", query, now)
    floor_file = environment.VAR / "floor.json"
    floor_file.write_bytes(body)
    server, base = environment.start_gunicorn({"BENCH_FLOOR_FILE": str(floor_file)})
    try:
        qs = "&".join(f"{k}={v}" for k, v in query.items())
        _load(f"{base}/book/bench-page/slots.json?{qs}", seconds=1, requests=200)  # warm-up
        slots = _load(f"{base}/book/bench-page/slots.json?{qs}", seconds=seconds, requests=requests)
        floor = _load(f"{base}/bench/floor.json", seconds=seconds, requests=requests)
    finally:
        environment.stop(server)
    return {
        "busy": busy,
        "bytes": len(body),
        "queries": {"10 busy": small_queries, f"{busy} busy": page_queries},
        "slots": slots,
        "floor": floor,
        "p95_ratio": slots["p95_ms"] / floor["p95_ms"],
        "uncached_ms": uncached_ms,
    }

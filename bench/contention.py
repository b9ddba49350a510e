"""Fifty customers submit the same slot at once: one hold, clear refusals, no 500."""

import re
import statistics
import threading
import time
from datetime import UTC, datetime

import requests

from bookings.offer import offered_slots
from okomo.intervals import Interval

from . import environment
from .fixtures import expert_with_busy_times


def run(*, customers=50):
    now = datetime.now(UTC)
    expert = expert_with_busy_times("bench-race", 0, now=now)
    start = offered_slots(expert, Interval(now, now.replace(year=now.year + 1)), now=now)[0]
    server, base = environment.start_gunicorn({})
    try:
        sessions = []
        for _ in range(customers):
            session = requests.Session()
            session.trust_env = False
            page = session.get(f"{base}/book/bench-race/", timeout=30)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            sessions.append((session, token))
        barrier = threading.Barrier(customers)
        answers = []

        def customer(n, session, token):
            barrier.wait()
            started = time.perf_counter()
            response = session.post(
                f"{base}/book/bench-race/request/",
                data={
                    "csrfmiddlewaretoken": token,
                    "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "time_zone": "Europe/Zurich",
                    "name": f"Customer {n}",
                    "email": f"c{n}@example.com",
                    "message": "",
                    "language": "en",
                },
                headers={"Referer": f"{base}/book/bench-race/"},
                allow_redirects=False,
                timeout=60,
            )
            answers.append((response.status_code, time.perf_counter() - started))

        threads = [threading.Thread(target=customer, args=(n, *s)) for n, s in enumerate(sessions)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        environment.stop(server)
    latencies = sorted(seconds * 1000 for _, seconds in answers)
    statuses = {}
    for status, _ in answers:
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "customers": customers,
        "statuses": statuses,
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))],
    }

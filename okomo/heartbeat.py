"""Beat's heartbeat: a task beat schedules every 30 seconds stamps the time into the cache.

/readyz reads the stamp (okomo/health.py). A fresh one proves that beat runs and that a
worker takes tasks from the broker, which nothing else a web process can see does.
"""

import time

from celery import shared_task
from django.core.cache import cache

CACHE_KEY = "beat-heartbeat"


def record_heartbeat(*, to=None, now=None) -> float:
    """Store `now` (seconds since the epoch) as the last heartbeat; `to` is another cache."""
    stamp = time.time() if now is None else now
    (to or cache).set(CACHE_KEY, stamp, timeout=None)
    return stamp


def heartbeat_age(*, now=None) -> float | None:
    """Seconds since the last heartbeat, or None when there was none."""
    stamp = cache.get(CACHE_KEY)
    if stamp is None:
        return None
    return (time.time() if now is None else now) - stamp


@shared_task(ignore_result=True)
def beat_heartbeat_task():
    record_heartbeat()

"""Staleness of busy times: seconds from a change in Outlook (the simulator) to the stored busy
time, with live updates (change notifications) and with polling only.

Each change goes to a calendar of its own, after a random pause, so that neither the poll's
phase nor a previous notified sync of the calendar (one a minute at most) biases the figure.
gunicorn serves the notification endpoint; a real Celery worker with beat syncs.
"""

import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from . import environment
from .sync_cycle import connect_calendars, start_simulator

# Seconds a notified sync waits for the rest of a burst (the production default).
NOTIFIED_SYNC_DELAY = 1.0


def _worker(queue, env_extra, name):
    log = (environment.VAR / f"staleness-{name}.log").open("w")
    return subprocess.Popen(  # noqa: S603 (our own worker, fixed arguments)
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "okomo",
            "worker",
            "--beat",
            "--schedule",
            str(environment.VAR / f"staleness-{name}-beat"),
            "--pool",
            "threads",
            "--concurrency",
            "4",
            "--loglevel",
            "WARNING",
        ],
        env={
            **os.environ,
            "CELERY_QUEUE": queue,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "CALENDAR_SYNC_DISPATCH_INTERVAL": "0.5",
            "CALENDAR_NOTIFIED_SYNC_DELAY": str(NOTIFIED_SYNC_DELAY),
            **env_extra,
        },
        cwd=environment.ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _measure(sim, connections, *, pause, timeout, seed):
    """One busy event per calendar; seconds until each is stored."""
    from calendars.models import BusyInterval

    rng = random.Random(seed)  # noqa: S311 (pauses, not secrets)
    day = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d")
    seconds = []
    for connection in connections:
        time.sleep(rng.uniform(0, pause))
        before = BusyInterval.objects.filter(connection=connection).count()
        hour = rng.randrange(8, 18)
        sim.add_events(
            connection.account_address,
            [
                {
                    "subject": "Changed in Outlook",
                    "start": {"dateTime": f"{day}T{hour:02d}:07:00", "timeZone": "UTC"},
                    "end": {"dateTime": f"{day}T{hour:02d}:52:00", "timeZone": "UTC"},
                    "showAs": "busy",
                }
            ],
        )
        changed = time.monotonic()
        _wait(
            lambda c=connection, n=before: BusyInterval.objects.filter(connection=c).count() > n,
            timeout,
            "a busy time to be stored",
        )
        seconds.append(time.monotonic() - changed)
    return seconds


def _summary(seconds):
    return {
        "median_s": statistics.median(seconds),
        "max_s": max(seconds),
        "changes": len(seconds),
    }


def run(*, calendars=10, interval_s=30, timeout=120):
    simulator, sim = start_simulator()
    environment.use_database(os.environ["BENCH_DB_NAME"] + "_staleness")
    from calendars import tasks
    from calendars.models import CalendarConnection, Subscription
    from okomo.celery import app

    queue = f"okomo-bench-{uuid.uuid4().hex[:8]}"
    # The web process queues the notified syncs: on the worker's queue, not the default one.
    web, base = environment.start_gunicorn({"CELERY_QUEUE": queue})
    app.conf.task_default_queue = queue
    now = datetime.now(UTC)
    results = {}
    worker = None
    try:
        # Live updates on: the first sync of each calendar subscribes it.
        live = connect_calendars(sim, calendars, 0, now=now, prefix="live")
        worker = _worker(
            queue,
            {"MICROSOFT_NOTIFICATION_URL": base, "CALENDAR_SYNC_INTERVAL": str(interval_s)},
            "live",
        )
        for connection in live:
            tasks.queue_sync(connection.pk)
        _wait(lambda: Subscription.objects.count() >= calendars, timeout, "the subscriptions")
        results["notifications"] = _summary(_measure(sim, live, pause=1.0, timeout=timeout, seed=1))
        # How many of the changes a notified sync carried (not the interval's poll): a
        # notification queued on a queue no worker reads would otherwise pass as "slow".
        results["notifications"]["notified"] = CalendarConnection.objects.filter(
            pk__in=[c.pk for c in live], notified_sync_started_at__isnull=False
        ).count()
        environment.stop(worker)

        # Polling only: other calendars, never subscribed.
        polled = connect_calendars(sim, calendars, 0, now=now, prefix="poll")
        worker = _worker(
            queue,
            {"MICROSOFT_NOTIFICATION_URL": "", "CALENDAR_SYNC_INTERVAL": str(interval_s)},
            "poll",
        )
        _wait(
            lambda: (
                CalendarConnection.objects.filter(
                    pk__in=[c.pk for c in polled], last_sync_at__isnull=False
                ).count()
                == calendars
            ),
            timeout,
            "the first polls",
        )
        results["polling"] = _summary(
            _measure(sim, polled, pause=interval_s, timeout=timeout, seed=2)
        )
    finally:
        if worker:
            environment.stop(worker)
        environment.stop(web)
        environment.stop(simulator)
        with app.connection_for_write() as broker:
            broker.default_channel.queue_delete(queue)
    return {
        "calendars": calendars,
        "interval_s": interval_s,
        "notified_sync_delay_s": NOTIFIED_SYNC_DELAY,
        **results,
    }

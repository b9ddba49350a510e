"""A full sync cycle through a real Celery worker against the simulator with added latency."""

import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

from . import environment

CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret"
REDIRECT = "http://localhost/calendars/microsoft/callback/"
CONTOSO = "72f988bf-0000-4000-8000-00000000c0de"
# Sync is I/O-bound (three Graph round trips per calendar here), so one worker process runs
# many syncs at once in threads; see README "Production".
WORKER_POOL = os.environ.get("BENCH_WORKER_POOL", "--pool threads --concurrency 8").split()


def start_simulator():
    from simulator.process import start_simulator as start

    process, sim = start(
        environment.VAR / "simulator",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[REDIRECT],
    )
    os.environ.update(
        MICROSOFT_CLIENT_ID=CLIENT_ID,
        MICROSOFT_CLIENT_SECRET=CLIENT_SECRET,
        MICROSOFT_AUTHORITY=f"{sim.https_base}/common",
        MICROSOFT_GRAPH_URL=f"{sim.https_base}/v1.0",
        MICROSOFT_CA_BUNDLE=str(sim.ca_path),
    )
    return process, sim


def connect_calendars(sim, count, events, *, now, prefix="bench"):
    from calendars import graph, identity, services
    from calendars.window import sync_window
    from experts.models import User

    window = sync_window(now, User(time_zone="Europe/Zurich").zone)
    connections = []
    for i in range(count):
        username = f"{prefix}{i}@contoso.example"
        sim.add_persona(username, display_name=f"Bench {i}", kind="work", tenant_id=CONTOSO)
        sim.bulk_events(
            username,
            count=events,
            start=window.start.isoformat(),
            end=window.end.isoformat(),
            seed=i,
            marker="BENCH",
        )
        flow = identity.start_sign_in(REDIRECT)
        _, params = sim.sign_in_answer(flow["auth_uri"], username)  # response_mode=form_post
        sign_in = identity.finish_sign_in(flow, params)
        expert = User.objects.create_user(
            f"{prefix}{i}@bench.example",
            "bench-pass-1",
            display_name=f"Bench {i}",
            time_zone="Europe/Zurich",
        )
        me = graph.Me(
            id=sign_in.oid, display_name=f"Bench {i}", mail=username, user_principal_name=username
        )
        connections.append(services.connect_calendar(expert, sign_in=sign_in, me=me))
    return connections


def _cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cycle(worker, count, *, since, timeout):
    from calendars.models import CalendarConnection
    from calendars.tasks import dispatch_due_syncs_task

    CalendarConnection.objects.update(next_sync_at=datetime.now(UTC))
    cpu_before = _cpu_seconds(worker.pid)
    started = time.perf_counter()
    dispatch_due_syncs_task()
    deadline = started + timeout
    while CalendarConnection.objects.filter(last_sync_at__gt=since).count() < count:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"sync cycle did not finish in {timeout} s")
        time.sleep(0.2)
    wall = time.perf_counter() - started
    cpu = _cpu_seconds(worker.pid) - cpu_before
    return {"wall_s": wall, "syncs_per_s": count / wall, "cpu_ms_per_calendar": cpu * 1000 / count}


def statements_per_sync(conn):
    from calendars import sync

    def measure():
        with CaptureQueriesContext(connection) as captured:
            sync.run_sync(conn.pk, now=datetime.now(UTC))
        # As bench/scale.py counts them: BEGIN and COMMIT are not statements of their own.
        sqls = [
            sql
            for sql in (q["sql"].lstrip().upper() for q in captured.captured_queries)
            if sql not in ("BEGIN", "COMMIT")
        ]
        writes = [
            s
            for s in sqls
            if "CALENDARS_BUSYINTERVAL" in s and s.startswith(("INSERT", "DELETE", "UPDATE"))
        ]
        return {"statements": len(sqls), "busy_interval_writes": len(writes)}

    return {"changed": measure(), "unchanged": measure()}


def run(*, calendars=1_000, events=300, latency_ms=50, timeout=900):
    from okomo.celery import app

    now = datetime.now(UTC)
    simulator, sim = start_simulator()
    environment.use_database(os.environ["BENCH_DB_NAME"] + "_sync")
    queue = f"okomo-bench-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue
    worker = None
    try:
        from .scale import connect_in_bulk  # (scale builds on this module)

        started = time.perf_counter()
        # A few signed in the app's way, the rest bulk-inserted copies (seconds, not minutes).
        connect_in_bulk(sim, calendars, personas=10, events=events, now=now)
        setup_s = time.perf_counter() - started
        probe = connect_calendars(sim, 1, events, now=now, prefix="probe")[0]
        sim.settings(latency_ms=latency_ms)
        statements = statements_per_sync(probe)
        probe.delete()
        log = (environment.VAR / "worker.log").open("w")
        worker = subprocess.Popen(  # noqa: S603 (our own worker, fixed arguments)
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "okomo",
                "worker",
                *WORKER_POOL,
                "--loglevel",
                "WARNING",
            ],
            env={**os.environ, "CELERY_QUEUE": queue, "DJANGO_SETTINGS_MODULE": "bench.settings"},
            cwd=environment.ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        time.sleep(3)  # let the worker connect before the cycle's clock starts
        first = _cycle(worker, calendars, since=now, timeout=timeout)
        second = _cycle(worker, calendars, since=datetime.now(UTC), timeout=timeout)
    finally:
        if worker:
            environment.stop(worker)
        environment.stop(simulator)
        with app.connection_for_write() as broker:
            broker.default_channel.queue_delete(queue)
    cpu = max(first["cpu_ms_per_calendar"], second["cpu_ms_per_calendar"])
    per_host_cpu = 1800 * (os.cpu_count() or 2) * 1000 / cpu if cpu else float("inf")
    return {
        "calendars": calendars,
        "events": events,
        "latency_ms": latency_ms,
        "setup_s": setup_s,
        "changed": first,
        "unchanged": second,
        "statements": statements,
        "per_host_30min_cpu_bound": per_host_cpu,
        "per_host_30min_measured": 1800 * min(first["syncs_per_s"], second["syncs_per_s"]),
    }

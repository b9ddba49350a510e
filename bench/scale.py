"""`make bench-scale`: many connected calendars, one full sync cycle through real Celery workers.

Set-up in bulk: a handful of simulator personas are connected the app's own way (sign-in,
token cache encrypted, calendars listed); every other connection is a copy of one of them
(same encrypted token cache and Microsoft account, an account id of its own), inserted with
bulk_create. The simulator then adds `latency_ms` to every request and the workers (threads
pool, as production) sync every calendar once (all new), then once more (nothing changed).

python -m bench.scale [--calendars N] [--workers W] [--no-write] [--db NAME]
"""

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from . import environment, sync_cycle

# Goals of issue 14.
GOAL_PER_HOST = 100_000
GOAL_STATEMENTS = 3
HOST_CORES = 2


def connect_in_bulk(sim, count, *, personas, events, now):
    """`count` connected calendars, all due now; `personas` of them signed in for real."""
    from django.contrib.auth.hashers import make_password

    from calendars.models import Calendar, CalendarConnection
    from experts.models import User

    personas = min(personas, count)
    templates = sync_cycle.connect_calendars(sim, personas, events, now=now, prefix="scale")
    listed = {t.pk: list(Calendar.objects.filter(connection=t)) for t in templates}
    password = make_password(None)  # unusable; hashing a password per expert is the slow part
    experts = User.objects.bulk_create(
        User(
            email=f"scale-copy{i}@bench.example",
            password=password,
            display_name=f"Scale {i}",
            time_zone="Europe/Zurich",
        )
        for i in range(count - personas)
    )
    copies = []
    for i, expert in enumerate(experts):
        t = templates[i % personas]
        copies.append(
            CalendarConnection(
                expert=expert,
                account_oid=f"{t.account_oid[:40]}-{i}",
                account_tid=t.account_tid,
                home_account_id=t.home_account_id,
                account_address=t.account_address,
                account_name=t.account_name,
                account_kind=t.account_kind,
                token_cache=t.token_cache,
                online_meeting_providers=t.online_meeting_providers,
                next_sync_at=now,
            )
        )
    copies = CalendarConnection.objects.bulk_create(copies, batch_size=2_000)
    Calendar.objects.bulk_create(
        (
            Calendar(
                connection=copy,
                graph_id=c.graph_id,
                name=c.name,
                owner_name=c.owner_name,
                is_default=c.is_default,
                can_edit=c.can_edit,
                blocks=c.blocks,
                receives_appointments=c.receives_appointments,
            )
            for i, copy in enumerate(copies)
            for c in listed[templates[i % personas].pk]
        ),
        batch_size=2_000,
    )
    CalendarConnection.objects.update(next_sync_at=now)
    return count


def _cpu_seconds(pid):
    try:
        return sync_cycle._cpu_seconds(pid)
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


def _postgres_cpu_seconds():
    """CPU of every PostgreSQL process on the machine (other databases' work included), by
    process id: a difference of two readings counts each process's own growth."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            found[int(stat.parent.name)] = _cpu_seconds(int(stat.parent.name))
    return found


def _postgres_cpu_since(before):
    # A process that ended meanwhile is missed (its last share with it), never subtracted.
    now = _postgres_cpu_seconds()
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in now.items())


def _machine_busy_seconds():
    """CPU seconds the whole machine spent busy (all cores; /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Workers:
    """W Celery worker processes (threads pool) on one queue, each also on a queue of its own
    for the statement count."""

    def __init__(self, count, pool, queue):
        self.queue = queue
        self.processes = []
        self.logs = []
        for i in range(count):
            # Named after the queue: runs side by side (the suite's, `make bench-scale`) differ.
            log_path = environment.VAR / f"{queue}-worker-{i}.log"
            self.logs.append(log_path)
            with log_path.open("w") as log:
                self.processes.append(
                    subprocess.Popen(  # noqa: S603 (our own worker, fixed arguments)
                        [
                            sys.executable,
                            "-m",
                            "bench.scale_worker",
                            *pool,
                            "-Q",
                            f"{queue},{queue}-w{i}",
                            "-n",
                            f"scale{i}-{queue}@%h",
                            "--without-heartbeat",
                            "--without-gossip",
                            "--without-mingle",
                            "--loglevel",
                            "INFO",
                        ],
                        env={
                            **os.environ,
                            "CELERY_QUEUE": queue,
                            "DJANGO_SETTINGS_MODULE": "bench.settings",
                        },
                        cwd=environment.ROOT,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        deadline = time.monotonic() + 60
        while not all(" ready." in p.read_text() for p in self.logs):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                logs = "\n".join(p.read_text()[-2000:] for p in self.logs)
                self.stop()
                raise RuntimeError(f"a worker did not start:\n{logs}")
            time.sleep(0.1)

    def cpu_seconds(self):
        return sum(_cpu_seconds(p.pid) for p in self.processes)

    def statements(self):
        from .scale_worker import report_statements

        total = 0
        for i in range(len(self.processes)):
            path = environment.VAR / f"scale-statements-{i}-{uuid.uuid4().hex[:6]}"
            report_statements.apply_async((str(path),), queue=f"{self.queue}-w{i}")
            deadline = time.monotonic() + 30
            while not path.exists() or not path.read_text():
                if time.monotonic() > deadline:
                    raise RuntimeError("a worker did not report its statement count")
                time.sleep(0.05)
            total += int(path.read_text())
            path.unlink()
        return total

    def stop(self):
        for process in self.processes:
            environment.stop(process)
        for log_path in self.logs:
            log_path.unlink(missing_ok=True)


def _cycle(workers, simulator, count, *, timeout):
    """Queue the dispatch (beat's task) to the workers; wait until every calendar has synced
    and released its lease. Returns the figures of the cycle."""
    from calendars.models import CalendarConnection
    from calendars.tasks import dispatch_due_syncs_task

    due_at = datetime.now(UTC)
    CalendarConnection.objects.update(next_sync_at=due_at)
    statements_before = workers.statements()
    cpu_before = workers.cpu_seconds()
    sim_before = _cpu_seconds(simulator.pid)
    pg_before = _postgres_cpu_seconds()
    machine_before = _machine_busy_seconds()
    started = time.perf_counter()
    dispatch_due_syncs_task.delay()
    claimed_s = None
    pending = CalendarConnection.objects.exclude(last_sync_at__gt=due_at)
    while True:
        if (
            claimed_s is None
            and not CalendarConnection.objects.filter(next_sync_at__lte=due_at).exists()
        ):
            claimed_s = time.perf_counter() - started
        if (
            not pending.exists()
            and not CalendarConnection.objects.filter(sync_lease_until__isnull=False).exists()
        ):
            break
        if time.perf_counter() - started > timeout:
            raise RuntimeError(
                f"sync cycle did not finish in {timeout} s: {pending.count()} of {count} left"
            )
        time.sleep(0.2)
    wall = time.perf_counter() - started
    cpu = workers.cpu_seconds() - cpu_before
    statements = workers.statements() - statements_before
    return {
        "wall_s": wall,
        "dispatch_s": claimed_s or wall,
        "syncs_per_s": count / wall,
        "worker_cpu_ms_per_calendar": cpu * 1000 / count,
        "simulator_cpu_ms_per_calendar": (_cpu_seconds(simulator.pid) - sim_before) * 1000 / count,
        "postgres_cpu_ms_per_calendar": _postgres_cpu_since(pg_before) * 1000 / count,
        "machine_cpu_ms_per_calendar": (_machine_busy_seconds() - machine_before) * 1000 / count,
        "statements_per_calendar": statements / count,
        "failed": CalendarConnection.objects.exclude(last_problem="").count(),
    }


def run(
    *,
    calendars=10_000,
    personas=10,
    events=300,
    latency_ms=50,
    workers=HOST_CORES,
    concurrency=8,
    timeout=1_800,
):
    from calendars import graph
    from okomo.celery import app

    now = datetime.now(UTC)
    simulator, sim = sync_cycle.start_simulator()
    environment.use_database(os.environ["BENCH_DB_NAME"] + "_scale")
    queue = f"okomo-scale-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue
    pool = ["--pool", "threads", "--concurrency", str(concurrency)]
    running = None
    try:
        started = time.perf_counter()
        connect_in_bulk(sim, calendars, personas=personas, events=events, now=now)
        setup_s = time.perf_counter() - started
        sim.settings(latency_ms=latency_ms)
        running = Workers(workers, pool, queue)
        first = _cycle(running, simulator, calendars, timeout=timeout)
        second = _cycle(running, simulator, calendars, timeout=timeout)
    finally:
        if running:
            running.stop()
        environment.stop(simulator)
        with app.connection_for_write() as broker:
            for name in [queue, *(f"{queue}-w{i}" for i in range(workers))]:
                broker.default_channel.queue_delete(name)
    return {
        "calendars": calendars,
        "page_size": graph.PAGE_SIZE,
        "personas": min(personas, calendars),
        "events": events,
        "latency_ms": latency_ms,
        "workers": workers,
        "concurrency": concurrency,
        "cores": os.cpu_count(),
        "setup_s": setup_s,
        "changed": first,
        "unchanged": second,
    }


def _ok(passed):
    return "met" if passed else "**missed**"


def render(r):
    """The Markdown section for RESULTS.md (and the terminal)."""
    first, second = r["changed"], r["unchanged"]
    rate = min(first["syncs_per_s"], second["syncs_per_s"])
    projected = rate * 1_800
    cpu = max(first["worker_cpu_ms_per_calendar"], second["worker_cpu_ms_per_calendar"])
    cpu_bound = HOST_CORES * 1_800 * 1_000 / cpu if cpu else float("inf")
    statements = second["statements_per_calendar"]
    pool = f"{r['workers']} × threads pool {r['concurrency']}"
    lines = [
        f"## Scale: {r['calendars']:,} calendars, one sync cycle through real Celery workers",
        "",
        f"{r['calendars']:,} connected calendars ({r['personas']} simulator accounts signed in"
        " the app's way, every other connection a bulk-inserted copy of one of them),"
        f" {r['events']} events each in the window (calendarView pages of {r['page_size']:,}),"
        " the simulator"
        f" adding {r['latency_ms']} ms to every request; workers: {pool}, beat's dispatch task"
        f" run by them; set-up {r['setup_s']:.0f} s. Everything (workers, simulator,"
        f" PostgreSQL, Redis) on this {r['cores']}-core machine.",
        "",
        "| cycle | wall time | syncs/s | dispatch | worker CPU | simulator CPU | PostgreSQL CPU"
        " | machine CPU | SQL statements | failed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *[
            _row(name, c)
            for name, c in (("first (all new)", first), ("second (unchanged)", second))
        ],
        "",
        "CPU and statements are per calendar. Statements: every SQL statement the workers'"
        " Django connections sent (the dispatch's one claim for all calendars included;"
        " BEGIN/COMMIT not counted), divided by the calendars. PostgreSQL CPU: all its"
        " processes on the machine, so other work on it counts too.",
        "",
        f"- Measured: {r['calendars']:,} calendars in"
        f" {max(first['wall_s'], second['wall_s']):.1f} s, {rate:.1f} syncs/s (the slower cycle).",
        f"- Projected per {HOST_CORES}-core host per 30 minutes (measured rate × 1,800 s):"
        f" {projected:,.0f} (goal ≥ {GOAL_PER_HOST:,}: {_ok(projected >= GOAL_PER_HOST)});"
        f" if the workers' CPU were the only limit ({HOST_CORES} cores × 1,800 s / {cpu:.1f} ms):"
        f" {cpu_bound:,.0f}.",
        f"- SQL statements per unchanged calendar: {statements:.2f} (goal ≤ {GOAL_STATEMENTS}:"
        # The dispatch's claim is one statement for the whole cycle: 0.0001 a calendar here.
        f" {_ok(round(statements, 2) <= GOAL_STATEMENTS)}).",
    ]
    lines += _hosts(r, rate=rate, cpu_bound=cpu_bound, statements=statements)
    return "\n".join(lines) + "\n"


def _row(name, c):
    cpu = (
        f"{c[key + '_cpu_ms_per_calendar']:.1f} ms"
        for key in ("worker", "simulator", "postgres", "machine")
    )
    return (
        f"| {name} | {c['wall_s']:.1f} s | {c['syncs_per_s']:.1f} | {c['dispatch_s']:.1f} s | "
        + " | ".join(cpu)
        + f" | {c['statements_per_calendar']:.2f} | {c['failed']} |"
    )


def _hosts(r, *, rate, cpu_bound, statements):
    first, second = r["changed"], r["unchanged"]
    sim_cpu = max(first["simulator_cpu_ms_per_calendar"], second["simulator_cpu_ms_per_calendar"])
    machine = max(first["machine_cpu_ms_per_calendar"], second["machine_cpu_ms_per_calendar"])
    host_rate = min(rate, cpu_bound / 1_800)
    dispatch_rate = r["calendars"] / max(first["dispatch_s"], second["dispatch_s"])
    return [
        f"- What limits here: the machine spends {machine:.1f} ms of CPU per calendar in all, of it"
        f" the simulator {sim_cpu:.1f} ms (one Python process serving every Graph page: it stands"
        " in for Microsoft and shares the 2 cores with the workers, PostgreSQL and Redis), so"
        " the measured rate is a floor for a worker host of its own.",
        f"- A second and a tenth worker host (same Redis and PostgreSQL) add a host's rate each:"
        f" about {2 * host_rate * 1_800:,.0f} and {10 * host_rate * 1_800:,.0f} calendars per"
        f" 30 minutes, as long as the shared parts keep up: PostgreSQL then takes"
        f" {10 * host_rate * statements:,.0f} statements/s for unchanged calendars at ten hosts"
        f" ({statements:.1f} per calendar), Redis {10 * host_rate:,.0f} tasks/s (small); and"
        f" one beat claims every due calendar with one UPDATE … RETURNING:"
        f" {dispatch_rate:,.0f} calendars/s measured here, {dispatch_rate * 1_800:,.0f} per 30"
        f" minutes, which caps all hosts together. Microsoft's own limits (per app and tenant)"
        " come on top and are not simulated.",
    ]


def merge_section(existing, section):
    """RESULTS.md with its scale section replaced by (or ended with) `section`."""
    head, marker, rest = existing.partition("\n## Scale:")
    if marker:
        following = rest.find("\n## ")
        tail = rest[following:] if following >= 0 else ""
        return head.rstrip("\n") + "\n\n" + section + tail
    return existing.rstrip("\n") + "\n\n" + section


def kept_section(existing):
    """The scale section of an existing RESULTS.md ("" when none), for `make bench` to keep."""
    _, marker, rest = existing.partition("\n## Scale:")
    if not marker:
        return ""
    following = rest.find("\n## ")
    return "## Scale:" + (rest[:following] if following >= 0 else rest)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calendars", type=int, default=10_000)
    parser.add_argument(
        "--workers", type=int, default=HOST_CORES, help="worker processes (one per core)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="threads per worker")
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--db", default="okomo_bench")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args()
    options = {
        "calendars": args.calendars,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "events": args.events,
        "latency_ms": args.latency_ms,
    }
    out = subprocess.run(  # noqa: S603 (this package, fixed arguments)
        [
            sys.executable,
            "-m",
            "bench",
            "--part",
            "scale",
            "--options",
            json.dumps(options),
            "--db",
            args.db,
        ],
        capture_output=True,
        text=True,
        cwd=environment.ROOT,
    )
    if out.returncode:
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit("the scale benchmark failed")
    section = render(json.loads(out.stdout.strip().splitlines()[-1]))
    print(section)
    if not args.no_write:
        results = environment.ROOT / "bench" / "RESULTS.md"
        results.write_text(merge_section(results.read_text() if results.exists() else "", section))


if __name__ == "__main__":
    main()

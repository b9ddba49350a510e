"""Fault drill: Redis (broker and cache) is killed under traffic and started again.

Customers request slots and the expert accepts and cancels through gunicorn, while a real
Celery worker with embedded beat carries out the outbox (mails into files, Outlook writes into
the simulator). Once every effect of that healthy phase is done, and while the worker is in
the middle of a task, Redis gets SIGKILL; the traffic goes on for a few seconds; then Redis
starts again on the same port and the drill measures how long until every effect is done or
failed. Nothing may answer 5xx, no effect may stay pending ("lost"), every mail is sent exactly
once and every appointment lands in the simulated Outlook calendar once. A worker that exits
is started again, as a supervisor would, and counted.
"""

import itertools
import os
import re
import shutil
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from urllib.parse import urljoin

import requests

from . import environment
from .drill_processes import Supervisor, start_redis
from .sync_cycle import connect_calendars, start_simulator

DIR = environment.VAR / "drill"
SLUG = "drill"
PASSWORD = "bench-pass-1"  # noqa: S105 (what sync_cycle.connect_calendars gives its experts)
PERSONA = "drill0@contoso.example"
# The outbox's repair pass runs this often here (production default: 15 s), so the time to
# recover shows the broker coming back, not a long wait for the next pass.
REPAIR_INTERVAL_S = 2
# Microsoft's delay per request while the worker is to be caught mid-sync: long enough for the
# kill to land inside it, short enough to keep the drill quick.
SLOW_SYNC_MS = 3000
HTTP_TIMEOUT = 30  # seconds; gunicorn's own worker timeout
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MESSAGE_ID = re.compile(r"^Message-ID: <([0-9a-f-]+)@okomo>$", re.MULTILINE)


def run(
    *, customers=40, accepts=20, outage_s=10.0, clients=4, recover_timeout=180.0, busy_worker=True
):
    """Run the drill; `recover_timeout` (s) after Redis returns, a pending effect counts as lost.

    With `busy_worker`, Redis dies while the worker is in the middle of a task (a calendar
    sync against a slow Microsoft), as it would on a busy site; otherwise the worker is idle.
    """
    if shutil.which("redis-server") is None:
        raise RuntimeError("the fault drill needs redis-server on the PATH")
    shutil.rmtree(DIR, ignore_errors=True)
    (DIR / "mail").mkdir(parents=True)
    port = environment.free_port()
    processes = {}
    try:
        processes["redis"] = start_redis(port, DIR)
        # Before Django reads its settings here, and inherited by gunicorn and the worker.
        os.environ.update(
            REDIS_URL=f"redis://127.0.0.1:{port}/0",
            CACHE_URL=f"redis://127.0.0.1:{port}/1",
            OUTBOX_REPAIR_INTERVAL=str(REPAIR_INTERVAL_S),
            BENCH_EMAIL_DIR=str(DIR / "mail"),
        )
        processes["simulator"], sim = start_simulator()
        environment.use_database(os.environ["BENCH_DB_NAME"] + "_drill")
        now = datetime.now(UTC)
        expert = _expert(sim, now=now)
        slots = iter(_distinct_slots(expert, now=now))
        processes["gunicorn"], base = environment.start_gunicorn({})
        processes["worker"] = worker = Supervisor(DIR)
        traffic = Traffic()

        # 1. Healthy: customers request, the expert accepts some; every effect gets done.
        desk = ExpertDesk(base, traffic)
        healthy = [(n, next(slots)) for n in range(customers)]
        with ThreadPoolExecutor(clients) as pool:
            booked = pool.map(lambda job: book(base, *job, traffic), healthy)
            requested = [uuid for uuid in booked if uuid]
        accepted = [uuid for uuid in requested[:accepts] if desk.act("accept", uuid)]
        open_requests = requested[accepts:]
        settle_s = _wait_for_effects(timeout=60)
        if settle_s is None:
            raise RuntimeError("the healthy phase's effects were not all done within 60 s")

        # 2. Redis killed: customers keep requesting, the expert keeps accepting and cancelling.
        if busy_worker:
            _hold_worker_in_a_slow_sync(sim, expert)
        traffic.phase = "outage"
        processes["redis"].kill()
        processes["redis"].wait()
        sim.settings(latency_ms=0)  # the just-in-time checks of the requests below stay quick
        deadline = time.monotonic() + outage_s
        numbers = itertools.count(customers)
        lock = threading.Lock()

        def customer_loop():
            while time.monotonic() < deadline:
                with lock:
                    n, start = next(numbers), next(slots, None)
                if start is None:
                    return
                uuid = book(base, n, start, traffic)
                if uuid:
                    with lock:
                        open_requests.append(uuid)

        def expert_loop():
            for turn in itertools.count():
                if time.monotonic() >= deadline:
                    return
                with lock:
                    if turn % 2 and accepted:
                        action, uuid = "cancel", accepted.pop(0)
                    elif open_requests:
                        action, uuid = "accept", open_requests.pop(0)
                    else:
                        action, uuid = None, None
                if action is None:
                    time.sleep(0.1)
                elif desk.act(action, uuid) and action == "accept":
                    with lock:
                        accepted.append(uuid)

        threads = [threading.Thread(target=customer_loop) for _ in range(clients)]
        threads.append(threading.Thread(target=expert_loop))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        # 3. Redis back on the same port: how long until every effect is done or failed.
        processes["redis"] = start_redis(port, DIR)
        recover_s = _wait_for_effects(timeout=recover_timeout)
        events = [
            e
            for e in sim.events(PERSONA)
            if e.get("transactionId", "").startswith("okomo-booking-")
        ]
    finally:
        for name in ("gunicorn", "worker", "simulator", "redis"):
            if name == "worker" and name in processes:
                processes[name].stop()
            elif name in processes:
                environment.stop(processes[name])
    return {
        "customers": customers,
        "accepts": accepts,
        "outage_s": outage_s,
        "clients": clients,
        "repair_interval_s": REPAIR_INTERVAL_S,
        "recover_timeout_s": recover_timeout,
        "settle_s": settle_s,
        "recover_s": recover_s,
        "busy_worker": busy_worker,
        "worker_exits": worker.exits,
        **traffic.summary(),
        **_outcome(events),
    }


class Traffic:
    """Every HTTP exchange of the drill: phase, action and status code (or "no answer")."""

    def __init__(self):
        self.phase = "healthy"
        self._lock = threading.Lock()
        self._seen = []

    def call(self, session, method, url, action, **kwargs):
        phase = self.phase
        try:
            response = session.request(
                method, url, timeout=HTTP_TIMEOUT, allow_redirects=False, **kwargs
            )
            status = response.status_code
        except requests.RequestException:
            response, status = None, "no answer"
        with self._lock:
            self._seen.append((phase, action, status))
        return response

    def summary(self):
        def counts(rows):
            return {str(k): v for k, v in sorted(Counter(s for *_, s in rows).items(), key=str)}

        phases = ("healthy", "outage")
        return {
            "requests": {p: sum(1 for row in self._seen if row[0] == p) for p in phases},
            "statuses": {p: counts([row for row in self._seen if row[0] == p]) for p in phases},
            "by_action": {
                p: {
                    action: counts([r for r in self._seen if r[0] == p and r[1] == action])
                    for action in sorted({r[1] for r in self._seen if r[0] == p})
                }
                for p in phases
            },
        }


def _session():
    session = requests.Session()
    session.trust_env = False  # everything is on 127.0.0.1; no proxy from the environment
    return session


def book(base, n, start, traffic):
    """One customer opens the booking page and requests `start`; the booking's UUID if held."""
    session = _session()
    page_url = f"{base}/book/{SLUG}/"
    page = traffic.call(session, "GET", page_url, "booking page")
    traffic.call(session, "GET", f"{page_url}slots.json?tz=Europe/Zurich", "slots.json")
    found = TOKEN.search(page.text) if page is not None and page.status_code == 200 else None
    if found is None:
        return None
    answer = traffic.call(
        session,
        "POST",
        f"{page_url}request/",
        "request",
        data={
            "csrfmiddlewaretoken": found.group(1),
            "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "time_zone": "Europe/Zurich",
            "name": f"Customer {n}",
            "email": f"drill{n}@example.com",
            "message": "",
            "language": "en",
        },
        headers={"Referer": page_url},
    )
    if answer is None or answer.status_code != 302:
        return None
    location = urljoin(page_url, answer.headers["Location"])
    traffic.call(session, "GET", location, "requested page")
    return location.rstrip("/").rsplit("/", 1)[-1]


class ExpertDesk:
    """The expert, signed in once over HTTP, acting on bookings from the list."""

    def __init__(self, base, traffic):
        self.base, self.traffic, self.session = base, traffic, _session()
        page = traffic.call(self.session, "GET", f"{base}/sign-in/", "sign-in")
        answer = traffic.call(
            self.session,
            "POST",
            f"{base}/sign-in/",
            "sign-in",
            data={
                "csrfmiddlewaretoken": TOKEN.search(page.text).group(1),
                "username": "drill0@bench.example",
                "password": PASSWORD,
            },
            headers={"Referer": f"{base}/sign-in/"},
        )
        if answer is None or answer.status_code != 302:
            raise RuntimeError("the drill's expert could not sign in")

    def act(self, action, uuid):
        """POST accept/cancel for booking `uuid`, then load the list; True when it was done."""
        url = f"{self.base}/settings/bookings/"
        answer = self.traffic.call(
            self.session,
            "POST",
            f"{url}{uuid}/{action}/",
            action,
            # Django accepts the cookie's unmasked secret as the form token.
            data={"csrfmiddlewaretoken": self.session.cookies["csrftoken"]},
            headers={"Referer": url},
        )
        page = self.traffic.call(self.session, "GET", url, "expert list")
        return (
            answer is not None
            and answer.status_code == 302
            and page is not None
            and "has changed meanwhile" not in page.text
        )


def _expert(sim, *, now):
    """An expert open Mon-Fri 08:00-18:00 (Zurich) whose Outlook calendar is the simulator's."""
    from bookings.models import BookingSettings, WeeklyHours

    expert = connect_calendars(sim, 1, 0, now=now, prefix="drill")[0].expert
    expert.slug = SLUG
    expert.save(update_fields=["slug"])
    BookingSettings.objects.create(expert=expert, minimum_notice_minutes=60)
    WeeklyHours.objects.bulk_create(
        WeeklyHours(expert=expert, weekday=day, start=clock(8), end=clock(18)) for day in range(5)
    )
    return expert


def _distinct_slots(expert, *, now):
    """Offered start times that do not overlap one another, earliest first."""
    from bookings.offer import offer_for, offered_slots
    from okomo.intervals import Interval

    length = offer_for(expert, now=now).length
    chosen = []
    for start in offered_slots(expert, Interval(now, now + timedelta(days=90)), now=now):
        if not chosen or start >= chosen[-1] + length:
            chosen.append(start)
    return chosen


def _hold_worker_in_a_slow_sync(sim, expert):
    """Return once the worker has been inside a calendar sync (Microsoft answering every request
    after SLOW_SYNC_MS) for half a second: it then holds the sync's message unacknowledged."""
    from calendars.models import CalendarConnection
    from calendars.tasks import queue_sync

    connection = CalendarConnection.objects.get(expert=expert)
    syncing = CalendarConnection.objects.filter(pk=connection.pk, sync_lease_until__isnull=False)
    sim.settings(latency_ms=SLOW_SYNC_MS)
    queue_sync(connection.pk)
    held_since = None
    for _ in range(200):
        if not syncing.exists():
            held_since = None
        elif held_since is None:
            held_since = time.monotonic()
        elif time.monotonic() - held_since >= 0.5:
            return
        time.sleep(0.05)
    raise RuntimeError("the worker did not start the calendar sync within 10 s")


def _wait_for_effects(*, timeout):
    """Seconds until no due effect is pending (polling the database), or None after `timeout`.
    Reminders wait for their own time (a day before the appointment) and do not count."""
    from django.utils import timezone

    from outbox.models import Effect

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        due = Effect.objects.filter(
            status=Effect.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        if not due.exists():
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def _outcome(events):
    """What the database, the mail directory and the simulated Outlook calendar hold."""
    from django.utils import timezone

    from bookings.effects import MAIL
    from bookings.models import Booking
    from outbox.models import Effect

    now = timezone.now()
    effects = Counter(Effect.objects.values_list("kind", "status"))
    later = Effect.objects.filter(status=Effect.Status.PENDING, next_attempt_at__gt=now).count()
    done_mails = {
        str(u)
        for u in Effect.objects.filter(kind=MAIL, status=Effect.Status.DONE).values_list(
            "uuid", flat=True
        )
    }
    sent = [m for path in (DIR / "mail").iterdir() for m in MESSAGE_ID.findall(path.read_text())]
    bookings = Counter(Booking.objects.values_list("status", flat=True))
    accepted = Booking.objects.filter(status=Booking.Status.ACCEPTED)
    failures = Effect.objects.filter(status=Effect.Status.FAILED).values_list("kind", "last_error")
    return {
        "bookings": {"created": sum(bookings.values()), **bookings},
        "effects": {
            "recorded": sum(effects.values()),
            "done": sum(n for (_, status), n in effects.items() if status == "done"),
            "failed": sum(n for (_, status), n in effects.items() if status == "failed"),
            "lost": sum(n for (_, status), n in effects.items() if status == "pending") - later,
            "scheduled": later,
            "by_kind": {f"{kind} {status}": n for (kind, status), n in sorted(effects.items())},
            "failures": [f"{kind}: {error[:200]}" for kind, error in failures[:5]],
        },
        "mails": {
            "sent": len(sent),
            "distinct": len(set(sent)),
            "done_mail_effects": len(done_mails),
            # A done mail effect may send nothing: a confirmation that its cancellation
            # overtook is dropped on purpose. No mail twice, none without its effect.
            "match": set(sent) <= done_mails and len(sent) == len(set(sent)),
        },
        "outlook": {
            "events": len(events),
            "distinct": len({e["transactionId"] for e in events}),
            "accepted": accepted.count(),
            "written": accepted.filter(outlook_state=Booking.Outlook.WRITTEN).count(),
            "match": {e["transactionId"] for e in events}
            == {f"okomo-booking-{u}" for u in accepted.values_list("uuid", flat=True)},
        },
    }

"""Prometheus metrics: counters kept by the processes, database counts read at scrape time.

Counters and the histogram live in prometheus_client's process memory, or, when
PROMETHEUS_MULTIPROC_DIR is set before the first import (gunicorn, Celery), in one file per
process there; `/metrics` then adds up the files of that directory and of the directories
directly inside it (the worker's own), see docs/deploy.md "Metrics". The gauges are database
counts taken when Prometheus asks, so every web process answers the same and nothing needs
to be kept in step.
"""

import functools
import glob
import hmac
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

SYNC_OUTCOMES = ("changed", "unchanged", "failed", "reconnect_needed", "error")
BOOKING_ANSWERS = ("accepted", "requested", "refused", "rate_limited", "invalid")
# A calendar counts as overdue once its sync is this late: beat claims due calendars every
# minute and a claim holds a calendar up to 5 minutes (CALENDAR_SYNC_RECLAIM).
OVERDUE_AFTER = timedelta(minutes=5)

SYNCS = Counter(
    "okomo_calendar_syncs",
    "Calendar syncs run by workers, by outcome (error: the sync raised).",
    ["outcome"],
)
SYNC_SECONDS = Histogram(
    "okomo_calendar_sync_duration_seconds",
    "Wall time of one calendar sync, Microsoft's retries included.",
    # Three round trips take well under a second; Retry-After waits and slow pages take
    # seconds; a sync is cut off at four fifths of its 5-minute lease.
    buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 240),
)
MICROSOFT_REQUESTS = Counter(
    "okomo_microsoft_requests",
    "HTTP requests to Microsoft (graph: Graph API, identity: sign-in and tokens), by status "
    "code; status 'error' when no answer came (timeout, refused connection, TLS).",
    ["api", "status"],
)
BOOKING_REQUESTS = Counter(
    "okomo_booking_requests",
    "Booking requests customers sent from a booking page, by answer.",
    ["answer"],
)
for _outcome in SYNC_OUTCOMES:
    SYNCS.labels(_outcome)  # present as 0 before the first sync, for rate() and alerts
for _answer in BOOKING_ANSWERS:
    BOOKING_REQUESTS.labels(_answer)


# --- recording ----------------------------------------------------------------------------


def record_sync(run):
    """Call `run()` (one calendar sync); count its outcome and time it. A sync that did not
    run (None: gone or already running) is not counted."""
    started = time.monotonic()
    try:
        result = run()
    except Exception:
        SYNCS.labels("error").inc()
        raise
    if result is not None:
        SYNCS.labels(result.outcome).inc()
        SYNC_SECONDS.observe(time.monotonic() - started)
    return result


def count_microsoft_request(url: str, status: int | None) -> None:
    """One HTTP exchange with Microsoft; `status` None when no answer came."""
    api = "graph" if url.startswith(settings.MICROSOFT_GRAPH_URL) else "identity"
    MICROSOFT_REQUESTS.labels(api, "error" if status is None else str(status)).inc()


def counts_booking_requests(view):
    """Decorate the booking page's submit view: count each answer it gives."""

    @functools.wraps(view)
    def counted(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        BOOKING_REQUESTS.labels(_booking_answer(response)).inc()
        return response

    return counted


def _booking_answer(response):
    if response.status_code == 429:
        return "rate_limited"
    if response.status_code == 409:
        return "refused"
    if response.status_code != 302:
        return "invalid"  # 400; and 404, a post to an unknown booking page
    from bookings.models import Booking

    # The redirect names the new booking; whether it was accepted at once is its status.
    # Counting never turns a booking made into an error page.
    try:
        uuid = resolve(urlsplit(response.url).path).kwargs.get("uuid")
        status = Booking.objects.filter(uuid=uuid).values_list("status", flat=True).first()
    except (Resolver404, DatabaseError):
        return "requested"
    return "accepted" if status == Booking.Status.ACCEPTED else "requested"


# --- database counts ----------------------------------------------------------------------


@dataclass(frozen=True)
class SyncHealth:
    """What staff and Prometheus want to know about syncing, counted at `now`."""

    connected: int
    reconnect_needed: int
    overdue: int
    failing: int
    effects: dict[tuple[str, str], int]  # (kind, "pending" | "failed") -> rows
    effects_overdue: dict[str, int]  # kind -> pending effects due more than OVERDUE_AFTER ago

    def effects_of(self, prefix: str, status: str) -> int:
        return sum(
            n for (kind, s), n in self.effects.items() if kind.startswith(prefix) and s == status
        )


def overdue_q(now: datetime) -> Q:
    from calendars.models import CalendarConnection

    return Q(status=CalendarConnection.Status.CONNECTED, next_sync_at__lt=now - OVERDUE_AFTER)


def failing_q() -> Q:
    """Connected, but the last sync failed (a successful sync clears the problem)."""
    from calendars.models import CalendarConnection

    return Q(status=CalendarConnection.Status.CONNECTED) & ~Q(last_problem_kind="")


def sync_health(*, now: datetime) -> SyncHealth:
    """Three aggregate queries."""
    from calendars.models import CalendarConnection
    from outbox.models import Effect

    connected = Q(status=CalendarConnection.Status.CONNECTED)
    calendars = CalendarConnection.objects.aggregate(
        connected=Count("pk", filter=connected),
        reconnect_needed=Count("pk", filter=Q(status=CalendarConnection.Status.RECONNECT_NEEDED)),
        overdue=Count("pk", filter=overdue_q(now)),
        failing=Count("pk", filter=failing_q()),
    )
    open_statuses = [Effect.Status.PENDING, Effect.Status.FAILED]
    effects = {
        (row["kind"], row["status"]): row["n"]
        for row in Effect.objects.filter(status__in=open_statuses)
        .values("kind", "status")
        .annotate(n=Count("pk"))
        .order_by()
    }
    effects_overdue = dict(
        Effect.objects.filter(status=Effect.Status.PENDING, next_attempt_at__lt=now - OVERDUE_AFTER)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return SyncHealth(effects=effects, effects_overdue=effects_overdue, **calendars)


class DatabaseCollector:
    """The gauges, counted in the database when Prometheus asks."""

    def collect(self):
        up = GaugeMetricFamily(
            "okomo_metrics_database_up", "1 when the database counts below could be taken."
        )
        try:
            health = sync_health(now=timezone.now())
        except DatabaseError as exc:
            logger.warning("metrics: database counts unavailable: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        connections = GaugeMetricFamily(
            "okomo_calendar_connections", "Connected calendars, by status.", labels=["status"]
        )
        connections.add_metric(["connected"], health.connected)
        connections.add_metric(["reconnect_needed"], health.reconnect_needed)
        yield connections
        yield GaugeMetricFamily(
            "okomo_calendars_overdue",
            "Connected calendars whose sync is due more than 5 minutes ago.",
            value=health.overdue,
        )
        yield GaugeMetricFamily(
            "okomo_calendars_failing",
            "Connected calendars whose last sync failed (Microsoft busy, unreachable or "
            "answering something unreadable).",
            value=health.failing,
        )
        effects = GaugeMetricFamily(
            "okomo_outbox_effects",
            "Outbox effects (mails, Outlook writes) not done: pending or failed for good.",
            labels=["kind", "status"],
        )
        for (kind, status), n in sorted(health.effects.items()):
            effects.add_metric([kind, status], n)
        yield effects
        overdue = GaugeMetricFamily(
            "okomo_outbox_effects_overdue",
            "Pending outbox effects due more than 5 minutes ago (workers not keeping up).",
            labels=["kind"],
        )
        for kind, n in sorted(health.effects_overdue.items()):
            overdue.add_metric([kind], n)
        yield overdue


# --- exposition ---------------------------------------------------------------------------


class _ProcessMetrics:
    """This process's own metrics (the default registry), in single-process mode."""

    def collect(self):
        return REGISTRY.collect()


class _DirectoryMetrics(MultiProcessCollector):
    """prometheus_client's multiprocess collector over `path` and the directories in it."""

    def collect(self):
        files = glob.glob(os.path.join(self._path, "*.db"))
        files += glob.glob(os.path.join(self._path, "*", "*.db"))
        return self.merge(files, accumulate=True)


def exposition() -> bytes:
    """The whole scrape, in Prometheus' text format."""
    registry = CollectorRegistry()
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        _DirectoryMetrics(registry, path=directory)
    else:
        registry.register(_ProcessMetrics())
    registry.register(DatabaseCollector())
    return generate_latest(registry)


def _token() -> str:
    return settings.METRICS_TOKEN


@never_cache
@require_GET
def metrics_view(request):
    """Prometheus' scrape: `Authorization: Bearer <METRICS_TOKEN>`; 404 without a token set."""
    token = _token()
    if not token:
        raise Http404("metrics are not enabled")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        response = HttpResponse(
            "A valid bearer token is needed.\n", status=401, content_type="text/plain"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)

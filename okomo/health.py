"""/healthz and /readyz for load balancers, systemd and Kubernetes probes (docs/deploy.md).

/healthz says the process answers (no I/O). /readyz asks the database, the cache and the
Celery broker, each with a timeout of a second or three, and checks beat's heartbeat
(okomo/heartbeat.py): 200 when all are fine, else 503 naming the failing parts. Bodies name
exception classes only, never their messages (a URL in one may carry a password).
"""

import logging

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from .heartbeat import heartbeat_age

logger = logging.getLogger(__name__)

# The broker's Redis answers in a millisecond; a second covers a busy one.
BROKER_TIMEOUT = 1


def check_database():
    # connect_timeout (3 s, okomo/settings.py) bounds a PostgreSQL that does not answer.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache():
    # The cache's own socket timeouts (1 s, okomo/settings.py) bound a dead Redis.
    cache.set("readyz-probe", "1", timeout=30)
    if cache.get("readyz-probe") != "1":
        raise LookupError("the cache did not keep a value")


def check_broker():
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL,
        socket_connect_timeout=BROKER_TIMEOUT,
        socket_timeout=BROKER_TIMEOUT,
    )
    try:
        client.ping()
    finally:
        client.close()


def check_beat():
    age = heartbeat_age()
    if age is None:
        raise LookupError("no heartbeat yet")
    if age > settings.BEAT_HEARTBEAT_MAX_AGE:
        raise LookupError(f"last heartbeat {age:.0f} s ago")


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "beat": check_beat,
}


@require_safe
def healthz(request):
    return _answer({"status": "ok"}, 200)


@require_safe
def readyz(request):
    results, failing = {}, []
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001  (any failure means "not ready")
            logger.warning("readiness check failed", extra={"check": name, "error": repr(exc)})
            results[name] = f"failing: {type(exc).__name__}"
            failing.append(name)
        else:
            results[name] = "ok"
    if failing:
        return _answer({"status": "unavailable", "failing": failing, "checks": results}, 503)
    return _answer({"status": "ok", "checks": results}, 200)


def _answer(body, status):
    response = JsonResponse(body, status=status)
    add_never_cache_headers(response)
    return response

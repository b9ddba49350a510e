"""Record effects in the caller's transaction; carry them out once, retrying what can heal."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import tasks
from .handlers import GiveUp, TryLater, handler_for
from .models import Effect

logger = logging.getLogger(__name__)

# A worker holds an effect this long at most; after that another may take it (the first died).
LEASE = timedelta(minutes=5)
# An effect handed to the broker but not started after this long is handed over again: the
# message was lost with a worker or sits behind a long queue (a duplicate then finds it done).
REQUEUE_AFTER = timedelta(minutes=2)
# Retries back off from 10 s to at most 10 minutes apart; 20 attempts span about 2.5 hours,
# long enough to outlast an SMTP or Microsoft outage, short enough to tell the expert the same day.
MAX_ATTEMPTS = 20
REPAIR_BATCH = 500


def record(kind: str, subject_id: int, **args) -> Effect:
    """Write the effect in the current transaction; it is queued once that commits."""
    now = timezone.now()
    effect = Effect.objects.create(
        kind=kind, subject_id=subject_id, args=args, next_attempt_at=now, queued_at=now
    )
    # robust: a broker that is down must not stop the other on-commit work (or answer 500);
    # the repair pass finds the effect.
    transaction.on_commit(lambda: tasks.queue_effect(effect.pk), robust=True)
    return effect


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 600))


def perform(effect_id: int, *, now: datetime) -> str | None:
    """Carry out one effect unless it is done, failed or held by another worker.

    Returns the effect's status afterwards, or None when this call did not take it.
    """
    taken = (
        Effect.objects.filter(pk=effect_id, status=Effect.Status.PENDING)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .update(locked_until=now + LEASE, attempts=F("attempts") + 1)
    )
    if not taken:
        return None
    effect = Effect.objects.get(pk=effect_id)
    handler = handler_for(effect.kind)
    try:
        handler.perform(effect)
    except GiveUp as exc:
        return _fail(effect, str(exc), handler)
    except TryLater as exc:
        return _retry(effect, str(exc), handler, now=now)
    except Exception as exc:  # an outage nobody foresaw, or a bug: keep the effect, retry later
        logger.exception("effect %s (%s) raised", effect.pk, effect.kind)
        return _retry(effect, f"{type(exc).__name__}: {exc}", handler, now=now)
    Effect.objects.filter(pk=effect.pk).update(
        status=Effect.Status.DONE, done_at=timezone.now(), locked_until=None, last_error=""
    )
    return Effect.Status.DONE


def _retry(effect, reason, handler, *, now):
    if effect.attempts >= MAX_ATTEMPTS:
        return _fail(effect, reason, handler)
    logger.warning("effect %s (%s) will be retried: %s", effect.pk, effect.kind, reason)
    Effect.objects.filter(pk=effect.pk).update(
        next_attempt_at=now + backoff(effect.attempts),
        queued_at=None,
        locked_until=None,
        last_error=reason[:2000],
    )
    return Effect.Status.PENDING


def _fail(effect, reason, handler):
    logger.warning("effect %s (%s) failed for good: %s", effect.pk, effect.kind, reason)
    Effect.objects.filter(pk=effect.pk).update(
        status=Effect.Status.FAILED, locked_until=None, last_error=reason[:2000]
    )
    if handler.give_up is not None:
        handler.give_up(effect, reason)
    return Effect.Status.FAILED


def _due(now):
    return (
        Effect.objects.filter(status=Effect.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .order_by("next_attempt_at")
    )


def requeue_due(*, now: datetime) -> int:
    """The repair pass: hand every due effect that nobody holds to the broker (again)."""
    ids = list(
        _due(now)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=now - REQUEUE_AFTER))
        .values_list("pk", flat=True)[:REPAIR_BATCH]
    )
    Effect.objects.filter(pk__in=ids).update(queued_at=now)
    for effect_id in ids:
        tasks.queue_effect(effect_id)
    return len(ids)


def perform_due(*, now: datetime) -> int:
    """Carry out every due effect in this process (tests, the fault drill, a shell)."""
    ids = list(_due(now).values_list("pk", flat=True))
    return sum(1 for effect_id in ids if perform(effect_id, now=now) is not None)

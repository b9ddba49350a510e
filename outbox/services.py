"""Record effects in the caller's transaction; carry them out once, retrying what can heal."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import tasks
from .handlers import GiveUp, TryLater, give_up_for, handler_for
from .models import Effect

logger = logging.getLogger(__name__)

# A worker holds an effect this long at most; after that another may take it (the first died).
LEASE = timedelta(minutes=5)
# An effect handed to the broker but not started after this long is handed over again: the
# message was lost (Redis restarted empty, or a worker died before taking it). Longer than the
# broker's visibility timeout, which redelivers what a dead worker held, so a long queue after
# an outage is not flooded with copies (a copy that does arrive finds the effect done).
REQUEUE_AFTER = timedelta(minutes=10)
# Done effects are kept this long (for the admin and for support), then deleted.
KEEP_DONE = timedelta(days=30)
# Retries back off from 10 s to at most 10 minutes apart; 20 attempts span about 2.5 hours,
# long enough to outlast an SMTP or Microsoft outage, short enough to tell the expert the same day.
MAX_ATTEMPTS = 20
REPAIR_BATCH = 500


def record(kind: str, subject_id: int, *, not_before: datetime | None = None, **args) -> Effect:
    """Write the effect in the current transaction; it is queued once that commits, or by the
    repair pass once `not_before` has come (a reminder)."""
    now = timezone.now()
    later = not_before is not None and not_before > now
    effect = Effect.objects.create(
        kind=kind,
        subject_id=subject_id,
        args=args,
        next_attempt_at=not_before if later else now,
        queued_at=None if later else now,
    )
    if not later:
        # robust: a broker that is down must not stop the other on-commit work (or answer
        # 500); the repair pass finds the effect.
        transaction.on_commit(lambda: tasks.queue_effect(effect.pk), robust=True)
    return effect


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 600))


def perform(effect_id: int, *, now: datetime) -> str | None:
    """Carry out one effect unless it is done, failed or held by another worker.

    Returns the effect's status afterwards, or None when this call did not take it.
    """
    lease = now + LEASE
    taken = (
        Effect.objects.filter(pk=effect_id, status=Effect.Status.PENDING)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .update(locked_until=lease, attempts=F("attempts") + 1)
    )
    if not taken:
        return None
    effect = Effect.objects.get(pk=effect_id)
    try:
        handler = handler_for(effect.kind)
        handler.perform(effect)
    except GiveUp as exc:
        return _fail(effect, str(exc), lease=lease)
    except TryLater as exc:
        return _retry(effect, str(exc), lease=lease, now=now)
    except Exception as exc:  # an outage nobody foresaw, a bug, a kind this worker does not know
        logger.exception("effect %s (%s) raised", effect.pk, effect.kind)
        return _retry(effect, f"{type(exc).__name__}: {exc}", lease=lease, now=now)
    _held(effect, lease).update(
        status=Effect.Status.DONE, done_at=timezone.now(), locked_until=None, last_error=""
    )
    return Effect.Status.DONE


def _held(effect, lease):
    """The effect, only while this worker's claim on it stands: a worker that outlived its
    lease must not overwrite what the one that took over decided."""
    return Effect.objects.filter(pk=effect.pk, status=Effect.Status.PENDING, locked_until=lease)


def _retry(effect, reason, *, lease, now):
    if effect.attempts >= MAX_ATTEMPTS:
        return _fail(effect, reason, lease=lease)
    logger.warning("effect %s (%s) will be retried: %s", effect.pk, effect.kind, reason)
    _held(effect, lease).update(
        next_attempt_at=now + backoff(effect.attempts),
        queued_at=None,
        locked_until=None,
        last_error=reason[:2000],
    )
    return Effect.Status.PENDING


def _fail(effect, reason, *, lease):
    logger.warning("effect %s (%s) failed for good: %s", effect.pk, effect.kind, reason)
    # Failed and said so where a person looks, or neither: a give-up that cannot be recorded
    # leaves the effect to be taken again after its lease.
    with transaction.atomic():
        if not _held(effect, lease).update(
            status=Effect.Status.FAILED, locked_until=None, last_error=reason[:2000]
        ):
            return None
        give_up = give_up_for(effect.kind)
        if give_up is not None:
            give_up(effect, reason)
    return Effect.Status.FAILED


def _due(now):
    return (
        Effect.objects.filter(status=Effect.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .order_by("next_attempt_at")
    )


def requeue_due(*, now: datetime) -> int:
    """The repair pass: hand every due effect that nobody holds to the broker (again), and
    forget done effects past KEEP_DONE."""
    Effect.objects.filter(status=Effect.Status.DONE, done_at__lt=now - KEEP_DONE).delete()
    ids = list(
        _due(now)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=now - REQUEUE_AFTER))
        .values_list("pk", flat=True)[:REPAIR_BATCH]
    )
    Effect.objects.filter(pk__in=ids).update(queued_at=now)
    for effect_id in ids:
        tasks.queue_effect(effect_id)
    return len(ids)


def perform_due(*, now: datetime, rounds: int = 10) -> int:
    """Carry out every due effect in this process (tests, the fault drill, a shell), and the
    ones those record in turn (a confirmation after its Outlook write), as workers would."""
    taken = 0
    for _ in range(rounds):
        moment = max(now, timezone.now())  # effects recorded meanwhile are due by now
        ids = list(_due(moment).values_list("pk", flat=True))
        done = sum(1 for effect_id in ids if perform(effect_id, now=moment) is not None)
        taken += done
        if not done:
            break
    return taken

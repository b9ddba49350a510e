"""Celery entry points for the outbox: thin wrappers around outbox.services."""

import logging
import time

from celery import shared_task
from django.utils import timezone
from kombu.exceptions import OperationalError

from . import services
from .models import Effect

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def perform_effect_task(effect_id):
    services.perform(effect_id, now=timezone.now())


@shared_task(ignore_result=True)
def repair_effects_task():
    """Run by beat every OUTBOX_REPAIR_INTERVAL seconds."""
    services.requeue_due(now=timezone.now())


# After a failed hand-over, this process leaves effects to the repair pass for a while
# instead of paying the broker's timeouts again for each one (a request records several).
BROKER_DOWN_PAUSE = 30.0  # seconds
_broker_down_until = 0.0


def queue_effect(effect_id):
    """Hand an effect to the broker; if it is down, the repair pass hands it over later."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        Effect.objects.filter(pk=effect_id, status=Effect.Status.PENDING).update(queued_at=None)
        return
    try:
        perform_effect_task.delay(effect_id)
    except OperationalError as exc:
        _broker_down_until = time.monotonic() + BROKER_DOWN_PAUSE
        logger.warning("could not queue effect %s: %s", effect_id, exc)
        Effect.objects.filter(pk=effect_id, status=Effect.Status.PENDING).update(queued_at=None)

"""Celery entry points for the outbox: thin wrappers around outbox.services."""

import logging

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


def queue_effect(effect_id):
    """Hand an effect to the broker; if it is down, the repair pass hands it over later."""
    try:
        perform_effect_task.delay(effect_id)
    except OperationalError as exc:
        logger.warning("could not queue effect %s: %s", effect_id, exc)
        Effect.objects.filter(pk=effect_id, status=Effect.Status.PENDING).update(queued_at=None)

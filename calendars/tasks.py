"""Celery entry points: thin wrappers around calendars.sync."""

import logging

from celery import shared_task
from django.utils import timezone
from kombu.exceptions import OperationalError

from okomo import metrics

from . import sync

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def dispatch_due_syncs_task():
    """Run by beat every CALENDAR_SYNC_DISPATCH_INTERVAL seconds."""
    for connection_id in sync.claim_due_connections(now=timezone.now()):
        sync_claimed_calendar_task.delay(connection_id)


@shared_task(ignore_result=True)
def sync_claimed_calendar_task(connection_id):
    # Gone, already syncing, or synced since the claim: run_sync returns None.
    metrics.record_sync(lambda: sync.run_sync(connection_id, now=timezone.now(), claimed=True))


@shared_task(ignore_result=True)
def sync_calendar_task(connection_id):
    # Gone or already syncing: run_sync returns None and there is nothing to do.
    metrics.record_sync(lambda: sync.run_sync(connection_id, now=timezone.now()))


def queue_sync(connection_id):
    """Ask a worker to sync soon; if the broker is down, beat catches up later."""
    try:
        sync_calendar_task.delay(connection_id)
    except OperationalError as exc:
        logger.warning("could not queue a calendar sync: %s", exc)

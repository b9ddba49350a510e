"""Celery entry points: thin wrappers around calendars.sync."""

import logging

from celery import shared_task
from django.utils import timezone
from kombu.exceptions import OperationalError

from okomo import metrics

from . import subscriptions, sync
from .models import CalendarConnection, Subscription

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def dispatch_due_syncs_task():
    """Run by beat every CALENDAR_SYNC_DISPATCH_INTERVAL seconds."""
    for connection_id in sync.claim_due_connections(now=timezone.now()):
        sync_claimed_calendar_task.delay(connection_id)


@shared_task(ignore_result=True)
def sync_claimed_calendar_task(connection_id):
    # Gone, already syncing, or synced since the claim: run_sync returns None. Subscriptions
    # are left to their hourly pass: checked after every interval's sync, they would cost
    # four statements a calendar and change nothing almost every time.
    metrics.record_sync(lambda: sync.run_sync(connection_id, now=timezone.now(), claimed=True))


@shared_task(ignore_result=True)
def sync_calendar_task(connection_id):
    # Gone or already syncing: run_sync returns None and there is nothing to do.
    metrics.record_sync(lambda: sync.run_sync(connection_id, now=timezone.now()))
    _maintain_subscriptions(connection_id)


@shared_task(ignore_result=True)
def sync_notified_calendar_task(connection_id):
    """The sync a change notification asked for (debounced: see sync.claim_notified_sync)."""
    now = timezone.now()
    if not sync.start_notified_sync(connection_id, now=now):
        return  # disconnected meanwhile
    result = metrics.record_sync(lambda: sync.run_sync(connection_id, now=now))
    if result is None:
        # Another sync of the calendar is running and may have read it before the change.
        subscriptions.queue_notified_sync(connection_id, now=now)


@shared_task(ignore_result=True)
def maintain_subscriptions_task():
    """Beat, hourly: renew, recreate or drop each connection's live-update subscriptions."""
    now = timezone.now()
    connections = CalendarConnection.objects.filter(status=CalendarConnection.Status.CONNECTED)
    if not subscriptions.enabled():
        # Live updates were turned off: only connections still holding subscriptions.
        connections = connections.filter(subscriptions__isnull=False).distinct()
    for connection in connections.select_related("expert"):
        try:
            subscriptions.maintain(connection, now=now)
        except CalendarConnection.DoesNotExist:
            continue  # disconnected while this pass ran: its subscriptions went with it


@shared_task(ignore_result=True)
def subscription_lifecycle_task(subscription_pk, event):
    connection_id = (
        Subscription.objects.filter(pk=subscription_pk)
        .values_list("connection_id", flat=True)
        .first()
    )
    if subscriptions.handle_lifecycle(subscription_pk, event, now=timezone.now()):
        subscriptions.queue_notified_sync(connection_id, now=timezone.now())


def _maintain_subscriptions(connection_id):
    # After a sync someone asked for (connect, calendars chosen, "Sync now"): subscriptions
    # follow the blocking calendars. Without live updates nothing is asked of anyone.
    if not subscriptions.enabled():
        return
    connection = CalendarConnection.objects.filter(pk=connection_id).first()
    if connection is not None:
        subscriptions.maintain(connection, now=timezone.now())


def queue_sync(connection_id):
    """Ask a worker to sync soon; if the broker is down, beat catches up later."""
    try:
        sync_calendar_task.delay(connection_id)
    except OperationalError as exc:
        logger.warning("could not queue a calendar sync: %s", exc)


def queue_notified_sync(connection_id, *, countdown):
    try:
        sync_notified_calendar_task.apply_async((connection_id,), countdown=countdown)
    except OperationalError as exc:
        # The claim lapses after the reclaim time; the interval's sync comes anyway.
        logger.warning("could not queue a notified calendar sync: %s", exc)


def queue_lifecycle(subscription_pk, event):
    try:
        subscription_lifecycle_task.delay(subscription_pk, event)
    except OperationalError as exc:
        logger.warning("could not queue a subscription lifecycle event: %s", exc)

"""Live updates: Graph change-notification subscriptions on the blocking calendars.

With MICROSOFT_NOTIFICATION_URL set, each connection holds one subscription per blocking
calendar. Microsoft then POSTs a notification on every change there, and the portal queues a
sync of the calendar (it never reads the changed event). The 30-minute sync stays as the
floor: a lost notification costs at most one interval, as without live updates.
"""

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError
from django.urls import reverse
from django.utils.translation import gettext as _

from . import graph, sync
from .identity import MicrosoftUnavailable, ReconnectNeeded
from .models import Calendar, CalendarConnection, Subscription
from .signals import announce_outlook_events_deleted
from .tokens import call_with_token

logger = logging.getLogger(__name__)

# Graph allows event subscriptions 10,080 minutes; three days, renewed with a day left, leave
# two days of hourly renewal attempts before a subscription lapses.
LIFETIME = timedelta(days=3)
RENEW_WHEN_LEFT = timedelta(days=1)
LIFECYCLE_EVENTS = ("reauthorizationRequired", "subscriptionRemoved", "missed")
DEFAULT_RESOURCE = "/me/events"


def enabled() -> bool:
    return bool(settings.MICROSOFT_NOTIFICATION_URL)


def notification_url() -> str:
    return settings.MICROSOFT_NOTIFICATION_URL + reverse("calendars:notifications")


def lifecycle_url() -> str:
    return settings.MICROSOFT_NOTIFICATION_URL + reverse("calendars:lifecycle")


def resource_of(calendar: Calendar | None) -> str:
    """The events resource Graph watches for a calendar (None: the default one, unlisted)."""
    if calendar is None or calendar.is_default:
        return DEFAULT_RESOURCE
    return f"/me/calendars/{calendar.graph_id}/events"


def wanted_resources(connection: CalendarConnection) -> set[str]:
    """One resource per blocking calendar; the default calendar before any list was read."""
    listed = list(Calendar.objects.filter(connection=connection))
    if not listed:
        return {DEFAULT_RESOURCE}
    return {resource_of(calendar) for calendar in listed if calendar.blocks}


def maintain(connection: CalendarConnection, *, now: datetime) -> None:
    """Make the connection's subscriptions match its blocking calendars: drop the unwanted
    (unticked calendar, other account or address, live updates turned off), renew those with
    less than RENEW_WHEN_LEFT left, create the missing. Failures are logged; the next run
    (hourly, and after a sync someone asked for) tries again."""
    connection.refresh_from_db(fields=["status", "home_account_id"])
    if connection.status != CalendarConnection.Status.CONNECTED:
        return
    wanted = wanted_resources(connection) if enabled() else set()
    url = notification_url() if enabled() else ""
    try:
        kept = set()
        for subscription in Subscription.objects.filter(connection=connection):
            usable = (
                subscription.resource in wanted
                and subscription.account == connection.home_account_id
                and subscription.notification_url == url
                and subscription.expires_at > now
            )
            if not usable:
                _delete(connection, subscription, now=now)
            elif subscription.expires_at - now < RENEW_WHEN_LEFT:
                if _renew(connection, subscription, now=now):
                    kept.add(subscription.resource)
            else:
                kept.add(subscription.resource)
        for resource in sorted(wanted - kept):
            create(connection, resource, now=now)
    except (ReconnectNeeded, MicrosoftUnavailable, graph.GraphError) as exc:
        logger.warning("live updates not maintained expert=%s: %s", connection.expert_id, exc)


def create(connection: CalendarConnection, resource: str, *, now: datetime) -> Subscription | None:
    """Subscribe to a calendar's events (Microsoft checks the notification URL first)."""
    client_state = secrets.token_urlsafe(32)
    info = call_with_token(
        connection,
        lambda token: graph.create_subscription(
            token,
            resource=resource,
            notification_url=notification_url(),
            lifecycle_url=lifecycle_url(),
            expires_at=now + LIFETIME,
            client_state=client_state,
        ),
    )
    try:
        subscription = Subscription.objects.create(
            connection=connection,
            graph_id=info.id,
            resource=resource,
            account=connection.home_account_id,
            client_state=client_state,
            notification_url=notification_url(),
            expires_at=info.expires_at,
        )
    except IntegrityError:
        # Another worker subscribed the same calendar meanwhile: one subscription is enough.
        call_with_token(connection, lambda token: graph.delete_subscription(token, info.id))
        return None
    logger.info("live updates on expert=%s resource=%s", connection.expert_id, resource)
    return subscription


def _renew(connection, subscription, *, now):
    try:
        info = call_with_token(
            connection,
            lambda token: graph.renew_subscription(token, subscription.graph_id, now + LIFETIME),
        )
    except graph.GraphError as exc:
        if exc.status != 404:
            raise
        # Microsoft no longer has it (removed, or expired meanwhile): made again by the caller.
        subscription.delete()
        return False
    Subscription.objects.filter(pk=subscription.pk).update(expires_at=info.expires_at)
    return True


def _delete(connection, subscription, *, now):
    if subscription.account == connection.home_account_id and subscription.expires_at > now:
        call_with_token(
            connection, lambda token: graph.delete_subscription(token, subscription.graph_id)
        )
    subscription.delete()


def delete_all(connection: CalendarConnection) -> None:
    """Unsubscribe before the connection goes (disconnect). Microsoft not answering leaves
    its subscriptions to expire (at most LIFETIME); their notifications then match nothing."""
    for subscription in Subscription.objects.filter(connection=connection):
        try:
            call_with_token(
                connection,
                lambda token, s=subscription: graph.delete_subscription(token, s.graph_id),
            )
        except (ReconnectNeeded, MicrosoftUnavailable, graph.GraphError) as exc:
            logger.info("subscription not deleted expert=%s: %s", connection.expert_id, exc)
        subscription.delete()


@dataclass(frozen=True)
class Received:
    connections: set[int]  # connections with a genuine notification: to sync
    forged: int  # notifications with an unknown subscription or a wrong clientState


def received(items: list, *, now: datetime) -> Received:
    """Check each notification's clientState against its subscription's (in constant time);
    note the genuine ones and report events deleted in Outlook. Reads no event."""
    known = _subscriptions_of(items)
    genuine = {}
    forged = 0
    deleted = {}
    for item in items:
        subscription = _genuine(item, known)
        if subscription is None:
            forged += 1
            continue
        genuine[subscription.pk] = subscription
        if item.get("changeType") == "deleted":
            event_id = _event_id(item)
            if event_id:
                deleted.setdefault(subscription.connection.expert_id, []).append(event_id)
    if genuine:
        Subscription.objects.filter(pk__in=genuine).update(last_notification_at=now)
    for expert_id, event_ids in deleted.items():
        announce_outlook_events_deleted(expert_id, event_ids)
    return Received({s.connection_id for s in genuine.values()}, forged)


def lifecycle_received(items: list) -> list[tuple[int, str]]:
    """The genuine lifecycle notifications as (subscription pk, event)."""
    known = _subscriptions_of(items)
    found = []
    for item in items:
        subscription = _genuine(item, known)
        event = item.get("lifecycleEvent") if subscription is not None else None
        if event in LIFECYCLE_EVENTS:
            found.append((subscription.pk, event))
    return found


def _subscriptions_of(items):
    """The stored subscriptions the notifications name, in one query."""
    ids = [item.get("subscriptionId") for item in items if isinstance(item, dict)]
    ids = {i for i in ids if isinstance(i, str) and i}
    found = Subscription.objects.select_related("connection").filter(graph_id__in=ids)
    return {subscription.graph_id: subscription for subscription in found}


def _genuine(item, known):
    if not isinstance(item, dict):
        return None
    graph_id, state = item.get("subscriptionId"), item.get("clientState")
    subscription = known.get(graph_id) if isinstance(graph_id, str) else None
    if subscription is None or not isinstance(state, str):
        return None
    if not hmac.compare_digest(subscription.client_state.encode(), state.encode()):
        return None
    return subscription


def _event_id(item):
    data = item.get("resourceData")
    event_id = data.get("id") if isinstance(data, dict) else None
    return event_id if isinstance(event_id, str) and event_id else None


def handle_lifecycle(subscription_pk: int, event: str, *, now: datetime) -> bool:
    """Act on a lifecycle notification; True when the calendar should be synced in full
    (notifications may have been lost)."""
    subscription = Subscription.objects.select_related("connection").filter(pk=subscription_pk)
    subscription = subscription.first()
    if subscription is None:
        return False
    connection = subscription.connection
    if event == "missed":
        return True
    try:
        if event == "reauthorizationRequired":
            try:
                call_with_token(
                    connection,
                    lambda token: graph.reauthorize_subscription(token, subscription.graph_id),
                )
                return False
            except graph.GraphError as exc:
                if exc.status != 404:
                    raise
        # subscriptionRemoved, or a reauthorization Microsoft no longer knows: made again.
        subscription.delete()
        maintain(connection, now=now)
    except (ReconnectNeeded, MicrosoftUnavailable, graph.GraphError) as exc:
        logger.warning("lifecycle %s not handled expert=%s: %s", event, connection.expert_id, exc)
    return event == "subscriptionRemoved"


def live_status(connection: CalendarConnection) -> dict:
    """ "Live updates: on / off (why)" and the earliest expiry, for the settings tab and admin."""
    expires = (
        Subscription.objects.filter(connection=connection)
        .order_by("expires_at")
        .values_list("expires_at", flat=True)
        .first()
    )
    if not enabled():
        return {"on": False, "text": _("off (this portal has no public address for Microsoft)")}
    if connection.needs_reconnect:
        return {"on": False, "text": _("off until you reconnect")}
    if expires is None:
        if not wanted_resources(connection):
            return {"on": False, "text": _("off (no calendar blocks booking times)")}
        return {"on": False, "text": _("off (Microsoft has not confirmed them yet)")}
    return {"on": True, "text": _("on"), "expires_at": expires}


def queue_notified_sync(connection_id: int, *, now: datetime) -> None:
    """Queue a sync for a notification unless one is waiting already (see sync.py)."""
    from . import tasks

    countdown = sync.claim_notified_sync(connection_id, now=now)
    if countdown is not None:
        tasks.queue_notified_sync(connection_id, countdown=countdown)

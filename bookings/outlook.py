"""Accepted appointments into the expert's Outlook calendar, and out again when cancelled."""

import logging

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from calendars import graph, services
from calendars.identity import MicrosoftUnavailable, ReconnectNeeded
from calendars.models import CalendarConnection
from calendars.tasks import queue_sync
from calendars.tokens import call_with_token

from .models import Booking

logger = logging.getLogger(__name__)


class TryLater(Exception):
    """Microsoft could not be reached; the task retries with backoff."""


def event_payload(booking: Booking) -> dict:
    """The Outlook event: the customer's name and message, no attendees (Okomo mails the
    customer itself; Outlook must not send invitations)."""
    expert = booking.expert
    zone = expert.time_zone
    link = settings.SITE_URL + reverse("bookings:expert_list") + f"#booking-{booking.uuid}"
    with translation.override(expert.language):
        subject = _("Okomo appointment with %(name)s") % {"name": booking.customer_name}
        intro = _("Online appointment booked through Okomo.")
        message = _("Message from the customer:")
        details = _("Details in Okomo:")
    body = f"<p>{escape(intro)}</p>"
    if booking.customer_message:
        body += f"<p>{escape(message)}<br>{escape(booking.customer_message)}</p>"
    body += f'<p>{escape(details)} <a href="{escape(link)}">{escape(link)}</a></p>'
    local = expert.zone
    return {
        "subject": subject,
        "body": {"contentType": "HTML", "content": body},
        "start": {
            "dateTime": booking.start.astimezone(local).strftime("%Y-%m-%dT%H:%M:%S"),
            "timeZone": zone,
        },
        "end": {
            "dateTime": booking.end.astimezone(local).strftime("%Y-%m-%dT%H:%M:%S"),
            "timeZone": zone,
        },
        "showAs": "busy",
        "isReminderOn": True,
        "reminderMinutesBeforeStart": 15,
        "location": {"displayName": "Online"},
        # Stable per booking: a retried write returns the first event instead of a second one.
        "transactionId": f"okomo-booking-{booking.uuid}",
        "allowNewTimeProposals": False,
    }


def write_event(booking_id: int) -> bool:
    """Write the accepted booking's event; True when it was cancelled meanwhile and the
    fresh event must be removed again."""
    booking = Booking.objects.select_related("expert").filter(pk=booking_id).first()
    if booking is None or booking.status != Booking.Status.ACCEPTED:
        return False
    if booking.outlook_state == Booking.Outlook.WRITTEN:
        return False
    connection = _connection(booking)
    if connection is None:
        _set(booking, Booking.Outlook.WRITE_FAILED, "no calendar connected")
        return False
    try:
        created = call_with_token(
            connection, lambda token: graph.create_event(token, event_payload(booking))
        )
    except ReconnectNeeded as exc:
        services.mark_reconnect_needed(connection, str(exc))
        _set(booking, Booking.Outlook.WRITE_FAILED, str(exc))
        return False
    except (MicrosoftUnavailable, graph.GraphError) as exc:
        if isinstance(exc, graph.GraphError) and exc.permanent:
            _set(booking, Booking.Outlook.WRITE_FAILED, str(exc))
            return False
        raise TryLater(str(exc)) from exc
    # A cancellation may have arrived while the event was being written.
    written = Booking.objects.filter(pk=booking.pk, status=Booking.Status.ACCEPTED).update(
        outlook_event_id=created.id, outlook_state=Booking.Outlook.WRITTEN, outlook_problem=""
    )
    if not written:
        Booking.objects.filter(pk=booking.pk).update(outlook_event_id=created.id)
    queue_sync(connection.pk)
    logger.info("outlook event written booking=%s", booking.uuid)
    return not written


def remove_event(booking_id: int) -> None:
    booking = Booking.objects.select_related("expert").filter(pk=booking_id).first()
    if booking is None or booking.status != Booking.Status.CANCELLED:
        return
    if not booking.outlook_event_id:
        # Never written, or a write still under way: that write sees the cancellation and
        # asks for the removal itself once it knows the event id.
        _set(booking, Booking.Outlook.REMOVED, "")
        return
    connection = _connection(booking)
    if connection is None:
        _set(booking, Booking.Outlook.REMOVE_FAILED, "no calendar connected")
        return
    try:
        call_with_token(
            connection, lambda token: graph.delete_event(token, booking.outlook_event_id)
        )
    except ReconnectNeeded as exc:
        services.mark_reconnect_needed(connection, str(exc))
        _set(booking, Booking.Outlook.REMOVE_FAILED, str(exc))
        return
    except (MicrosoftUnavailable, graph.GraphError) as exc:
        if isinstance(exc, graph.GraphError) and exc.permanent:
            _set(booking, Booking.Outlook.REMOVE_FAILED, str(exc))
            return
        raise TryLater(str(exc)) from exc
    _set(booking, Booking.Outlook.REMOVED, "")
    queue_sync(connection.pk)
    logger.info("outlook event removed booking=%s", booking.uuid)


def _connection(booking):
    return CalendarConnection.objects.filter(
        expert=booking.expert, status=CalendarConnection.Status.CONNECTED
    ).first()


def _set(booking, state, problem):
    Booking.objects.filter(pk=booking.pk).update(outlook_state=state, outlook_problem=problem)

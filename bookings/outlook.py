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
from outbox.handlers import GiveUp, TryLater

from .models import Booking

logger = logging.getLogger(__name__)


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
    fresh event must be removed again.

    Raises TryLater while Microsoft cannot be reached, GiveUp when it refuses the event.
    """
    booking = Booking.objects.select_related("expert").filter(pk=booking_id).first()
    if booking is None or booking.status != Booking.Status.ACCEPTED:
        return False
    if booking.outlook_state == Booking.Outlook.WRITTEN:
        return False
    connection = _connection(booking)
    created = _call(connection, lambda token: graph.create_event(token, event_payload(booking)))
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
    """Remove a cancelled booking's event; raises TryLater or GiveUp as write_event does."""
    booking = Booking.objects.select_related("expert").filter(pk=booking_id).first()
    if booking is None or booking.status != Booking.Status.CANCELLED:
        return
    if not booking.outlook_event_id:
        # Never written, or a write still under way: that write sees the cancellation and
        # asks for the removal itself once it knows the event id.
        _set(booking, Booking.Outlook.REMOVED, "")
        return
    connection = _connection(booking)
    _call(connection, lambda token: graph.delete_event(token, booking.outlook_event_id))
    _set(booking, Booking.Outlook.REMOVED, "")
    queue_sync(connection.pk)
    logger.info("outlook event removed booking=%s", booking.uuid)


def _call(connection, call):
    """call(token) against the connected calendar, its failures sorted into retry or not."""
    if connection is None:
        raise GiveUp("No Outlook calendar is connected.")
    if connection.status != CalendarConnection.Status.CONNECTED:
        raise GiveUp("Microsoft no longer accepts the connection; reconnect your calendar.")
    try:
        return call_with_token(connection, call)
    except ReconnectNeeded as exc:
        services.mark_reconnect_needed(connection, str(exc))
        raise GiveUp(
            f"Microsoft no longer accepts the connection; reconnect your calendar. ({exc})"
        ) from exc
    except graph.GraphError as exc:
        if exc.permanent:
            # Microsoft's own words: a refused event is not a connection problem.
            raise GiveUp(f"Microsoft refused it: {exc}") from exc
        raise TryLater(str(exc)) from exc
    except MicrosoftUnavailable as exc:
        raise TryLater(str(exc)) from exc


def _connection(booking):
    return CalendarConnection.objects.filter(expert=booking.expert).first()


def _set(booking, state, problem):
    Booking.objects.filter(pk=booking.pk).update(outlook_state=state, outlook_problem=problem)

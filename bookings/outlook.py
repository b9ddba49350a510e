"""Appointments in the expert's Outlook calendar: written when confirmed (into the calendar
chosen for new appointments), moved when rescheduled, removed when cancelled, always in the
Microsoft account they were written to."""

import logging

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from calendars import graph, services
from calendars.identity import MicrosoftUnavailable, ReconnectNeeded
from calendars.models import Calendar, CalendarConnection
from calendars.tasks import queue_sync
from calendars.tokens import call_with_token
from outbox.handlers import GiveUp, TryLater

from .models import Booking, BookingSettings

logger = logging.getLogger(__name__)

TEAMS = "teamsForBusiness"


def _times(booking):
    local, zone = booking.expert.zone, booking.expert.time_zone
    return {
        "start": {
            "dateTime": booking.start.astimezone(local).strftime("%Y-%m-%dT%H:%M:%S"),
            "timeZone": zone,
        },
        "end": {
            "dateTime": booking.end.astimezone(local).strftime("%Y-%m-%dT%H:%M:%S"),
            "timeZone": zone,
        },
    }


def event_payload(booking: Booking, *, teams: bool) -> dict:
    """The Outlook event: the customer's name and message, how to meet, no attendees (Okomo
    mails the customer itself; Outlook must not send invitations)."""
    expert = booking.expert
    link = settings.SITE_URL + reverse("bookings:expert_list") + f"#booking-{booking.uuid}"
    with translation.override(expert.language):
        subject = _("Okomo appointment with %(name)s") % {"name": booking.customer_name}
        intro = _("Appointment booked through Okomo.")
        message = _("Message from the customer:")
        details = _("Details in Okomo:")
        if booking.meeting == BookingSettings.Meeting.PHONE:
            place = _("Phone: %(number)s") % {"number": booking.customer_phone}
        elif booking.join_url and not teams:
            place = booking.join_url
        else:
            place = _("Online")
    body = f"<p>{escape(intro)}</p>"
    if booking.join_url and not teams:
        body += f'<p><a href="{escape(booking.join_url)}">{escape(booking.join_url)}</a></p>'
    if booking.customer_message:
        body += f"<p>{escape(message)}<br>{escape(booking.customer_message)}</p>"
    body += f'<p>{escape(details)} <a href="{escape(link)}">{escape(link)}</a></p>'
    payload = {
        "subject": subject,
        "body": {"contentType": "HTML", "content": body},
        **_times(booking),
        "showAs": "busy",
        "isReminderOn": True,
        "reminderMinutesBeforeStart": 15,
        "location": {"displayName": place},
        # Stable per booking: a retried write returns the first event instead of a second one.
        "transactionId": f"okomo-booking-{booking.uuid}",
        "allowNewTimeProposals": False,
    }
    if teams:
        payload.update(isOnlineMeeting=True, onlineMeetingProvider=TEAMS)
    return payload


def write_event(booking_id: int) -> bool:
    """Write the confirmed booking's event; True when it was cancelled meanwhile and the
    fresh event must be removed again.

    Raises TryLater while Microsoft cannot be reached, GiveUp when it refuses the event.
    """
    booking = Booking.objects.select_related("expert").filter(pk=booking_id).first()
    if booking is None or booking.status != Booking.Status.ACCEPTED:
        return False
    if booking.outlook_state == Booking.Outlook.WRITTEN:
        return False
    connection = _connection(booking)
    wants_teams = booking.meeting == BookingSettings.Meeting.TEAMS
    teams = wants_teams and TEAMS in _call(connection, graph.meeting_providers)
    if wants_teams and not teams:
        # No Teams in this account: the event says how to meet as the customer's mail will.
        booking.join_url = _meeting_outcome(booking, "")["join_url"]
    written = _create(connection, event_payload(booking, teams=teams))
    fields = {
        "outlook_event_id": written.id,
        "outlook_account": connection.home_account_id,
        "outlook_account_address": connection.account_address,
    }
    if wants_teams:
        fields.update(_meeting_outcome(booking, written.join_url))
    # A cancellation may have arrived while the event was being written.
    kept = Booking.objects.filter(pk=booking.pk, status=Booking.Status.ACCEPTED).update(
        outlook_state=Booking.Outlook.WRITTEN, outlook_problem="", **fields
    )
    if not kept:
        Booking.objects.filter(pk=booking.pk).update(**fields)
    queue_sync(connection.pk)
    logger.info("outlook event written booking=%s teams=%s", booking.uuid, bool(written.join_url))
    return not kept


def _meeting_outcome(booking, join_url):
    """The join link of a Teams appointment: Outlook's, else the expert's own, else a note."""
    if join_url:
        return {"join_url": join_url, "meeting_problem": ""}
    own = booking.expert.booking_settings.meeting_link
    with translation.override(booking.expert.language):
        if own:
            note = _(
                "Microsoft made no Teams meeting for this account; your own video link was "
                "sent instead."
            )
        else:
            note = _(
                "Microsoft made no Teams meeting for this account. Please send the customer "
                "a link, and set your own video link in the booking settings."
            )
    return {"join_url": own, "meeting_problem": note}


def move_event(booking_id: int) -> None:
    """PATCH the event to the booking's current time: the same event, never a second one."""
    booking = Booking.objects.select_related("expert").filter(pk=booking_id).first()
    if booking is None or booking.status != Booking.Status.ACCEPTED:
        return
    if not booking.outlook_event_id:
        if booking.outlook_state == Booking.Outlook.WRITING:
            raise TryLater("the event is still being written")
        return  # never written: the write, whenever it comes, uses the new time
    connection = _connection(booking)
    if _left_behind(booking, connection):
        return
    _call(
        connection,
        lambda token: graph.update_event(token, booking.outlook_event_id, _times(booking)),
    )
    Booking.objects.filter(pk=booking.pk, status=Booking.Status.ACCEPTED).update(
        outlook_state=Booking.Outlook.WRITTEN, outlook_problem=""
    )
    queue_sync(connection.pk)
    logger.info("outlook event moved booking=%s", booking.uuid)


def remove_event(booking_id: int, *, write_unanswered: bool = False) -> None:
    """Remove a cancelled booking's event; raises TryLater or GiveUp as write_event does.

    write_unanswered: a write was sent but its answer never came (a timeout, a 504): the
    event may exist without Okomo knowing its id.
    """
    booking = Booking.objects.select_related("expert").filter(pk=booking_id).first()
    if booking is None or booking.status != Booking.Status.CANCELLED:
        return
    connection = _connection(booking)
    event_id = booking.outlook_event_id
    if not event_id and write_unanswered:
        # The same POST (same transactionId) answers with the event if the lost write made
        # it, or makes it now; either way it is then deleted.
        event_id = _create(connection, event_payload(booking, teams=False)).id
    elif not event_id:
        # Never written, or a write still under way: that write sees the cancellation and
        # asks for the removal itself once it knows the event id.
        _set_removed(booking)
        return
    elif _left_behind(booking, connection):
        return
    _call(connection, lambda token: graph.delete_event(token, event_id))
    _set_removed(booking)
    queue_sync(connection.pk)
    logger.info("outlook event removed booking=%s", booking.uuid)


def _set_removed(booking):
    """Removed from the connected account; a copy written into an account connected before
    it is still there (Okomo cannot reach it), so the booking says so, never "removed"."""
    if booking.previous_outlook_address:
        # Its event id in the connected account is gone: nothing is left to remove there.
        Booking.objects.filter(pk=booking.pk).update(
            outlook_state=Booking.Outlook.LEFT_BEHIND,
            outlook_problem=booking.previous_outlook_address,
            outlook_event_id="",
        )
    else:
        _set(booking, Booking.Outlook.REMOVED, "")


def _left_behind(booking, connection) -> bool:
    """An event lives in the account it was written to; with that account no longer
    connected, say where it is instead of pretending it was moved or removed."""
    if not booking.outlook_account:
        return False  # written before accounts were recorded: the connected one
    if connection is not None and connection.home_account_id == booking.outlook_account:
        return False
    _set(booking, Booking.Outlook.LEFT_BEHIND, booking.outlook_account_address)
    return True


def _create(connection, payload):
    """POST the event into the calendar chosen for new appointments (the default one unless
    the expert chose another). A repeated POST (same transactionId) goes to the same calendar,
    so a write whose answer was lost is found there rather than made twice. A chosen calendar
    deleted in Outlook meanwhile is dropped from the list and the default calendar takes the
    appointment. Event ids are mailbox-wide: moves and removals need no calendar."""
    target = (
        Calendar.objects.filter(connection=connection, receives_appointments=True).first()
        if connection is not None
        else None
    )
    if target is None or target.is_default:
        return _call(connection, lambda token: graph.create_event(token, payload))
    deleted = []

    def create(token):
        try:
            return graph.create_event(token, payload, calendar_id=target.graph_id)
        except graph.GraphError as exc:
            if exc.status != 404:
                raise
            deleted.append(target)
            return graph.create_event(token, payload)

    written = _call(connection, create)
    if deleted:
        logger.info("calendar for appointments deleted in outlook expert=%s", connection.expert_id)
        services.forget_calendar(target)
    return written


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

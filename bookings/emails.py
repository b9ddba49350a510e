"""Mails about bookings, each in its recipient's language and time zone, and the calendar
file (.ics) the customer's mails carry.

Every mail is an outbox effect (see bookings/effects.py): these functions only build the
message from the booking as it is when the mail goes out.
"""

from datetime import UTC
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress

from .cancel_links import cancel_url, reschedule_url
from .models import Booking, BookingSettings

ICS_NAME = "okomo-appointment.ics"


def _message(template, *, to, language, zone, context, attachments=()) -> EmailMessage:
    with translation.override(language), timezone.override(ZoneInfo(zone)):
        subject = render_to_string(f"bookings/email/{template}_subject.txt", context)
        body = render_to_string(f"bookings/email/{template}.txt", context)
    # A subject is one line whatever a customer typed into their name.
    message = EmailMessage(" ".join(subject.split()), body, None, [to])
    for attachment in attachments:
        message.attach(*attachment)
    return message


def _to_customer(template, booking, *, calendar=None, **extra):
    """calendar: "REQUEST" or "CANCEL" attaches the appointment's .ics with that method."""
    context = {
        "booking": booking,
        "expert": booking.expert,
        "zone": booking.customer_time_zone,
        "clock": booking.customer_clock,  # _when.txt: the customer's 12 h / 24 h
        "cancel_url": cancel_url(booking),
        "reschedule_url": reschedule_url(booking),
        **extra,
    }
    attachments = []
    if calendar:
        attachments.append(
            (ICS_NAME, ics(booking, method=calendar), f"text/calendar; method={calendar}")
        )
    return _message(
        template,
        to=booking.customer_email,
        language=booking.customer_language,
        zone=booking.customer_time_zone,
        context=context,
        attachments=attachments,
    )


def _to_expert(template, booking, **extra):
    expert = booking.expert
    return _message(
        template,
        to=expert.email,
        language=expert.language,
        zone=expert.time_zone,
        context={
            "booking": booking,
            "expert": expert,
            "zone": expert.time_zone,
            "clock": "",  # _when.txt: the expert's language format
            "requests_url": settings.SITE_URL + reverse("bookings:expert_list"),
            **extra,
        },
    )


def request_received(booking):
    return _to_customer("request_received", booking)


def new_request(booking, *, confirmed=False):
    """confirmed: the booking was confirmed automatically, nothing is left to answer."""
    return _to_expert("new_request", booking, confirmed=confirmed)


def accepted(booking):
    return _to_customer("accepted", booking, calendar="REQUEST")


def declined(booking):
    return _to_customer("declined", booking)


def cancelled(booking, *, by_customer=False, was_appointment=False):
    """was_appointment: it was in the customer's calendar, so a cancelling .ics goes along."""
    return _to_customer(
        "cancelled",
        booking,
        calendar="CANCEL" if was_appointment else None,
        by_customer=by_customer,
        was_appointment=was_appointment,
    )


def cancelled_by_customer(booking, *, was_appointment=True):
    return _to_expert("cancelled_by_customer", booking, was_appointment=was_appointment)


def rescheduled(booking):
    # Only a confirmed appointment is in the customer's calendar to be updated.
    appointment = booking.status == Booking.Status.ACCEPTED
    return _to_customer(
        "rescheduled",
        booking,
        calendar="REQUEST" if appointment else None,
        appointment=appointment,
    )


def rescheduled_expert(booking):
    return _to_expert("rescheduled_expert", booking)


def reminder(booking):
    return _to_customer("reminder", booking)


def meeting_changed(booking):
    """The join link changed after the confirmation (the appointment was written into another
    Microsoft account, or Teams made its link only on a later write)."""
    return _to_customer("meeting_changed", booking, calendar="REQUEST")


# The mails an effect can name (bookings.effects sends them).
MAILS = {
    "request_received": request_received,
    "new_request": new_request,
    "accepted": accepted,
    "declined": declined,
    "cancelled": cancelled,
    "cancelled_by_customer": cancelled_by_customer,
    "rescheduled": rescheduled,
    "rescheduled_expert": rescheduled_expert,
    "reminder": reminder,
    "meeting_changed": meeting_changed,
}


def _one_line(text):
    return " ".join(text.split())


def event_texts(booking, *, method: str = "REQUEST") -> tuple[str, str, str]:
    """The appointment's title, location and description as calendars show them, in the
    customer's language: the .ics file and the add-to-calendar links say the same."""
    expert = booking.expert
    with translation.override(booking.customer_language):
        summary = _("Appointment with %(name)s") % {"name": _one_line(expert.display_name)}
        if booking.join_url:
            location = booking.join_url
        elif booking.meeting == BookingSettings.Meeting.PHONE:
            location = _("Phone")
        else:
            location = _("Online")
        if method == "REQUEST":
            # The same sentences as in the mails: how to meet, another time, cancel.
            description = render_to_string(
                "bookings/email/_ics_description.txt",
                {
                    "booking": booking,
                    "expert": expert,
                    "cancel_url": cancel_url(booking),
                    "reschedule_url": reschedule_url(booking),
                },
            ).strip()
        elif booking.cancel_reason:
            description = _("Reason: %(reason)s") % {"reason": booking.cancel_reason}
        else:
            description = ""
    return summary, location, description


def ics(booking, *, method: str) -> str:
    """The appointment as a one-event iCalendar file (RFC 5545, iTIP method REQUEST or
    CANCEL) for the customer's calendar. Its UID never changes and its SEQUENCE is the
    booking's, so each file replaces the one before it."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unknown iTIP method {method!r}")
    expert = booking.expert
    organizer_address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    summary, location, description = event_texts(booking, method=method)

    organizer = vCalAddress(f"mailto:{organizer_address}")
    organizer.params["CN"] = _one_line(expert.display_name)
    attendee = vCalAddress(f"mailto:{booking.customer_email}")
    attendee.params["CN"] = _one_line(booking.customer_name)
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    # The customer booked it: no calendar should ask them to accept, nor send a reply to
    # an address nobody reads.
    attendee.params["PARTSTAT"] = "ACCEPTED"
    attendee.params["RSVP"] = "FALSE"

    event = Event()
    event.add("uid", f"{booking.uuid}@okomo")
    event.add("sequence", booking.sequence)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    event.add("summary", summary)
    event.add("location", location)
    if booking.join_url:
        event.add("url", booking.join_url)
    if description:
        event.add("description", description)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("organizer", organizer)
    event.add("attendee", attendee)

    calendar = Calendar()
    calendar.add("prodid", "-//Okomo//Bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add_component(event)
    return calendar.to_ical().decode()

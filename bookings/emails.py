"""Mails about bookings, each in its recipient's language and time zone.

Every mail is an outbox effect (see bookings/effects.py): these functions only build the
message from the booking as it is when the mail goes out.
"""

from datetime import UTC
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .cancel_links import cancel_url


def _message(template, *, to, language, zone, context, attachments=()) -> EmailMessage:
    with translation.override(language), timezone.override(ZoneInfo(zone)):
        subject = render_to_string(f"bookings/email/{template}_subject.txt", context)
        body = render_to_string(f"bookings/email/{template}.txt", context)
    # A subject is one line whatever a customer typed into their name.
    message = EmailMessage(" ".join(subject.split()), body, None, [to])
    for attachment in attachments:
        message.attach(*attachment)
    return message


def _to_customer(template, booking, attachments=(), **extra):
    context = {
        "booking": booking,
        "expert": booking.expert,
        "zone": booking.customer_time_zone,
        "cancel_url": cancel_url(booking),
        **extra,
    }
    return _message(
        template,
        to=booking.customer_email,
        language=booking.customer_language,
        zone=booking.customer_time_zone,
        context=context,
        attachments=attachments,
    )


def request_received(booking):
    return _to_customer("request_received", booking)


def new_request(booking):
    expert = booking.expert
    return _message(
        "new_request",
        to=expert.email,
        language=expert.language,
        zone=expert.time_zone,
        context={
            "booking": booking,
            "expert": expert,
            "zone": expert.time_zone,
            "requests_url": settings.SITE_URL + reverse("bookings:expert_list"),
        },
    )


def accepted(booking):
    return _to_customer(
        "accepted", booking, attachments=[("okomo-appointment.ics", ics(booking), "text/calendar")]
    )


def declined(booking):
    return _to_customer("declined", booking)


def cancelled(booking, *, by_customer=False):
    return _to_customer("cancelled", booking, by_customer=by_customer)


# The mails an effect can name (bookings.effects sends them).
MAILS = {
    "request_received": request_received,
    "new_request": new_request,
    "accepted": accepted,
    "declined": declined,
    "cancelled": cancelled,
}


def ics(booking) -> str:
    """A one-event iCalendar file (RFC 5545) for the customer's own calendar."""

    def stamp(moment):
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    def text(value):
        return (
            value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
        )

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Okomo//Bookings//EN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{booking.uuid}@okomo",
        f"DTSTAMP:{stamp(timezone.now())}",
        f"DTSTART:{stamp(booking.start)}",
        f"DTEND:{stamp(booking.end)}",
        f"SUMMARY:{text('Okomo: ' + booking.expert.display_name)}",
        "LOCATION:Online",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"

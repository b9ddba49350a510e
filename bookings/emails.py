"""Mails about bookings, each in its recipient's language and time zone."""

from datetime import UTC
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .cancel_links import cancel_url


def _send(template, *, to, language, zone, context, attachments=()):
    with translation.override(language), timezone.override(ZoneInfo(zone)):
        subject = render_to_string(f"bookings/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"bookings/email/{template}.txt", context)
    message = EmailMessage(subject, body, None, [to])
    for attachment in attachments:
        message.attach(*attachment)
    message.send()


def _customer(template, booking, **extra):
    attachments = extra.pop("attachments", ())
    context = {
        "booking": booking,
        "expert": booking.expert,
        "zone": booking.customer_time_zone,
        "cancel_url": cancel_url(booking),
        **extra,
    }
    _send(
        template,
        to=booking.customer_email,
        language=booking.customer_language,
        zone=booking.customer_time_zone,
        context=context,
        attachments=attachments,
    )


def send_request_emails(booking):
    _customer("request_received", booking)
    expert = booking.expert
    _send(
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


def send_accepted(booking):
    _customer(
        "accepted", booking, attachments=[("okomo-appointment.ics", ics(booking), "text/calendar")]
    )


def send_declined(booking):
    _customer("declined", booking)


def send_cancelled(booking, *, by_customer):
    _customer("cancelled", booking, by_customer=by_customer)


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

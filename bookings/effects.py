"""What follows a booking change, carried out by the outbox: mails and Outlook writes."""

import logging
import smtplib

from outbox import services as outbox
from outbox.handlers import GiveUp, TryLater, handler
from outbox.models import Effect

from . import emails, outlook
from .models import Booking

logger = logging.getLogger(__name__)

MAIL = "bookings.mail"
OUTLOOK_WRITE = "bookings.outlook_write"
OUTLOOK_REMOVE = "bookings.outlook_remove"


def mail(booking: Booking, name: str, **args) -> None:
    """Record that `name` (a key of emails.MAILS) is to be mailed about the booking."""
    outbox.record(MAIL, booking.pk, mail=name, **args)


def write_to_outlook(booking: Booking) -> None:
    outbox.record(OUTLOOK_WRITE, booking.pk)


def remove_from_outlook(booking: Booking) -> None:
    outbox.record(OUTLOOK_REMOVE, booking.pk)


def failed_mails(bookings) -> dict[int, list[str]]:
    """booking pk -> why each of its mails to the customer that finally failed did (for the
    expert's list)."""
    failed = {}
    for subject_id, error in (
        Effect.objects.filter(
            kind=MAIL, status=Effect.Status.FAILED, subject_id__in=[b.pk for b in bookings]
        )
        .exclude(args__mail="new_request")
        .values_list("subject_id", "last_error")
    ):
        failed.setdefault(subject_id, []).append(error)
    return failed


@handler(MAIL)
def send_mail(effect):
    booking = Booking.objects.select_related("expert").filter(pk=effect.subject_id).first()
    if booking is None:
        return
    args = dict(effect.args)
    name = args.pop("mail")
    if name == "accepted" and booking.status != Booking.Status.ACCEPTED:
        return  # cancelled before the confirmation went out: only the cancellation is sent
    message = emails.MAILS[name](booking, **args)
    # One Message-ID per effect: should a retry follow a send whose success was not recorded,
    # mail clients show the two copies as one.
    message.extra_headers["Message-ID"] = f"<{effect.uuid}@okomo>"
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        raise GiveUp(f"the mail server refused the address {message.to[0]}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TryLater(f"mail server: {exc.__class__.__name__}: {exc}") from exc


def _outlook_gave_up(state):
    def give_up(effect, reason):
        Booking.objects.filter(pk=effect.subject_id).update(
            outlook_state=state, outlook_problem=reason[:2000]
        )

    return give_up


@handler(OUTLOOK_WRITE, give_up=_outlook_gave_up(Booking.Outlook.WRITE_FAILED))
def write_event(effect):
    if outlook.write_event(effect.subject_id):
        # Cancelled while the event was being written: take the fresh event out again.
        booking = Booking.objects.get(pk=effect.subject_id)
        remove_from_outlook(booking)


@handler(OUTLOOK_REMOVE, give_up=_outlook_gave_up(Booking.Outlook.REMOVE_FAILED))
def remove_event(effect):
    outlook.remove_event(effect.subject_id)

"""What follows a booking change, carried out by the outbox: mails, reminders, Outlook."""

import logging
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from outbox import mail as outbox_mail
from outbox import services as outbox
from outbox.handlers import handler
from outbox.models import Effect

from . import emails, outlook
from .models import Booking

logger = logging.getLogger(__name__)

MAIL = "bookings.mail"
OUTLOOK_WRITE = "bookings.outlook_write"
OUTLOOK_MOVE = "bookings.outlook_move"
OUTLOOK_REMOVE = "bookings.outlook_remove"


def mail(booking: Booking, name: str, **args) -> None:
    """Record that `name` (a key of emails.MAILS) is to be mailed about the booking."""
    outbox.record(MAIL, booking.pk, mail=name, **args)


def remind(booking: Booking, *, hours: int, now) -> None:
    """The customer's reminder, `hours` before the start; none when that moment has passed."""
    when = booking.start - timedelta(hours=hours)
    if hours and when > now:
        # The start it was meant for: after a reschedule only the new reminder is sent.
        outbox.record(MAIL, booking.pk, not_before=when, mail="reminder", start=_key(booking))


def write_to_outlook(booking: Booking, *, confirm: bool = False) -> None:
    """confirm: the customer's confirmation waits for this write (it brings the Teams link)."""
    outbox.record(OUTLOOK_WRITE, booking.pk, confirm=confirm)


def move_in_outlook(booking: Booking) -> None:
    outbox.record(OUTLOOK_MOVE, booking.pk)


def remove_from_outlook(booking: Booking) -> None:
    outbox.record(OUTLOOK_REMOVE, booking.pk)


def _key(booking):
    return booking.start.isoformat()


def failed_mails(bookings) -> dict[int, list[str]]:
    """booking pk -> why each of its mails to the customer that finally failed did (for the
    expert's list)."""
    failed = {}
    for subject_id, error in (
        Effect.objects.filter(
            kind=MAIL, status=Effect.Status.FAILED, subject_id__in=[b.pk for b in bookings]
        )
        .exclude(args__mail__in=["new_request", "cancelled_by_customer", "rescheduled_expert"])
        .values_list("subject_id", "last_error")
    ):
        failed.setdefault(subject_id, []).append(error)
    return failed


# Mails that make sense only while the booking is still what they say.
STILL_TRUE = {
    "accepted": lambda booking, args: booking.status == Booking.Status.ACCEPTED,
    "rescheduled": lambda booking, args: (
        booking.status in (Booking.Status.REQUESTED, Booking.Status.ACCEPTED)
    ),
    "meeting_changed": lambda booking, args: (
        booking.status == Booking.Status.ACCEPTED and booking.join_url == args.get("join_url")
    ),
    "reminder": lambda booking, args: (
        booking.status == Booking.Status.ACCEPTED
        and args.get("start") == _key(booking)
        and booking.end > timezone.now()
    ),
}


@handler(MAIL)
def send_mail(effect):
    booking = Booking.objects.select_related("expert").filter(pk=effect.subject_id).first()
    if booking is None:
        return
    args = dict(effect.args)
    name = args.pop("mail")
    if name in STILL_TRUE and not STILL_TRUE[name](booking, args):
        return  # cancelled or moved meanwhile: the mail about that change is the one to send
    args.pop("start", None)
    args.pop("join_url", None)
    outbox_mail.send(emails.MAILS[name](booking, **args), effect)


def _confirm_after_write(effect):
    if effect.args.get("confirm"):
        booking = Booking.objects.filter(pk=effect.subject_id).first()
        if booking is not None:
            mail(booking, "accepted")


def _write_gave_up(effect, reason):
    # Only for a booking still to be written: a cancelled one shows its removal instead.
    Booking.objects.filter(pk=effect.subject_id, status=Booking.Status.ACCEPTED).update(
        outlook_state=Booking.Outlook.WRITE_FAILED, outlook_problem=reason[:2000]
    )
    # No Teams link then, but the customer is still told the appointment stands.
    _confirm_after_write(effect)


@handler(OUTLOOK_WRITE, give_up=_write_gave_up)
def write_event(effect):
    link_before = _join_url(effect.subject_id)
    orphaned = outlook.write_event(effect.subject_id)
    if orphaned:
        # Cancelled while the event was being written: take the fresh event out again.
        remove_from_outlook(Booking.objects.get(pk=effect.subject_id))
    elif effect.args.get("confirm"):
        _confirm_after_write(effect)
    elif _join_url(effect.subject_id) != link_before:
        # Written again (into another account, or after a failed first write): the customer
        # was confirmed with another link, or none, and must not be left with it.
        Booking.objects.filter(pk=effect.subject_id).update(sequence=F("sequence") + 1)
        booking = Booking.objects.get(pk=effect.subject_id)
        mail(booking, "meeting_changed", join_url=booking.join_url)


def _join_url(booking_id):
    return Booking.objects.filter(pk=booking_id).values_list("join_url", flat=True).first()


def _outlook_gave_up(state):
    def give_up(effect, reason):
        Booking.objects.filter(pk=effect.subject_id).update(
            outlook_state=state, outlook_problem=reason[:2000]
        )

    return give_up


@handler(OUTLOOK_MOVE, give_up=_outlook_gave_up(Booking.Outlook.WRITE_FAILED))
def move_event(effect):
    outlook.move_event(effect.subject_id)


@handler(OUTLOOK_REMOVE, give_up=_outlook_gave_up(Booking.Outlook.REMOVE_FAILED))
def remove_event(effect):
    # A write still waiting for its retry has reached Microsoft at least once, perhaps
    # creating the event though its answer was lost.
    unanswered = Effect.objects.filter(
        kind=OUTLOOK_WRITE,
        subject_id=effect.subject_id,
        status=Effect.Status.PENDING,
        attempts__gt=0,
    ).exists()
    outlook.remove_event(effect.subject_id, write_unanswered=unanswered)

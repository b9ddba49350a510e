"""Booking writes: request, accept, decline, cancel, expire.

What must follow a change (mails, Outlook writes) is recorded as an outbox effect in the same
transaction (bookings/effects.py); nothing slow or fallible runs here.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from calendars import graph, sync
from calendars.busy import UnusableEvent
from calendars.identity import MicrosoftUnavailable, ReconnectNeeded
from calendars.models import CalendarConnection
from calendars.tasks import queue_sync
from calendars.transport import deadline
from okomo.intervals import Interval

from . import effects, slot_cache
from .models import Booking, BookingSettings
from .offer import offer_for, offered_slots, settings_for

logger = logging.getLogger(__name__)


class BookingError(Exception):
    """A booking request that cannot be taken; `reason` picks the sentence shown."""

    def __init__(self, reason):
        super().__init__(reason)
        # "not_offered", "taken", "busy_now", "too_many_open", "phone_needed"
        self.reason = reason


class TransitionError(Exception):
    """The booking is no longer in a state that allows this action."""


class RequestExpired(TransitionError):
    """The request's hold has ended (at the latest at its start): it cannot be accepted."""


@dataclass(frozen=True)
class Customer:
    name: str
    email: str
    message: str
    language: str
    time_zone: str
    phone: str = ""
    clock: str = ""


def request_booking(expert, *, start: datetime, customer: Customer, now: datetime) -> Booking:
    """Hold a slot for a customer until the expert answers or the request expires; or, when
    the expert confirms automatically, make it an appointment at once."""
    offer = offer_for(expert, now=now)
    meeting = offer.settings.meeting
    if meeting == BookingSettings.Meeting.PHONE and not customer.phone:
        raise BookingError("phone_needed")
    end = start + offer.length
    day = Interval(start - timedelta(days=1), start + timedelta(days=1))
    if start not in offered_slots(expert, day, now=now):
        repeated = _same_request(expert, start, customer, now)
        if repeated:
            return repeated  # a double submit: the first request stands
        raise BookingError("not_offered")
    open_requests = (
        Booking.objects.for_expert(expert)
        .live(now)
        .filter(status=Booking.Status.REQUESTED, customer_email__iexact=customer.email)
        .count()
    )
    if open_requests >= settings.BOOKING_OPEN_REQUESTS_PER_EMAIL:
        raise BookingError("too_many_open")
    if _became_busy(expert, offer, start, end):
        queue_sync(expert.calendar_connection.pk)
        raise BookingError("busy_now")
    try:
        with transaction.atomic():
            expire_requests(now=now, expert=expert)
            # On SQLite this check is the guard (writers are serialised); on PostgreSQL the
            # exclusion constraint is, and this only saves a failed INSERT.
            if (
                Booking.objects.for_expert(expert)
                .live(now)
                .filter(start__lt=end, end__gt=start)
                .exists()
            ):
                raise BookingError("taken")
            booking = Booking.objects.create(
                expert=expert,
                start=start,
                end=end,
                customer_name=customer.name,
                customer_email=customer.email,
                customer_message=customer.message,
                customer_language=customer.language,
                customer_time_zone=customer.time_zone,
                customer_phone=customer.phone,
                customer_clock=customer.clock,
                meeting=meeting,
                join_url=offer.settings.meeting_link
                if meeting == BookingSettings.Meeting.LINK
                else "",
                # Never held past its own start: an unanswered request cannot become an
                # appointment that has already begun.
                expires_at=min(now + timedelta(hours=offer.settings.request_hold_hours), start),
            )
            if offer.settings.confirm_automatically:
                _confirm(booking, now=now)
                effects.mail(booking, "new_request", confirmed=True)
            else:
                effects.mail(booking, "request_received")
                effects.mail(booking, "new_request")
            _offer_changed(expert.pk)
    except IntegrityError as exc:
        raise BookingError("taken") from exc
    logger.info("booking requested expert=%s booking=%s", expert.pk, booking.uuid)
    return booking


def _same_request(expert, start, customer, now):
    return (
        Booking.objects.for_expert(expert)
        .live(now)
        .filter(start=start, customer_email__iexact=customer.email)
        .first()
    )


# The just-in-time check is part of a customer's request: it must never hold a web worker
# for long, whatever Microsoft does (Retry-After, a slow answer, a token refresh).
JUST_IN_TIME_DEADLINE = 4.0  # seconds


def _became_busy(expert, offer, start, end):
    """Re-read just this slot from Microsoft; if Microsoft cannot answer in time, trust the
    stored data (synced at most half an hour ago) and ask for a sync."""
    connection = CalendarConnection.objects.filter(
        expert=expert, status=CalendarConnection.Status.CONNECTED
    ).first()
    if connection is None:
        return False
    s = offer.settings
    reach = Interval(
        start - timedelta(minutes=s.buffer_before_minutes),
        end + timedelta(minutes=s.buffer_after_minutes),
    )
    try:
        # Every calendar the expert ticked, as the sync reads them.
        with deadline(JUST_IN_TIME_DEADLINE, person_waits=True):
            return bool(sync.read_busy(connection, reach))
    except (MicrosoftUnavailable, ReconnectNeeded, graph.GraphError, UnusableEvent) as exc:
        logger.warning(
            "just-in-time check skipped, decided on stored data expert=%s: %s", expert.pk, exc
        )
        queue_sync(connection.pk)
        return False


@transaction.atomic
def accept_booking(booking: Booking, *, now: datetime) -> Booking:
    booking = _locked(booking)
    if booking.status != Booking.Status.REQUESTED:
        raise TransitionError("only an open request can be accepted")
    if booking.expires_at <= now or booking.start <= now:
        raise RequestExpired("the request has expired")
    _confirm(booking, now=now)
    _offer_changed(booking.expert_id)
    return booking


def _confirm(booking, *, now):
    """Make the booking an appointment: into Outlook, confirmed to the customer, reminded."""
    booking.status = Booking.Status.ACCEPTED
    booking.decided_at = now
    # Without a calendar there is nothing to write (until one is connected: see
    # write_upcoming_to_outlook), and nothing to wait for.
    in_outlook = CalendarConnection.objects.filter(expert_id=booking.expert_id).exists()
    booking.outlook_state = Booking.Outlook.WRITING if in_outlook else Booking.Outlook.NONE
    fields = ["status", "decided_at", "outlook_state"]
    if not in_outlook and booking.meeting == BookingSettings.Meeting.TEAMS:
        # No Outlook to make a Teams meeting: the expert's own link, if there is one.
        booking.join_url = settings_for(booking.expert).meeting_link
        fields.append("join_url")
    booking.save(update_fields=fields)
    # A Teams appointment's confirmation waits for Outlook: it brings the join link.
    teams = in_outlook and booking.meeting == BookingSettings.Meeting.TEAMS
    if in_outlook:
        effects.write_to_outlook(booking, confirm=teams)
    if not teams:
        effects.mail(booking, "accepted")
    effects.remind(booking, hours=settings_for(booking.expert).reminder_hours, now=now)


@transaction.atomic
def decline_booking(booking: Booking, *, now: datetime) -> Booking:
    booking = _locked(booking)
    if booking.status != Booking.Status.REQUESTED:
        raise TransitionError("only an open request can be declined")
    booking.status = Booking.Status.DECLINED
    booking.decided_at = now
    booking.save(update_fields=["status", "decided_at"])
    effects.mail(booking, "declined")
    _offer_changed(booking.expert_id)
    return booking


@transaction.atomic
def cancel_booking(
    booking: Booking, *, now: datetime, by_customer: bool, reason: str = ""
) -> Booking:
    """Cancel a request or an appointment that has not begun; its Outlook event goes too."""
    booking = _locked(booking)
    if booking.status not in (Booking.Status.REQUESTED, Booking.Status.ACCEPTED):
        raise TransitionError("only a live booking can be cancelled")
    if booking.start <= now:
        raise TransitionError("an appointment that has begun cannot be cancelled")
    was_appointment = booking.status == Booking.Status.ACCEPTED
    booking.status = Booking.Status.CANCELLED
    booking.decided_at = now
    booking.cancel_reason = reason
    booking.cancelled_by_customer = by_customer
    booking.sequence += 1
    fields = ["status", "decided_at", "cancel_reason", "cancelled_by_customer", "sequence"]
    if booking.outlook_state in (
        Booking.Outlook.WRITING,
        Booking.Outlook.WRITTEN,
        Booking.Outlook.WRITE_FAILED,
    ):
        # A write may still be under way; the removal waits for its event id.
        booking.outlook_state = Booking.Outlook.REMOVING
        fields.append("outlook_state")
        effects.remove_from_outlook(booking)
    booking.save(update_fields=fields)
    effects.mail(booking, "cancelled", by_customer=by_customer, was_appointment=was_appointment)
    if by_customer:
        effects.mail(booking, "cancelled_by_customer", was_appointment=was_appointment)
    _offer_changed(booking.expert_id)
    return booking


def keep_without_outlook(booking: Booking) -> None:
    """The expert deleted the appointment in Outlook but keeps it for the customer: the
    booking stands, noted as no longer in Outlook (nothing is written back)."""
    Booking.objects.filter(pk=booking.pk, outlook_removed_at__isnull=False).update(
        outlook_removed_at=None, outlook_state=Booking.Outlook.REMOVED, outlook_event_id=""
    )


def reschedule_booking(
    booking: Booking, *, start: datetime, now: datetime, by_customer: bool
) -> Booking:
    """Move a request or an appointment to another free time, all or nothing: when the new
    time is gone, the booking keeps its old one."""
    expert = booking.expert
    if booking.status not in (Booking.Status.REQUESTED, Booking.Status.ACCEPTED):
        raise TransitionError("only a live booking can be moved")
    if booking.start <= now:
        raise TransitionError("an appointment that has begun cannot be moved")
    offer = offer_for(expert, now=now)
    end = start + (booking.end - booking.start)
    day = Interval(start - timedelta(days=1), start + timedelta(days=1))
    if start not in offered_slots(expert, day, now=now, ignoring=booking.pk):
        raise BookingError("not_offered")
    if _became_busy(expert, offer, start, end):
        queue_sync(expert.calendar_connection.pk)
        raise BookingError("busy_now")
    try:
        with transaction.atomic():
            booking = _locked(booking)
            if booking.status not in (Booking.Status.REQUESTED, Booking.Status.ACCEPTED):
                raise TransitionError("only a live booking can be moved")
            clash = (
                Booking.objects.for_expert(expert)
                .live(now)
                .filter(start__lt=end, end__gt=start)
                .exclude(pk=booking.pk)
            )
            if clash.exists():
                raise BookingError("taken")
            booking.start, booking.end = start, end
            booking.sequence += 1
            fields = ["start", "end", "sequence"]
            if booking.status == Booking.Status.REQUESTED:
                booking.expires_at = min(booking.expires_at, start)
                fields.append("expires_at")
            elif booking.outlook_state in (Booking.Outlook.WRITTEN, Booking.Outlook.WRITING):
                if booking.outlook_state == Booking.Outlook.WRITTEN:
                    booking.outlook_state = Booking.Outlook.MOVING
                    fields.append("outlook_state")
                effects.move_in_outlook(booking)
            elif booking.outlook_state == Booking.Outlook.WRITE_FAILED:
                booking.outlook_state = Booking.Outlook.WRITING
                fields.append("outlook_state")
                effects.write_to_outlook(booking)
            # The exclusion constraint (PostgreSQL) guards the new time; the old is freed by
            # the same UPDATE.
            booking.save(update_fields=fields)
            effects.mail(booking, "rescheduled")
            if by_customer:
                effects.mail(booking, "rescheduled_expert")
            if booking.status == Booking.Status.ACCEPTED:
                effects.remind(booking, hours=offer.settings.reminder_hours, now=now)
            _offer_changed(expert.pk)
    except IntegrityError as exc:
        raise BookingError("taken") from exc
    logger.info("booking moved expert=%s booking=%s", expert.pk, booking.uuid)
    return booking


def expire_requests(*, now: datetime, expert=None) -> int:
    """Requests nobody answered in time give their slot back."""
    stale = Booking.objects.filter(status=Booking.Status.REQUESTED, expires_at__lte=now)
    if expert is not None:
        stale = stale.filter(expert=expert)
    experts = set(stale.values_list("expert_id", flat=True))
    count = stale.update(status=Booking.Status.EXPIRED)
    for expert_id in experts:
        _offer_changed(expert_id)
    return count


@transaction.atomic
def write_upcoming_to_outlook(expert, *, account: str, now: datetime) -> int:
    """After (re)connecting: write the upcoming appointments that could not be written, and
    those whose events live in another Microsoft account, into the connected one; remove
    again what could not be removed."""
    upcoming = (
        Booking.objects.for_expert(expert)
        .select_for_update()
        .filter(status=Booking.Status.ACCEPTED, end__gt=now)
    )
    elsewhere = Q(outlook_event_id__gt="") & ~Q(outlook_account__in=["", account])
    never_written = Q(outlook_state__in=[Booking.Outlook.WRITE_FAILED, Booking.Outlook.NONE])
    rewrite = list(upcoming.filter(never_written | elsewhere))
    for booking in rewrite:
        moved_away = booking.outlook_event_id and booking.outlook_account not in ("", account)
        Booking.objects.filter(pk=booking.pk).update(
            outlook_state=Booking.Outlook.WRITING,
            outlook_problem="",
            outlook_event_id="",
            previous_outlook_address=(
                booking.outlook_account_address if moved_away else booking.previous_outlook_address
            ),
        )
        effects.write_to_outlook(booking)
    # Removals that gave up (the connection was refused) are tried again in the same account.
    unremoved = list(
        Booking.objects.for_expert(expert)
        .select_for_update()
        .filter(status=Booking.Status.CANCELLED, outlook_state=Booking.Outlook.REMOVE_FAILED)
        .filter(outlook_account__in=["", account])
    )
    for booking in unremoved:
        Booking.objects.filter(pk=booking.pk).update(
            outlook_state=Booking.Outlook.REMOVING, outlook_problem=""
        )
        effects.remove_from_outlook(booking)
    # Events left in this very account while it was not connected: a move or a removal
    # that could not reach them is carried out now.
    behind = list(
        Booking.objects.for_expert(expert)
        .select_for_update()
        .filter(
            outlook_state=Booking.Outlook.LEFT_BEHIND,
            outlook_account=account,
            outlook_event_id__gt="",
        )
        .filter(Q(status=Booking.Status.CANCELLED) | Q(status=Booking.Status.ACCEPTED, end__gt=now))
    )
    for booking in behind:
        if booking.status == Booking.Status.ACCEPTED:
            state, effect = Booking.Outlook.MOVING, effects.move_in_outlook
        else:
            state, effect = Booking.Outlook.REMOVING, effects.remove_from_outlook
        Booking.objects.filter(pk=booking.pk).update(outlook_state=state, outlook_problem="")
        effect(booking)
    return len(rewrite) + len(unremoved) + len(behind)


def _offer_changed(expert_id):
    # A cache that is down must not undo or fail the committed change (robust).
    transaction.on_commit(lambda: slot_cache.changed(expert_id), robust=True)


def _locked(booking):
    return Booking.objects.select_for_update().get(pk=booking.pk)

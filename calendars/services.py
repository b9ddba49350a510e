"""Writes to calendar connections: connect, disconnect, check, reconnect-needed."""

import logging
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import emails, graph
from .encryption import encrypt
from .identity import MicrosoftUnavailable, ReconnectNeeded, SignIn
from .models import BusyInterval, Calendar, CalendarConnection
from .signals import announce_busy_times_changed
from .tokens import call_with_token

logger = logging.getLogger(__name__)


class AccountInUse(Exception):
    """The Microsoft account is already connected to another expert."""


def connect_calendar(
    expert, *, sign_in: SignIn, me: graph.Me, meeting_providers: Sequence[str] = ()
) -> CalendarConnection:
    """Store (or replace) the expert's connection and list its calendars; a different account
    drops the old busy times and calendars.

    meeting_providers: the online meeting providers the calendar allows (empty: unknown).
    Raises AccountInUse when another expert has connected the same Microsoft account.
    """
    try:
        connection = _store_connection(
            expert, sign_in=sign_in, me=me, meeting_providers=list(meeting_providers)
        )
    except IntegrityError as exc:  # the unique constraint: a race past the check below
        raise AccountInUse() from exc
    # The account's calendars, so the expert can choose at once; without the list (Microsoft
    # did not answer) the default calendar is read, and the first sync tries again.
    refresh_calendars(connection)
    return connection


@transaction.atomic
def _store_connection(expert, *, sign_in, me, meeting_providers):
    taken = (
        CalendarConnection.objects.filter(account_oid=sign_in.oid, account_tid=sign_in.tid)
        .exclude(expert=expert)
        .exists()
    )
    if taken:
        raise AccountInUse()
    previous = CalendarConnection.objects.select_for_update().filter(expert=expert).first()
    if previous and (previous.account_oid, previous.account_tid) != (sign_in.oid, sign_in.tid):
        BusyInterval.objects.filter(connection=previous).delete()
        # Another account has other calendars: the list is read again for it.
        Calendar.objects.filter(connection=previous).delete()
    kind = CalendarConnection.AccountKind
    connection, _ = CalendarConnection.objects.update_or_create(
        expert=expert,
        defaults={
            "account_oid": sign_in.oid,
            "account_tid": sign_in.tid,
            "home_account_id": sign_in.home_account_id,
            "account_address": me.address or sign_in.username,
            "account_name": me.display_name or sign_in.name,
            "account_kind": kind.PERSONAL if sign_in.is_personal_account else kind.WORK,
            "token_cache": encrypt(sign_in.token_cache),
            "online_meeting_providers": meeting_providers,
            "busy_fingerprint": "",
            # The packed copy of the busy times goes with them (the privacy promise).
            "busy_packed": b"",
            "status": CalendarConnection.Status.CONNECTED,
            "last_problem": "",
            "last_problem_kind": "",
            "last_problem_at": None,
            "next_sync_at": timezone.now(),
            "connected_at": timezone.now(),
        },
    )
    announce_busy_times_changed(expert.pk)
    logger.info("calendar connected expert=%s kind=%s", expert.pk, connection.account_kind)
    return connection


@transaction.atomic
def disconnect_calendar(connection: CalendarConnection) -> None:
    """Forget the tokens and every busy time synced from this calendar."""
    BusyInterval.objects.filter(connection=connection).delete()
    connection.delete()
    announce_busy_times_changed(connection.expert_id)
    logger.info("calendar disconnected expert=%s", connection.expert_id)


def refresh_calendars(connection: CalendarConnection) -> bool:
    """Read the account's list of calendars and store it; False (logged) when Microsoft
    could not be asked, which leaves the stored list as it was and never fails the caller."""
    try:
        listed = call_with_token(connection, graph.list_calendars)
    except (ReconnectNeeded, MicrosoftUnavailable, graph.GraphError) as exc:
        logger.warning("calendar list not read expert=%s: %s", connection.expert_id, exc)
        return False
    store_calendars(connection, listed)
    return True


@transaction.atomic
def store_calendars(connection: CalendarConnection, listed: Sequence[graph.CalendarInfo]) -> None:
    """Make the stored calendars those listed, keeping the expert's choices.

    A new default calendar blocks and receives appointments, other new ones neither. A
    calendar no longer listed goes with its busy times. Busy times read before the list
    existed came from the default calendar and are marked so.
    """
    # The sync and the "Refresh the list" button may both list: one after the other.
    CalendarConnection.objects.select_for_update().filter(pk=connection.pk).first()
    stored = {c.graph_id: c for c in Calendar.objects.filter(connection=connection)}
    listed_ids = {info.id for info in listed}
    _forget(connection, [c for graph_id, c in stored.items() if graph_id not in listed_ids])
    own_address = connection.account_address.casefold()
    for info in listed:
        shared = info.owner_address and info.owner_address.casefold() != own_address
        fields = {
            "name": info.name,
            "owner_name": info.owner_name if shared else "",
            "is_default": info.is_default,
            "can_edit": info.can_edit,
        }
        calendar = stored.get(info.id)
        if calendar is None:
            Calendar.objects.create(
                connection=connection, graph_id=info.id, blocks=info.is_default, **fields
            )
        elif any(getattr(calendar, name) != value for name, value in fields.items()):
            if not info.can_edit:
                fields["receives_appointments"] = False
            Calendar.objects.filter(pk=calendar.pk).update(**fields)
    _default_receives(connection)
    default = Calendar.objects.filter(connection=connection, is_default=True).first()
    BusyInterval.objects.filter(connection=connection, calendar__isnull=True).update(
        calendar=default
    )


@transaction.atomic
def forget_calendar(calendar: Calendar) -> None:
    """Drop a calendar Microsoft no longer knows (deleted in Outlook) with its busy times."""
    _forget(calendar.connection, [calendar])


def _forget(connection, calendars):
    if not calendars:
        return
    pks = [c.pk for c in calendars]
    had_busy_times = BusyInterval.objects.filter(calendar__in=pks).exists()
    Calendar.objects.filter(pk__in=pks).delete()  # their busy intervals with them
    # The stored times no longer match the fingerprint of the last sync.
    CalendarConnection.objects.filter(pk=connection.pk).update(busy_fingerprint="", busy_packed=b"")
    _default_receives(connection)
    if had_busy_times:
        announce_busy_times_changed(connection.expert_id)
    logger.info("calendars dropped expert=%s count=%d", connection.expert_id, len(pks))


def _default_receives(connection):
    """Without a calendar for new appointments, the default one takes them (if writable)."""
    if not Calendar.objects.filter(connection=connection, receives_appointments=True).exists():
        Calendar.objects.filter(connection=connection, is_default=True, can_edit=True).update(
            receives_appointments=True
        )


@transaction.atomic
def save_calendar_choice(
    connection: CalendarConnection,
    *,
    blocking: Sequence[Calendar],
    receiving: Calendar | None,
    treat_tentative_as_busy: bool,
    treat_out_of_office_as_busy: bool,
) -> None:
    """Store which calendars block times and which one receives new appointments.

    The busy times follow at the next sync; appointments already written stay where they are.
    """
    calendars = Calendar.objects.filter(connection=connection)
    chosen = [c.pk for c in blocking]
    calendars.exclude(pk__in=chosen).update(blocks=False)
    calendars.filter(pk__in=chosen).update(blocks=True)
    if receiving is not None and receiving.can_edit:
        calendars.exclude(pk=receiving.pk).update(receives_appointments=False)
        calendars.filter(pk=receiving.pk).update(receives_appointments=True)
    CalendarConnection.objects.filter(pk=connection.pk).update(
        treat_tentative_as_busy=treat_tentative_as_busy,
        treat_out_of_office_as_busy=treat_out_of_office_as_busy,
    )


def check_connection(connection: CalendarConnection) -> graph.Me:
    """Ask Microsoft who is connected, refreshing tokens as needed; keep the address current."""
    try:
        me = call_with_token(connection, graph.get_me)
    except ReconnectNeeded as exc:
        mark_reconnect_needed(connection, str(exc))
        raise
    except (MicrosoftUnavailable, graph.GraphError) as exc:
        record_problem(connection, problem_kind(exc), str(exc))
        raise
    CalendarConnection.objects.filter(pk=connection.pk).update(
        account_address=me.address, account_name=me.display_name
    )
    return me


@transaction.atomic
def mark_reconnect_needed(connection: CalendarConnection, problem: str) -> bool:
    """Flag the connection; returns True only for the call that changed the state."""
    changed = (
        CalendarConnection.objects.filter(pk=connection.pk)
        .exclude(status=CalendarConnection.Status.RECONNECT_NEEDED)
        .update(
            status=CalendarConnection.Status.RECONNECT_NEEDED,
            last_problem=problem,
            last_problem_kind=CalendarConnection.ProblemKind.RECONNECT,
            last_problem_at=timezone.now(),
        )
    )
    connection.refresh_from_db()
    if changed:
        logger.warning("calendar needs reconnect expert=%s", connection.expert_id)
        emails.mail_reconnect_needed(connection)
    return bool(changed)


def record_problem(connection: CalendarConnection, kind: str, problem: str) -> None:
    CalendarConnection.objects.filter(pk=connection.pk).update(
        last_problem=problem, last_problem_kind=kind, last_problem_at=timezone.now()
    )


def problem_kind(exc: Exception) -> str:
    """Which sentence the expert sees for a failed exchange with Microsoft."""
    if isinstance(exc, ReconnectNeeded):
        return CalendarConnection.ProblemKind.RECONNECT
    if isinstance(exc, graph.GraphError) and exc.permanent:
        return CalendarConnection.ProblemKind.MALFORMED
    return CalendarConnection.ProblemKind.UNAVAILABLE

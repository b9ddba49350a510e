"""Writes to calendar connections: connect, disconnect, check, reconnect-needed."""

import logging
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import emails, graph
from .encryption import encrypt
from .identity import MicrosoftUnavailable, ReconnectNeeded, SignIn
from .models import BusyInterval, CalendarConnection
from .signals import announce_busy_times_changed
from .tokens import call_with_token

logger = logging.getLogger(__name__)


class AccountInUse(Exception):
    """The Microsoft account is already connected to another expert."""


def connect_calendar(
    expert, *, sign_in: SignIn, me: graph.Me, meeting_providers: Sequence[str] = ()
) -> CalendarConnection:
    """Store (or replace) the expert's connection; a different account drops the old busy times.

    meeting_providers: the online meeting providers the calendar allows (empty: unknown).
    Raises AccountInUse when another expert has connected the same Microsoft account.
    """
    try:
        return _store_connection(
            expert, sign_in=sign_in, me=me, meeting_providers=list(meeting_providers)
        )
    except IntegrityError as exc:  # the unique constraint: a race past the check below
        raise AccountInUse() from exc


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

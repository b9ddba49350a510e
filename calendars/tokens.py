"""Graph calls on behalf of a stored connection: decrypt, refresh, keep the rotated cache."""

import time

from django.db import OperationalError, transaction

from .encryption import UndecryptableSecret, decrypt, encrypt
from .graph import GraphUnauthorized
from .identity import (
    MicrosoftUnavailable,
    ReconnectNeeded,
    acquire_access_token,
    cached_access_token,
)
from .models import CalendarConnection
from .transport import person_waits


def call_with_token(connection: CalendarConnection, call):
    """Return call(access_token); on a 401 refresh once and retry.

    Raises ReconnectNeeded, MicrosoftUnavailable or GraphError; the caller decides what
    the connection's state becomes.
    """
    try:
        return call(_access_token(connection, force_refresh=False))
    except GraphUnauthorized:
        pass
    try:
        return call(_access_token(connection, force_refresh=True))
    except GraphUnauthorized as exc:
        raise ReconnectNeeded("Microsoft Graph refused a freshly refreshed token") from exc


def _access_token(connection, *, force_refresh):
    if not force_refresh:
        # Most calls find a token that is still good in the cache loaded with the
        # connection: no statement, no lock.
        token = _unlocked_access_token(connection)
        if token is not None:
            return token
    try:
        return _locked_access_token(connection, force_refresh=force_refresh)
    except OperationalError as exc:
        # Only under a deadline (a person waits): the row is held by a refresh elsewhere.
        raise MicrosoftUnavailable("the connection's tokens are being refreshed elsewhere") from exc


def _unlocked_access_token(connection):
    if {"token_cache", "home_account_id"} & connection.get_deferred_fields():
        return None  # not loaded with the connection: the locked path reads them
    try:
        blob = decrypt(connection.token_cache)
    except UndecryptableSecret:
        return None  # the locked path says why
    return cached_access_token(blob, connection.home_account_id, now=time.time())


def _locked_access_token(connection, *, force_refresh):
    # The row lock serialises refreshes of one connection: Microsoft rotates the refresh
    # token on every use, and two workers refreshing at once would lose one rotation. Where a
    # person waits (a deadline is set), a held lock is not waited for: a sync may hold it
    # for as long as Microsoft takes to answer it.
    with transaction.atomic():
        locked = (
            CalendarConnection.objects.select_for_update(nowait=person_waits())
            .only("pk", "token_cache", "home_account_id")
            .get(pk=connection.pk)
        )
        try:
            blob = decrypt(locked.token_cache)
        except UndecryptableSecret as exc:
            raise ReconnectNeeded(
                "stored tokens cannot be decrypted with the configured keys"
            ) from exc
        token, updated = acquire_access_token(
            blob, locked.home_account_id, force_refresh=force_refresh
        )
        if updated is not None:
            encrypted = encrypt(updated)
            CalendarConnection.objects.filter(pk=connection.pk).update(token_cache=encrypted)
            connection.token_cache = encrypted
    return token

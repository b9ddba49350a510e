"""`manage.py rotate_token_key`: every token cache re-encrypted with the first key."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from calendars.encryption import UndecryptableSecret, decrypt, encrypt
from calendars.models import CalendarConnection

pytestmark = pytest.mark.django_db


def a_connection(expert, token_cache):
    return CalendarConnection.objects.create(
        expert=expert,
        account_oid=f"oid-{expert.pk}",
        account_tid="tid",
        home_account_id="uid.utid",
        account_address=expert.email,
        account_kind=CalendarConnection.AccountKind.WORK,
        token_cache=token_cache,
    )


def test_token_caches_move_to_the_new_key_and_the_old_one_can_go(settings, expert, capsys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEY = [old]
    connection = a_connection(expert, encrypt('{"RefreshToken": {}}'))

    settings.TOKEN_ENCRYPTION_KEY = [new, old]
    call_command("rotate_token_key")

    assert "Re-encrypted 1 token cache(s)" in capsys.readouterr().out
    connection.refresh_from_db()
    settings.TOKEN_ENCRYPTION_KEY = [new]
    assert decrypt(connection.token_cache) == '{"RefreshToken": {}}'


def test_a_cache_no_key_opens_is_left_alone_and_named(settings, expert, other_expert):
    settings.TOKEN_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    lost = a_connection(expert, encrypt("lost"))
    settings.TOKEN_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    kept = a_connection(other_expert, encrypt("kept"))
    before = lost.token_cache

    with pytest.raises(CommandError, match=rf"connection ids {lost.pk}\)"):
        call_command("rotate_token_key")

    lost.refresh_from_db()
    kept.refresh_from_db()
    assert lost.token_cache == before
    assert decrypt(kept.token_cache) == "kept"
    with pytest.raises(UndecryptableSecret):
        decrypt(lost.token_cache)

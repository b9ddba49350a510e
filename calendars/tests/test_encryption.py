import pytest
from cryptography.fernet import Fernet

from calendars.encryption import UndecryptableSecret, decrypt, encrypt


def test_round_trip_hides_the_plaintext(settings):
    settings.TOKEN_ENCRYPTION_KEY = [Fernet.generate_key().decode()]

    stored = encrypt('{"refresh_token": "secret-value"}')

    assert "secret-value" not in stored
    assert decrypt(stored) == '{"refresh_token": "secret-value"}'


def test_rotated_keys_still_decrypt_old_values(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEY = [old]
    stored = encrypt("cache")

    settings.TOKEN_ENCRYPTION_KEY = [new, old]

    assert decrypt(stored) == "cache"


def test_value_from_an_unknown_key_is_refused(settings):
    settings.TOKEN_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    stored = encrypt("cache")
    settings.TOKEN_ENCRYPTION_KEY = [Fernet.generate_key().decode()]

    with pytest.raises(UndecryptableSecret):
        decrypt(stored)


def test_without_a_key_one_is_derived_from_the_secret_key(settings):
    settings.TOKEN_ENCRYPTION_KEY = []
    stored = encrypt("cache")

    assert decrypt(stored) == "cache"
    settings.SECRET_KEY = "another"
    with pytest.raises(UndecryptableSecret):
        decrypt(stored)

"""Encryption at rest for token caches (Fernet: AES-128-CBC with HMAC-SHA256)."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class UndecryptableSecret(Exception):
    """The stored secret was written with a key that is no longer configured."""


def _fernet():
    keys = settings.TOKEN_ENCRYPTION_KEY or [_key_from_secret_key(settings.SECRET_KEY)]
    # MultiFernet encrypts with the first key and decrypts with any: key rotation.
    return MultiFernet([Fernet(key) for key in keys])


def _key_from_secret_key(secret_key):
    digest = hashlib.sha256(b"okomo token encryption\x00" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode("ascii")


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode("ascii")).decode()
    except (InvalidToken, ValueError) as exc:
        raise UndecryptableSecret from exc


def rotate(ciphertext: str) -> str:
    """The same secret encrypted with the first configured key (ciphertext from any key)."""
    try:
        return _fernet().rotate(ciphertext.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError) as exc:
        raise UndecryptableSecret from exc

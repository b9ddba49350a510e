"""The HTTP session used for every exchange with Microsoft (MSAL and Graph)."""

import threading
import time
from contextlib import contextmanager

import requests
from django.conf import settings

_local = threading.local()


class MicrosoftSession(requests.Session):
    """A session that trusts only the configured CA and never waits without a limit."""

    def __init__(self):
        super().__init__()
        # REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in the environment would silently override
        # `verify` (psf/requests#3829); the CA trusted for Microsoft is a setting, not ambient.
        self.trust_env = False
        self.verify = settings.MICROSOFT_CA_BUNDLE or True
        self.headers["User-Agent"] = "Okomo/1.0"

    def request(self, method, url, **kwargs):
        # MSAL calls its http_client without a timeout; give every call one.
        timeout = kwargs.get("timeout") or settings.MICROSOFT_TIMEOUT
        connect, read = timeout if isinstance(timeout, tuple | list) else (timeout, timeout)
        left = remaining()
        if left is not None:
            if left <= 0:
                raise requests.Timeout("the deadline for talking to Microsoft has passed")
            connect, read = min(connect, left), min(read, left)
        kwargs["timeout"] = (connect, read)
        return super().request(method, url, **kwargs)


@contextmanager
def deadline(seconds: float):
    """Every exchange with Microsoft in this block, token refresh included, ends within
    `seconds` in total (as far as socket timeouts can say so): for work a person waits on."""
    previous = getattr(_local, "deadline", None)
    _local.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.deadline = previous


def remaining() -> float | None:
    """Seconds left before this thread's deadline, or None when there is none."""
    end = getattr(_local, "deadline", None)
    return None if end is None else end - time.monotonic()


def shared_session() -> MicrosoftSession:
    """This thread's session: kept-alive TLS connections instead of a handshake per call.

    Rebuilt when the configured CA changes (tests point the app at a new simulator).
    """
    session = getattr(_local, "session", None)
    if session is None or session.verify != (settings.MICROSOFT_CA_BUNDLE or True):
        session = _local.session = MicrosoftSession()
    return session

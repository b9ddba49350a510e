"""The HTTP session used for every exchange with Microsoft (MSAL and Graph)."""

import threading
import time
from contextlib import contextmanager

import requests
from django.conf import settings

from okomo import metrics

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
        try:
            response = super().request(method, url, **kwargs)
        except requests.RequestException:
            metrics.count_microsoft_request(url, None)
            raise
        metrics.count_microsoft_request(url, response.status_code)
        return response


@contextmanager
def deadline(seconds: float, *, person_waits: bool = False):
    """Every exchange with Microsoft in this block, token refresh included, ends within
    `seconds` in total (as far as socket timeouts can say so). An enclosing, tighter deadline
    stays in force. person_waits: a web request, which must not queue behind a worker's
    refresh either (see tokens.py)."""
    previous = getattr(_local, "deadline", None), getattr(_local, "person_waits", False)
    end = time.monotonic() + seconds
    _local.deadline = end if previous[0] is None else min(end, previous[0])
    _local.person_waits = person_waits or previous[1]
    try:
        yield
    finally:
        _local.deadline, _local.person_waits = previous


def person_waits() -> bool:
    """True inside a deadline taken for a web request."""
    return getattr(_local, "person_waits", False)


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

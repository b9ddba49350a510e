"""The HTTP session used for every exchange with Microsoft (MSAL and Graph)."""

import threading

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
        kwargs.setdefault("timeout", settings.MICROSOFT_TIMEOUT)
        return super().request(method, url, **kwargs)


def shared_session() -> MicrosoftSession:
    """This thread's session: kept-alive TLS connections instead of a handshake per call.

    Rebuilt when the configured CA changes (tests point the app at a new simulator).
    """
    session = getattr(_local, "session", None)
    if session is None or session.verify != (settings.MICROSOFT_CA_BUNDLE or True):
        session = _local.session = MicrosoftSession()
    return session

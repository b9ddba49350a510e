"""The HTTP session used for every exchange with Microsoft (MSAL and Graph)."""

import requests
from django.conf import settings


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

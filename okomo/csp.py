"""The Content-Security-Policy header: settings.CONTENT_SECURITY_POLICY plus Microsoft's sign-in.

The "Connect" form posts here and is answered with a redirect to Microsoft's sign-in page;
Chromium checks that redirect against the page's form-action, so the sign-in origins join
it. They are read on each request, from the settings of the moment (the tests point the app
at a simulator at run time).
"""

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware
from django.conf import settings


def sign_in_origins() -> list[str]:
    """scheme://host[:port] of MICROSOFT_AUTHORITY and of each MICROSOFT_SIGN_IN_ORIGINS entry."""
    origins = []
    for url in [settings.MICROSOFT_AUTHORITY, *settings.MICROSOFT_SIGN_IN_ORIGINS]:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return origins


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only:
            # django-csp appends `update` to the configured directive.
            update = dict(parts.update or {})
            update["form-action"] = [*update.get("form-action", []), *sign_in_origins()]
            parts.update = update
        return parts

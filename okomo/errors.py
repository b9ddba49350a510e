"""The answer to a request that failed: 503 and a sentence while PostgreSQL or Redis cannot
be reached, a branded 500 for anything else. Django calls `server_error` (handler500) for an
uncaught exception when DEBUG is off, with the exception still in `sys.exc_info()`. The
branded 400, 403 and 404 (handler400/403/404, CSRF_FAILURE_VIEW) come from here too.

Nothing here may touch the database: no `request.user`, no session, no context processors.
"""

import sys

from django.core.exceptions import DisallowedHost
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# Seconds a client is asked to wait: most outages are a restart or a failover.
RETRY_AFTER = 30
# Database unreachable or its connection lost (Django wraps the driver's errors in these),
# Redis unreachable as cache, and as broker (kombu wraps redis' errors in its own).
OUTAGES = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    BrokerUnavailable,
)
# For JSON clients (the booking page's script); the HTML pages say the same in 503.html/500.html.
UNAVAILABLE = gettext_lazy("Okomo is briefly unavailable. Please try again in a minute.")
FAILED = gettext_lazy("Something went wrong. Please try again later.")
NOT_FOUND = gettext_lazy("There is no page at this address. Please check the link.")
BAD_REQUEST = gettext_lazy("Okomo could not understand this request. Please go back and try again.")
FORBIDDEN = gettext_lazy("You are not allowed to open this page.")
FORM_EXPIRED = gettext_lazy("This form has expired. Please reload the page and try again.")


def server_error(request):
    """503 with Retry-After for an outage, 500 otherwise; JSON for JSON clients."""
    outage = _is_outage(sys.exc_info()[1])
    language = translation.get_language_from_request(request)
    with translation.override(language):
        if _wants_json(request):
            response = JsonResponse(
                {"error": "unavailable", "detail": str(UNAVAILABLE)}
                if outage
                else {"error": "server_error", "detail": str(FAILED)}
            )
        else:
            context = {"language": language, "retry": request.method == "GET"}
            template = "503.html" if outage else "500.html"
            response = HttpResponse(loader.render_to_string(template, context))
    response.status_code = 503 if outage else 500
    if outage:
        response["Retry-After"] = str(RETRY_AFTER)
    add_never_cache_headers(response)
    return response


def page_not_found(request, exception=None, detail=NOT_FOUND):
    """handler404; views call it directly so the branded page shows under DEBUG too."""
    return _client_error(request, 404, "404.html", "not_found", detail)


def bad_request(request, exception=None):
    """handler400: a malformed request or a SuspiciousOperation (such as an unknown host)."""
    return _client_error(request, 400, "400.html", "bad_request", BAD_REQUEST)


def permission_denied(request, exception=None):
    """handler403."""
    return _client_error(request, 403, "403.html", "forbidden", FORBIDDEN)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: almost always a form left open past its session or cookie."""
    return _client_error(
        request, 403, "403_csrf.html", "form_expired", FORM_EXPIRED, back=_referer(request)
    )


def _client_error(request, status, template, error, detail, **context):
    language = translation.get_language_from_request(request)
    with translation.override(language):
        if _wants_json(request):
            response = JsonResponse({"error": error, "detail": str(detail)}, status=status)
        else:
            context = {"language": language, "detail": detail, **context}
            response = HttpResponse(loader.render_to_string(template, context), status=status)
    add_never_cache_headers(response)
    return response


def _referer(request):
    """The page the request came from, if it is on this site: where to reload a form."""
    referer = request.headers.get("Referer", "")
    try:
        host = request.get_host()
    except DisallowedHost:
        return ""
    if url_has_allowed_host_and_scheme(referer, {host}, require_https=request.is_secure()):
        return referer
    return ""


def _is_outage(error):
    """Whether `error`, or an error it was raised from or while handling, is an outage."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OUTAGES):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _wants_json(request):
    if request.path.endswith(".json"):
        return True
    return request.accepts("application/json") and not request.accepts("text/html")

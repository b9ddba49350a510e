"""The answer to a request that failed: 503 and a sentence while PostgreSQL or Redis cannot
be reached, a branded 500 for anything else. Django calls `server_error` (handler500) for an
uncaught exception when DEBUG is off, with the exception still in `sys.exc_info()`.

Nothing here may touch the database: no `request.user`, no session, no context processors.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.cache import add_never_cache_headers
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

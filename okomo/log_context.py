"""The request a log record belongs to: its id, and the signed-in expert's id.

RequestIdMiddleware gives every request an id (the trusted proxy's X-Request-ID when it
sent a sane one, else a new one), echoes it in the response's X-Request-ID header, and keeps
the request in a context variable until the response is closed, after Django has logged a
failed request. RequestContextFilter copies both ids onto each record it sees.
"""

import re
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.core.signals import request_finished

HEADER = "X-Request-ID"
# Letters, digits and - _ . : only, and short: the id lands in every log line, so a client
# must not be able to smuggle newlines, quotes or kilobytes into them.
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

_current_request = ContextVar("okomo_request", default=None)


def request_id_for(request) -> str:
    """The proxy's X-Request-ID when a trusted proxy is in front and the id is sane, else new."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    # Without a proxy of ours in front, the header comes from the client itself.
    if settings.TRUSTED_PROXIES > 0 and SANE_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_for(request)
        _current_request.set(request)
        response = self.get_response(request)
        response[HEADER] = request.request_id
        return response


def _forget_request(**kwargs):
    # The response has been sent and closed: later records (gunicorn's own, the next
    # request's set-up) belong to no request.
    _current_request.set(None)


request_finished.connect(_forget_request, dispatch_uid="okomo.log_context.forget_request")


class RequestContextFilter:
    """Adds `request_id` ("-" outside a request) and, if a signed-in user was already loaded
    for the request, `expert_id` to every record; never drops one."""

    def filter(self, record):
        if hasattr(record, "request_id"):
            return True  # seen by another handler already, perhaps after its request ended
        request = _current_request.get()
        record.request_id = getattr(request, "request_id", "-") if request else "-"
        # Only a user the request already loaded (Django caches it on the request as
        # _cached_user): logging must never query the database, which may be what failed.
        user = request.__dict__.get("_cached_user") if request else None
        if user is not None and user.is_authenticated:
            record.expert_id = user.pk
        return True

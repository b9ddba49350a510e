"""Microsoft's change and lifecycle notifications: thin views that answer within milliseconds.

Microsoft wants an answer within 3 seconds (10 for the validation handshake) and throttles
slow endpoints, so nothing here talks to Microsoft: a genuine notification only queues a
sync (debounced) or a lifecycle task. Anyone can POST here; a notification counts only with
its subscription's clientState.
"""

import json
import logging

from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import subscriptions, tasks

logger = logging.getLogger(__name__)

# Microsoft's validation tokens are a few hundred characters.
MAX_VALIDATION_TOKEN = 2048


@csrf_exempt
@require_POST
def changes(request):
    items, answer = _read(request)
    if answer is not None:
        return answer
    now = timezone.now()
    found = subscriptions.received(items, now=now)
    if found.forged:
        logger.warning("change notifications rejected count=%d", found.forged)
    for connection_id in found.connections:
        subscriptions.queue_notified_sync(connection_id, now=now)
    return HttpResponse(status=202)


@csrf_exempt
@require_POST
def lifecycle(request):
    items, answer = _read(request)
    if answer is not None:
        return answer
    found = subscriptions.lifecycle_received(items)
    if len(found) < len(items):
        logger.warning("lifecycle notifications rejected count=%d", len(items) - len(found))
    for subscription_pk, event in found:
        logger.info("lifecycle notification %s", event)
        tasks.queue_lifecycle(subscription_pk, event)
    return HttpResponse(status=202)


def _read(request):
    """(notifications, None), or (None, the answer): the handshake's echo or a 400."""
    handshake = _handshake(request)
    if handshake is not None:
        return None, handshake
    items = _items(request)
    if items is None:
        return None, HttpResponseBadRequest(
            "Expected a JSON object with a list 'value'.", content_type="text/plain"
        )
    return items, None


def _handshake(request):
    """Microsoft's check of the URL: echo the (URL-decoded) token as plain text."""
    token = request.GET.get("validationToken")
    if token is None:
        return None
    if len(token) > MAX_VALIDATION_TOKEN:
        return HttpResponseBadRequest(
            "The validation token is too long.", content_type="text/plain"
        )
    return HttpResponse(token, content_type="text/plain; charset=utf-8")


def _items(request):
    try:
        body = json.loads(request.body)
    except ValueError:
        return None
    values = body.get("value") if isinstance(body, dict) else None
    return values if isinstance(values, list) else None

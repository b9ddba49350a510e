"""Graph change notifications: subscriptions, the validation handshake, and delivery.

Every change to a mailbox's events goes through a Mailbox (state.mailbox()), whatever made
it (a Graph write, the control API, the demo seed), so notifications need no hook in the
code that changes events. Deliveries run in a background thread, batched per URL as Graph
batches them, retried a few times on a non-2xx answer.

Graph requires https notification URLs; the simulator also accepts http, but only on a
loopback host (the app under test runs there).
"""

import heapq
import json
import re
import secrets
import threading
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests

from . import graph
from .identity import json_response

CHANGE_TYPES = {"created", "updated", "deleted"}
LIFECYCLE_EVENTS = ("reauthorizationRequired", "subscriptionRemoved", "missed")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
HANDSHAKE_TIMEOUT = 10  # seconds, as Graph
DELIVERY_TIMEOUT = 10
RETRY_DELAYS = (0.5, 2.0, 5.0)  # Graph retries for hours; a test needs seconds
BATCH = 100


class Mailbox(dict):
    """One user's events ({id: event}); tells `changed(username, change, event)` of every
    insertion, replacement and removal."""

    def __init__(self, username, changed):
        super().__init__()
        self.username = username
        self._changed = changed

    def __setitem__(self, key, value):
        change = "updated" if key in self else "created"
        super().__setitem__(key, value)
        self._changed(self.username, change, value)

    def __delitem__(self, key):
        event = self[key]
        super().__delitem__(key)
        self._changed(self.username, "deleted", event)

    def pop(self, key, *default):
        if key not in self:
            return super().pop(key, *default)
        event = super().pop(key)
        self._changed(self.username, "deleted", event)
        return event

    def clear(self):
        gone = list(self.values())
        super().clear()
        for event in gone:
            self._changed(self.username, "deleted", event)

    def update(self, *args, **kwargs):
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]


# --- Graph endpoints ---------------------------------------------------------------------


@graph.endpoint
def collection(ctx, request):
    persona, error = graph.authenticate(ctx, request, graph.READ_SCOPES)
    if error:
        return error
    state = ctx.state
    if request.method == "GET":
        with state.lock:
            mine = [s for s in _live(state) if s["username"] == persona.username]
        return json_response({"value": [_public(s) for s in mine]})
    body, error = _json_body(request)
    if error:
        return error
    change_types = str(body.get("changeType") or "").split(",")
    if not body.get("changeType") or not set(change_types) <= CHANGE_TYPES:
        return _invalid("changeType must be a comma-separated list of created, updated, deleted.")
    resource = _calendar_of(persona, body.get("resource"))
    if resource is None:
        return _invalid("The resource is not a supported events resource of this mailbox.")
    client_state = body.get("clientState")
    if client_state is not None and (not isinstance(client_state, str) or len(client_state) > 128):
        return _invalid("clientState must be a string of at most 128 characters.")
    expires, error = _expiry(ctx.state, body.get("expirationDateTime"))
    if error:
        return error
    for key in ("notificationUrl", "lifecycleNotificationUrl"):
        url = body.get(key)
        if url is None and key == "lifecycleNotificationUrl":
            continue
        error = _validate_url(url)
        if error:
            return error
    subscription = {
        "id": str(uuid.uuid4()),
        "username": persona.username,
        "resource": body["resource"],
        "calendar_id": resource,
        "changeType": ",".join(change_types),
        "clientState": client_state,
        "notificationUrl": body["notificationUrl"],
        "lifecycleNotificationUrl": body.get("lifecycleNotificationUrl"),
        "expires": expires,
        "applicationId": state.client_id,
        "creatorId": persona.graph_id,
        "tenantId": persona.tenant_id,
    }
    with state.lock:
        state.subscriptions[subscription["id"]] = subscription
    return json_response(_public(subscription), status=201)


@graph.endpoint
def item(ctx, request, subscription_id):
    persona, error = graph.authenticate(ctx, request, graph.READ_SCOPES)
    if error:
        return error
    state = ctx.state
    with state.lock:
        found = _find(state, persona, subscription_id)
        if found is None:
            return _missing()
        if request.method == "GET":
            return json_response(_public(found))
        if request.method == "DELETE":
            del state.subscriptions[subscription_id]
            return _no_content()
    body, error = _json_body(request)
    if error:
        return error
    expires, error = _expiry(state, body.get("expirationDateTime"))
    if error:
        return error
    if "notificationUrl" in body:
        error = _validate_url(body["notificationUrl"])
        if error:
            return error
    with state.lock:
        found = _find(state, persona, subscription_id)
        if found is None:
            return _missing()
        found["expires"] = expires
        found["reauthorization_required"] = False
        if "notificationUrl" in body:
            found["notificationUrl"] = body["notificationUrl"]
        return json_response(_public(found))


@graph.endpoint
def reauthorize(ctx, request, subscription_id):
    persona, error = graph.authenticate(ctx, request, graph.READ_SCOPES)
    if error:
        return error
    with ctx.state.lock:
        found = _find(ctx.state, persona, subscription_id)
        if found is None:
            return _missing()
        found["reauthorization_required"] = False
        found["reauthorized"] = found.get("reauthorized", 0) + 1
    return _no_content()


# --- control API (/_sim/subscriptions...) -------------------------------------------------


def control_list(ctx, request):
    """Every live subscription, clientState included (tests check it), and the deliveries."""
    state = ctx.state
    with state.lock:
        if request.method == "DELETE":
            state.deliveries.clear()
            return json_response({"ok": True})
        found = [{**_public(s), "username": s["username"]} for s in _live(state)]
        found = [{**s, **_extra(state.subscriptions[s["id"]])} for s in found]
        delivered = list(state.deliveries)
    return json_response({"subscriptions": found, "deliveries": delivered})


def control_lifecycle(ctx, request, subscription_id):
    """POST {"event": "reauthorizationRequired" | "subscriptionRemoved" | "missed"}: send
    that lifecycle notification now; "subscriptionRemoved" also removes the subscription."""
    try:
        event = json.loads(request.get_data() or b"{}").get("event")
    except (ValueError, AttributeError):
        event = None
    if event not in LIFECYCLE_EVENTS:
        return json_response({"error": f"event must be one of {LIFECYCLE_EVENTS}"}, status=400)
    state = ctx.state
    with state.lock:
        found = state.subscriptions.get(subscription_id)
        if found is None:
            return json_response({"error": "no such subscription"}, status=404)
        if event == "subscriptionRemoved":
            del state.subscriptions[subscription_id]
        elif event == "reauthorizationRequired":
            found["reauthorization_required"] = True
        url = found.get("lifecycleNotificationUrl")
        if not url:
            return json_response({"error": "the subscription has no lifecycle URL"}, status=409)
        notice = {
            "subscriptionId": found["id"],
            "subscriptionExpirationDateTime": _instant(found["expires"]),
            "tenantId": found["tenantId"],
            "clientState": found["clientState"],
            "lifecycleEvent": event,
        }
        _notifier(state).send(url, "lifecycle", notice)
    return json_response({"ok": True, "sent": notice}, status=202)


def control_expire(ctx, request, subscription_id):
    """Let a subscription run out now (Graph removes expired subscriptions silently)."""
    state = ctx.state
    with state.lock:
        found = state.subscriptions.get(subscription_id)
        if found is None:
            return json_response({"error": "no such subscription"}, status=404)
        found["expires"] = state.now()
    return json_response({"ok": True})


# --- changes → notifications --------------------------------------------------------------


def event_changed(state, username, change, event):
    """Called by Mailbox (under the state's lock) for every change to a user's events."""
    with state.lock:
        _changed(state, username, change, event)


def _changed(state, username, change, event):
    persona = state.personas.get(username)
    if persona is None:
        return
    calendar_id = event.get("calendar_id") or persona.calendar_id
    event_id = event.get("id")
    for subscription in _live(state):
        if subscription["username"] != username or change not in subscription["changeType"]:
            continue
        if (subscription["calendar_id"] or persona.calendar_id) != calendar_id:
            continue
        resource = f"Users/{persona.graph_id}/Events/{event_id}"
        data = {"@odata.type": "#Microsoft.Graph.Event", "@odata.id": resource, "id": event_id}
        if change != "deleted" and event.get("changeKey"):
            data["@odata.etag"] = f'W/"{event["changeKey"]}"'
        notice = {
            "subscriptionId": subscription["id"],
            "subscriptionExpirationDateTime": _instant(subscription["expires"]),
            "changeType": change,
            "resource": resource,
            "resourceData": data,
            "clientState": subscription["clientState"],
            "tenantId": subscription["tenantId"],
        }
        _notifier(state).send(subscription["notificationUrl"], "change", notice)


class Notifier:
    """Delivers notifications in a background thread, batched per URL, with retries."""

    def __init__(self, state):
        self.state = state
        self.generation = 0
        self.queue = []  # heap of (due, sequence, url, kind, [notices], attempt, generation)
        self.sequence = 0
        self.wake = threading.Condition()
        self.session = requests.Session()
        self.session.trust_env = False
        threading.Thread(target=self._run, name="sim-notifier", daemon=True).start()

    def send(self, url, kind, notice):
        with self.wake:
            self._push(time.monotonic(), url, kind, [notice], 0, self.generation)
            self.wake.notify()

    def reset(self):
        with self.wake:
            self.generation += 1
            self.queue.clear()

    def _push(self, due, url, kind, notices, attempt, generation):
        self.sequence += 1
        heapq.heappush(self.queue, (due, self.sequence, url, kind, notices, attempt, generation))

    def _run(self):
        while True:
            with self.wake:
                while not self.queue or self.queue[0][0] > time.monotonic():
                    self.wake.wait(None if not self.queue else self.queue[0][0] - time.monotonic())
                due = []
                while self.queue and self.queue[0][0] <= time.monotonic():
                    due.append(heapq.heappop(self.queue))
            batches = {}
            for _, _, url, kind, notices, attempt, generation in due:
                key = (url, kind, attempt, generation)
                batches.setdefault(key, []).extend(notices)
            for (url, kind, attempt, generation), notices in batches.items():
                for start in range(0, len(notices), BATCH):
                    self._deliver(url, kind, notices[start : start + BATCH], attempt, generation)

    def _deliver(self, url, kind, notices, attempt, generation):
        try:
            response = self.session.post(
                url, json={"value": notices}, timeout=DELIVERY_TIMEOUT, allow_redirects=False
            )
            status = response.status_code
        except requests.RequestException:
            status = None
        with self.state.lock:
            if generation == self.generation:
                self.state.deliveries.append(
                    {
                        "url": url,
                        "kind": kind,
                        "count": len(notices),
                        "status": status,
                        "attempt": attempt,
                        "changeTypes": [n.get("changeType") for n in notices],
                        "lifecycleEvents": [n.get("lifecycleEvent") for n in notices],
                        "time": time.time(),
                    }
                )
        if status is not None and 200 <= status < 300:
            return
        if attempt < len(RETRY_DELAYS) and generation == self.generation:
            with self.wake:
                due = time.monotonic() + RETRY_DELAYS[attempt]
                self._push(due, url, kind, notices, attempt + 1, generation)
                self.wake.notify()


_notifiers = {}
_notifiers_lock = threading.Lock()


def _notifier(state):
    with _notifiers_lock:
        notifier = _notifiers.get(id(state))
        if notifier is None:
            notifier = _notifiers[id(state)] = Notifier(state)
        return notifier


def reset(state):
    """Forget pending deliveries (the control API's reset)."""
    with _notifiers_lock:
        notifier = _notifiers.get(id(state))
    if notifier is not None:
        notifier.reset()


# --- helpers ------------------------------------------------------------------------------


def _live(state):
    """The subscriptions not yet expired on the simulator's clock; expired ones go silently."""
    now = state.now()
    for subscription_id in [i for i, s in state.subscriptions.items() if s["expires"] <= now]:
        del state.subscriptions[subscription_id]
    return list(state.subscriptions.values())


def _find(state, persona, subscription_id):
    _live(state)
    found = state.subscriptions.get(subscription_id)
    return found if found is not None and found["username"] == persona.username else None


def _calendar_of(persona, resource):
    """The calendar id an events resource names (None for the default calendar's is its
    id), or None when the resource is not one the simulator serves."""
    if not isinstance(resource, str):
        return None
    path = resource.strip("/").split("/")
    lowered = [part.lower() for part in path]
    if lowered in (["me", "events"], ["me", "calendar", "events"]):
        return persona.calendar_id
    if len(path) == 4 and lowered[:2] == ["me", "calendars"] and lowered[3] == "events":
        calendar = persona.calendar(path[2])
        return calendar["id"] if calendar is not None else None
    return None


INSTANT = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?")


def _expiry(state, value):
    """The requested expiry as a timestamp, or a Graph error: in the future and at most
    settings.subscription_max_minutes away (10,080 for events, as Graph)."""
    match = INSTANT.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None, _invalid(
            "expirationDateTime must be a date-time such as 2025-05-04T10:00:00Z."
        )
    head, fraction, zone = match.groups()
    text = f"{head}.{(fraction or '0')[:6]:0<6}{'+00:00' if zone in (None, 'Z') else zone}"
    expires = datetime.fromisoformat(text).timestamp()
    now = state.now()
    minutes = state.settings.subscription_max_minutes
    if expires <= now:
        return None, _invalid("Subscription expiration must be in the future.")
    if expires > now + minutes * 60:
        return None, graph.graph_error(
            400,
            "ExtensionError",
            f"Subscription expiration can only be {minutes} minutes in the future.",
        )
    return expires, None


def _validate_url(url):
    """Graph's check of a notification URL: https (http only on loopback in the simulator),
    then the validation handshake, answered within 10 s with the token as plain text."""
    if not isinstance(url, str):
        return _invalid("notificationUrl is required.")
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
        return _invalid("The notification URL must use https.")
    challenge = "Validation: Testing client application reachability for subscription Request-Id: "
    challenge += secrets.token_hex(16)
    try:
        session = requests.Session()
        session.trust_env = False
        answer = session.post(
            url,
            params={"validationToken": challenge},
            data=b"",
            headers={"Content-Type": "text/plain; charset=utf-8"},
            timeout=HANDSHAKE_TIMEOUT,
            allow_redirects=False,
        )
        fine = (
            answer.status_code == 200
            and answer.headers.get("Content-Type", "").startswith("text/plain")
            and answer.text == challenge
        )
    except requests.RequestException:
        fine = False
    if not fine:
        return _invalid(
            "Subscription validation request failed. Notification endpoint must respond with "
            "200 OK to validation request."
        )
    return None


def _json_body(request):
    if not request.headers.get("Content-Type", "").startswith("application/json"):
        return None, _invalid("Content-Type must be application/json.")
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return None, _invalid("The request body is not a JSON object.")
    return body, None


def _public(subscription):
    return {
        "id": subscription["id"],
        "resource": subscription["resource"],
        "applicationId": subscription["applicationId"],
        "changeType": subscription["changeType"],
        "clientState": subscription["clientState"],
        "notificationUrl": subscription["notificationUrl"],
        "lifecycleNotificationUrl": subscription["lifecycleNotificationUrl"],
        "expirationDateTime": _instant(subscription["expires"]),
        "creatorId": subscription["creatorId"],
        "includeResourceData": False,
        "latestSupportedTlsVersion": "v1_2",
        "encryptionCertificate": None,
        "encryptionCertificateId": None,
        "notificationQueryOptions": None,
    }


def _extra(subscription):
    return {
        "reauthorizationRequired": subscription.get("reauthorization_required", False),
        "reauthorized": subscription.get("reauthorized", 0),
    }


def _instant(timestamp):
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


def _invalid(message):
    return graph.graph_error(400, "InvalidRequest", message)


def _missing():
    return graph.graph_error(404, "ResourceNotFound", "The object was not found.")


def _no_content():
    from werkzeug.wrappers import Response

    return Response(status=204)

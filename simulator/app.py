"""The WSGI application: routing, injected faults and latency, the request log."""

import re
import time
from dataclasses import dataclass

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import control, graph, identity, subscriptions
from .state import State

# Form fields of the token endpoint that are safe to show in the request log.
LOGGED_FORM_FIELDS = ("grant_type", "scope", "client_id", "redirect_uri", "client_info")

URLS = Map(
    [
        Rule(
            "/<tenant>/v2.0/.well-known/openid-configuration",
            endpoint=identity.openid_configuration,
        ),
        Rule("/common/discovery/instance", endpoint=identity.instance_discovery),
        Rule(
            "/<tenant>/oauth2/v2.0/authorize", endpoint=identity.authorize, methods=["GET", "POST"]
        ),
        Rule("/<tenant>/oauth2/v2.0/token", endpoint=identity.token, methods=["POST"]),
        Rule("/<tenant>/adminconsent", endpoint=identity.admin_consent, methods=["GET", "POST"]),
        Rule(
            "/<tenant>/v2.0/adminconsent", endpoint=identity.admin_consent, methods=["GET", "POST"]
        ),
        Rule("/<tenant>/discovery/v2.0/keys", endpoint=identity.keys),
        Rule("/<tenant>/oauth2/v2.0/logout", endpoint=identity.logout),
        Rule("/v1.0/me", endpoint=graph.me),
        Rule("/v1.0/me/calendars", endpoint=graph.calendars),
        Rule("/v1.0/me/calendar", endpoint=graph.default_calendar),
        Rule("/v1.0/me/calendarView", endpoint=graph.calendar_view),
        Rule("/v1.0/me/calendar/calendarView", endpoint=graph.calendar_view),
        Rule("/v1.0/me/calendars/<calendar_id>/calendarView", endpoint=graph.calendar_view),
        Rule("/v1.0/me/calendarView/delta", endpoint=graph.calendar_view_delta),
        Rule("/v1.0/me/events", endpoint=graph.list_events, methods=["GET"]),
        Rule("/v1.0/me/events", endpoint=graph.create_event, methods=["POST"]),
        Rule("/v1.0/me/calendar/events", endpoint=graph.create_event, methods=["POST"]),
        Rule(
            "/v1.0/me/calendars/<calendar_id>/events", endpoint=graph.create_event, methods=["POST"]
        ),
        Rule(
            "/v1.0/me/events/<event_id>",
            endpoint=graph.event_item,
            methods=["GET", "PATCH", "DELETE"],
        ),
        Rule("/v1.0/me/mailboxSettings", endpoint=graph.mailbox_settings),
        Rule("/v1.0/subscriptions", endpoint=subscriptions.collection, methods=["GET", "POST"]),
        Rule(
            "/v1.0/subscriptions/<subscription_id>",
            endpoint=subscriptions.item,
            methods=["GET", "PATCH", "DELETE"],
        ),
        Rule(
            "/v1.0/subscriptions/<subscription_id>/reauthorize",
            endpoint=subscriptions.reauthorize,
            methods=["POST"],
        ),
        Rule("/_sim/subscriptions", endpoint=subscriptions.control_list, methods=["GET", "DELETE"]),
        Rule(
            "/_sim/subscriptions/<subscription_id>/lifecycle",
            endpoint=subscriptions.control_lifecycle,
            methods=["POST"],
        ),
        Rule(
            "/_sim/subscriptions/<subscription_id>/expire",
            endpoint=subscriptions.control_expire,
            methods=["POST"],
        ),
        Rule("/_sim/health", endpoint=control.health),
        Rule("/_sim/reset", endpoint=control.reset, methods=["POST"]),
        Rule("/_sim/settings", endpoint=control.settings, methods=["GET", "POST"]),
        Rule("/_sim/personas", endpoint=control.add_persona, methods=["POST"]),
        Rule("/_sim/users/<username>/revoke", endpoint=control.revoke, methods=["POST"]),
        Rule(
            "/_sim/users/<username>/withdraw-consent",
            endpoint=control.withdraw_consent,
            methods=["POST"],
        ),
        Rule(
            "/_sim/users/<username>/expire-access-tokens",
            endpoint=control.expire_access_tokens,
            methods=["POST"],
        ),
        Rule(
            "/_sim/users/<username>/events",
            endpoint=control.mailbox,
            methods=["GET", "POST", "DELETE"],
        ),
        Rule("/_sim/users/<username>/events/bulk", endpoint=control.bulk, methods=["POST"]),
        Rule("/_sim/users/<username>/demo", endpoint=control.seed_demo, methods=["POST"]),
        Rule("/_sim/faults", endpoint=control.faults, methods=["POST", "DELETE"]),
        Rule("/_sim/requests", endpoint=control.request_log, methods=["GET", "DELETE"]),
    ],
    strict_slashes=False,
)


@dataclass
class Context:
    state: State
    https_base: str = ""
    http_base: str = ""


class SimulatorApp:
    def __init__(self, context):
        self.ctx = context

    def __call__(self, environ, start_response):
        request = Request(environ)
        is_control = request.path.startswith("/_sim/")
        if not is_control and self.ctx.state.settings.latency_ms:
            time.sleep(self.ctx.state.settings.latency_ms / 1000)
        response = (None if is_control else self._fault(request)) or self._dispatch(request)
        if not is_control:
            self._log(request, response)
        return response(environ, start_response)

    def _dispatch(self, request):
        adapter = URLS.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
            return endpoint(self.ctx, request, **args)
        except HTTPException as exc:
            if request.path.startswith("/v1.0/"):
                return graph.graph_error(
                    exc.code or 400, "BadRequest", exc.description or "Bad request"
                )
            return exc.get_response()

    def _fault(self, request):
        state = self.ctx.state
        with state.lock:
            for fault in state.faults:
                if fault.times <= 0 or (fault.method and fault.method != request.method):
                    continue
                matched = (
                    re.search(fault.path, request.path)
                    if fault.regex
                    else request.path == fault.path or request.path.endswith(fault.path)
                )
                if not matched:
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    return None
                fault.times -= 1
                chosen = fault
                break
            else:
                return None
        if chosen.delay_ms:
            time.sleep(chosen.delay_ms / 1000)
        headers = {"Retry-After": chosen.retry_after} if chosen.retry_after is not None else {}
        if chosen.body is not None:
            return Response(
                chosen.body,
                status=chosen.status,
                headers=headers,
                content_type=chosen.content_type or "application/json",
            )
        if request.path.startswith("/v1.0/"):
            code = {
                429: "ApplicationThrottled",
                503: "serviceNotAvailable",
                401: "InvalidAuthenticationToken",
                404: "ErrorItemNotFound",
            }.get(chosen.status, "generalException")
            return graph.graph_error(
                chosen.status, code, f"Injected fault {chosen.status}.", headers=headers
            )
        if chosen.status >= 500:
            return Response(
                "Service Unavailable",
                status=chosen.status,
                headers=headers,
                content_type="text/plain",
            )
        response = identity.token_error(
            "invalid_request", 90000, f"Injected fault {chosen.status}.", status=chosen.status
        )
        response.headers.update(headers)
        return response

    def _log(self, request, response):
        entry = {
            "method": request.method,
            "path": request.path,
            "query": request.args.to_dict(),
            "headers": {
                "Authorization": "Authorization" in request.headers,
                "Prefer": request.headers.get("Prefer"),
                "Content-Type": request.headers.get("Content-Type"),
            },
            "form": {k: request.form[k] for k in LOGGED_FORM_FIELDS if k in request.form},
            "status": response.status_code,
            "time": time.time(),
        }
        with self.ctx.state.lock:
            self.ctx.state.log.append(entry)

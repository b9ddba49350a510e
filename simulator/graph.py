"""Microsoft Graph v1.0: /me, a mailbox's calendars, calendarView, events."""

import json
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from . import events, timefmt
from .identity import json_response

DEFAULT_PAGE_SIZE = 10  # Graph's default for calendarView
MAX_WINDOW_DAYS = 1825
READ_SCOPES = {"Calendars.Read", "Calendars.ReadWrite"}
WRITE_SCOPES = {"Calendars.ReadWrite"}


def graph_error(status, code, message, headers=None):
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": str(uuid.uuid4()),
                "client-request-id": str(uuid.uuid4()),
            },
        }
    }
    return json_response(body, status=status, headers=headers)


def unauthorized():
    return graph_error(
        401,
        "InvalidAuthenticationToken",
        "Access token has expired or is not yet valid.",
        headers={
            "WWW-Authenticate": (
                'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/'
                'oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"'
            )
        },
    )


def authenticate(ctx, request, needed):
    """(persona, None) for a valid bearer token with one of `needed`, else (None, error)."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None, unauthorized()
    state = ctx.state
    with state.lock:
        grant = state.access_tokens.get(header[7:])
    if grant is None or grant["expires_at"] <= state.now():
        return None, unauthorized()
    if needed and not (grant["scopes"] & needed):
        return None, graph_error(
            403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
        )
    return state.personas[grant["username"]], None


def me(ctx, request):
    persona, error = authenticate(ctx, request, {"User.Read"})
    if error:
        return error
    full = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
        "businessPhones": [],
        "displayName": persona.display_name,
        "givenName": persona.display_name.split()[0],
        "jobTitle": None,
        "mail": persona.mail,
        "mobilePhone": None,
        "officeLocation": None,
        "preferredLanguage": "en-US",
        "surname": persona.display_name.split()[-1],
        "userPrincipalName": persona.username,
        "id": persona.graph_id,
    }
    select = _select(request)
    if select:
        full = {k: v for k, v in full.items() if k in select or k.startswith("@")}
    return json_response(full)


# What Graph's calendar resource offers to $select (v1.0).
CALENDAR_FIELDS = {
    "id",
    "name",
    "color",
    "hexColor",
    "isDefaultCalendar",
    "changeKey",
    "canShare",
    "canViewPrivateItems",
    "canEdit",
    "allowedOnlineMeetingProviders",
    "defaultOnlineMeetingProvider",
    "isTallyingResponses",
    "isRemovable",
    "owner",
}


def calendars(ctx, request):
    persona, error = authenticate(ctx, request, READ_SCOPES)
    if error:
        return error
    select = _select(request)
    unknown = sorted((select or set()) - CALENDAR_FIELDS)
    if unknown:
        return graph_error(
            400,
            "BadRequest",
            f"Could not find a property named '{unknown[0]}' on type 'microsoft.graph.calendar'.",
        )
    with ctx.state.lock:
        listed = persona.all_calendars()
    everything = [_calendar(persona, c) for c in listed]
    page_size = _page_size(request.args, _prefer(request))
    skip = int(request.args.get("$skip", "0") or 0)
    page = everything[skip : skip + page_size]
    if select:
        page = [{k: v for k, v in item.items() if k in select or k == "id"} for item in page]
    body = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('me')/calendars",
        "value": page,
    }
    if skip + page_size < len(everything):
        query = {k: v for k, v in request.args.items() if k != "$skip"}
        query["$skip"] = str(skip + page_size)
        body["@odata.nextLink"] = (
            f"{request.host_url.rstrip('/')}{request.path}?{urlencode(query, safe='$:,')}"
        )
    return json_response(body)


def default_calendar(ctx, request):
    persona, error = authenticate(ctx, request, READ_SCOPES)
    if error:
        return error
    return json_response(_calendar(persona, persona.default_calendar()))


def _calendar(persona, calendar):
    provider = "teamsForBusiness" if persona.kind == "work" else "skypeForConsumer"
    is_default = calendar["id"] == persona.calendar_id
    return {
        "id": calendar["id"],
        "name": calendar["name"],
        "color": "auto",
        "hexColor": "",
        "isDefaultCalendar": is_default,
        "changeKey": "fJKVL07sbkmIfHqjbDnRgQAAAAACGA==",
        "canShare": calendar["can_edit"],
        "canViewPrivateItems": True,
        "canEdit": calendar["can_edit"],
        "allowedOnlineMeetingProviders": [provider] if calendar["can_edit"] else [],
        "defaultOnlineMeetingProvider": provider if calendar["can_edit"] else "unknown",
        "isTallyingResponses": True,
        "isRemovable": not is_default,
        "owner": calendar["owner"],
    }


def _not_found():
    return graph_error(404, "ErrorItemNotFound", "The specified object was not found in the store.")


def calendar_view(ctx, request, calendar_id=None):
    persona, error = authenticate(ctx, request, READ_SCOPES)
    if error:
        return error
    with ctx.state.lock:
        calendar = persona.calendar(calendar_id)
    if calendar is None:
        return _not_found()
    args = request.args
    if not args.get("startDateTime") or not args.get("endDateTime"):
        return graph_error(
            400,
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters "
            "StartDateTime and EndDateTime.",
        )
    try:
        start = timefmt.parse_instant(args["startDateTime"])
        end = timefmt.parse_instant(args["endDateTime"])
    except ValueError:
        return graph_error(
            400,
            "ErrorInvalidParameter",
            "The value of the parameter 'StartDateTime' or 'EndDateTime' is invalid.",
        )
    if end - start > timedelta(days=MAX_WINDOW_DAYS):
        return graph_error(
            400,
            "ErrorInvalidRequest",
            f"The time window is too long. Maximum number of days: {MAX_WINDOW_DAYS}",
        )
    prefer = _prefer(request)
    zone_label = prefer.get("outlook.timezone", "UTC")
    try:
        timefmt.zone(zone_label)
    except ValueError:
        return graph_error(
            400, "ErrorTimeZoneNotSupported", f"Time zone {zone_label!r} is not supported."
        )
    page_size = _page_size(args, prefer)
    skip = int(args.get("$skip", "0") or 0)
    with ctx.state.lock:
        stored = [
            event
            for event in ctx.state.mailbox(persona.username).values()
            if events.in_calendar(event, calendar["id"], persona.calendar_id)
        ]
    found = []
    for event in stored:
        found.extend(events.instances(event, start, end, persona.time_zone))
    found.sort(key=lambda entry: (entry[0], entry[2]["id"]))
    select = _select(request)
    page = [
        events.as_graph(item, start=s, end=e, zone_label=zone_label, select=select)
        for s, e, item in found[skip : skip + page_size]
    ]
    body = {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('me')/calendarView",
        "value": page,
    }
    if skip + page_size < len(found):
        query = {k: v for k, v in args.items() if k != "$skip"}
        query["$skip"] = str(skip + page_size)
        body["@odata.nextLink"] = (
            f"{request.host_url.rstrip('/')}{request.path}?{urlencode(query, safe='$:')}"
        )
    applied = [f'outlook.timezone="{zone_label}"'] if "outlook.timezone" in prefer else []
    if "odata.maxpagesize" in prefer:
        applied.append(f"odata.maxpagesize={page_size}")
    headers = {"Preference-Applied": ", ".join(applied)} if applied else None
    return json_response(body, headers=headers)


def calendar_view_delta(ctx, request):
    """Delta is served for completeness (the app never uses it: it cannot $select)."""
    response = calendar_view(ctx, request)
    if response.status_code != 200:
        return response
    body = json.loads(response.get_data())
    if "@odata.nextLink" not in body:
        body["@odata.deltaLink"] = (
            f"{request.host_url.rstrip('/')}{request.path}?$deltatoken={uuid.uuid4().hex}"
        )
    return json_response(body, headers={"Preference-Applied": "odata.track-changes"})


def create_event(ctx, request, calendar_id=None):
    persona, error = authenticate(ctx, request, WRITE_SCOPES)
    if error:
        return error
    try:
        payload = json.loads(request.get_data() or b"{}")
        if not isinstance(payload, dict):
            raise ValueError("body must be an object")
    except ValueError:
        return graph_error(400, "ErrorInvalidRequest", "Cannot read the request body.")
    state = ctx.state
    with state.lock:
        calendar = persona.calendar(calendar_id)
        if calendar is None:
            return _not_found()
        if not calendar["can_edit"]:
            return graph_error(
                403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )
        # Taken as holding per calendar (the stricter reading): a repeated POST finds the first
        # event only in the calendar the first one went to.
        key = (persona.username, calendar["id"], payload.get("transactionId"))
        existing = state.transactions.get(key) if key[2] else None
        if existing and existing in state.mailbox(persona.username):
            # A repeated POST with the same transactionId creates nothing (201, the same event).
            return _event_response(state.mailbox(persona.username)[existing], persona, request, 201)
        try:
            event = events.build_event(
                {k: v for k, v in payload.items() if k != "simCalendarId"},
                mailbox_zone=persona.time_zone,
                now=state.now(),
            )
        except events.InvalidEvent as exc:
            return graph_error(400, "ErrorInvalidRequest", str(exc))
        event["calendar_id"] = calendar["id"]
        _attach_online_meeting(event, persona)
        state.mailbox(persona.username)[event["id"]] = event
        if key[1]:
            state.transactions[key] = event["id"]
    return _event_response(event, persona, request, 201)


def event_item(ctx, request, event_id):
    needed = READ_SCOPES if request.method == "GET" else WRITE_SCOPES
    persona, error = authenticate(ctx, request, needed)
    if error:
        return error
    state = ctx.state
    with state.lock:
        mailbox = state.mailbox(persona.username)
        event = mailbox.get(event_id)
        if event is None:
            return graph_error(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        if request.method == "DELETE":
            del mailbox[event_id]
            return Response(status=204)
        if request.method == "PATCH":
            try:
                changes = json.loads(request.get_data() or b"{}")
                merged = {**_payload_of(event), **changes}
                updated = events.build_event(
                    merged, mailbox_zone=persona.time_zone, now=state.now()
                )
            except (ValueError, events.InvalidEvent) as exc:
                return graph_error(400, "ErrorInvalidRequest", str(exc))
            kept = ("id", "iCalUId", "createdDateTime", "transactionId", "onlineMeeting")
            for field in (*kept, "calendar_id"):
                if field in event:
                    updated[field] = event[field]
            if updated["isOnlineMeeting"] and not updated.get("onlineMeeting"):
                _attach_online_meeting(updated, persona)
            mailbox[event_id] = event = updated
    return _event_response(event, persona, request, 200)


def list_events(ctx, request):
    persona, error = authenticate(ctx, request, READ_SCOPES)
    if error:
        return error
    with ctx.state.lock:
        stored = list(ctx.state.mailbox(persona.username).values())
    value = []
    for event in stored:
        item = dict(event, type="seriesMaster" if event.get("recurrence") else "singleInstance")
        start = event["start_local"].astimezone(UTC)
        value.append(
            events.as_graph(
                item,
                start=start,
                end=event["end_local"].astimezone(UTC),
                zone_label="UTC",
                select=_select(request),
            )
        )
    return json_response({"value": value})


def mailbox_settings(ctx, request):
    persona, error = authenticate(ctx, request, {"MailboxSettings.Read"})
    if error:
        return error
    return json_response({"timeZone": persona.time_zone, "language": {"locale": "en-US"}})


def _event_response(event, persona, request, status):
    zone_label = _prefer(request).get("outlook.timezone", "UTC")
    item = dict(event, type="singleInstance")
    start, end = event["start_local"].astimezone(UTC), event["end_local"].astimezone(UTC)
    body = events.as_graph(item, start=start, end=end, zone_label=zone_label)
    body["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#users('me')/events/$entity"
    return json_response(body, status=status)


def _attach_online_meeting(event, persona):
    """As Outlook does: a meeting is made only with a provider the mailbox allows; otherwise
    the event is saved as an ordinary one (no error, isOnlineMeeting false)."""
    if not event["isOnlineMeeting"]:
        event["onlineMeetingProvider"] = "unknown"
        return
    allowed = _calendar(persona, persona.default_calendar())["allowedOnlineMeetingProviders"]
    if event["onlineMeetingProvider"] not in allowed:
        event["isOnlineMeeting"] = False
        event["onlineMeetingProvider"] = "unknown"
        return
    thread = secrets.token_hex(16)
    event["onlineMeeting"] = {
        "joinUrl": f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{thread}%40thread.v2/0"
    }


def _payload_of(event):
    return {
        "isOnlineMeeting": event["isOnlineMeeting"],
        "onlineMeetingProvider": event["onlineMeetingProvider"],
        "subject": event["subject"],
        "body": event["body"],
        "location": event["location"],
        "attendees": event["attendees"],
        "showAs": event["showAs"],
        "isAllDay": event["isAllDay"],
        "isCancelled": event["isCancelled"],
        "sensitivity": event["sensitivity"],
        "start": {
            "dateTime": event["start_local"].replace(tzinfo=None).isoformat(),
            "timeZone": event["zone"],
        },
        "end": {
            "dateTime": event["end_local"]
            .astimezone(event["start_local"].tzinfo)
            .replace(tzinfo=None)
            .isoformat(),
            "timeZone": event["zone"],
        },
        "recurrence": event.get("recurrence"),
    }


def _select(request):
    raw = request.args.get("$select")
    return {part.strip() for part in raw.split(",") if part.strip()} if raw else None


def _prefer(request):
    """Prefer header preferences: one header with comma-separated values, or several headers."""
    found = {}
    for header in request.headers.getlist("Prefer"):
        for part in re.split(r",\s*(?=[\w.]+=)", header):
            name, _, value = part.strip().partition("=")
            found[name.strip()] = value.strip().strip('"')
    return found


def _page_size(args, prefer):
    for raw in (args.get("$top"), prefer.get("odata.maxpagesize")):
        if raw:
            try:
                return max(1, int(raw))
            except ValueError:
                pass
    return DEFAULT_PAGE_SIZE

"""Microsoft Graph v1.0: /me, calendars, calendarView, events."""

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


def calendars(ctx, request):
    persona, error = authenticate(ctx, request, READ_SCOPES)
    if error:
        return error
    return json_response({"value": [_calendar(persona)]})


def default_calendar(ctx, request):
    persona, error = authenticate(ctx, request, READ_SCOPES)
    if error:
        return error
    return json_response(_calendar(persona))


def _calendar(persona):
    provider = "teamsForBusiness" if persona.kind == "work" else "skypeForConsumer"
    return {
        "id": persona.calendar_id,
        "name": "Calendar",
        "color": "auto",
        "hexColor": "",
        "isDefaultCalendar": True,
        "changeKey": "fJKVL07sbkmIfHqjbDnRgQAAAAACGA==",
        "canShare": True,
        "canViewPrivateItems": True,
        "canEdit": True,
        "allowedOnlineMeetingProviders": [provider],
        "defaultOnlineMeetingProvider": provider,
        "owner": {"name": persona.display_name, "address": persona.mail or persona.username},
    }


def calendar_view(ctx, request, calendar_id=None):
    persona, error = authenticate(ctx, request, READ_SCOPES)
    if error:
        return error
    if calendar_id and calendar_id != persona.calendar_id:
        return graph_error(
            404, "ErrorItemNotFound", "The specified object was not found in the store."
        )
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
        stored = list(ctx.state.mailbox(persona.username).values())
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
    key = (persona.username, payload.get("transactionId"))
    with state.lock:
        existing = state.transactions.get(key) if key[1] else None
        if existing and existing in state.mailbox(persona.username):
            # A repeated POST with the same transactionId creates nothing (201, the same event).
            return _event_response(state.mailbox(persona.username)[existing], persona, request, 201)
        try:
            event = events.build_event(payload, mailbox_zone=persona.time_zone, now=state.now())
        except events.InvalidEvent as exc:
            return graph_error(400, "ErrorInvalidRequest", str(exc))
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
            for field in ("id", "iCalUId", "createdDateTime", "transactionId", "onlineMeeting"):
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
    if event["onlineMeetingProvider"] not in _calendar(persona)["allowedOnlineMeetingProviders"]:
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

"""Microsoft Graph v1.0: /me, a mailbox's calendars, calendarView, events."""

import functools
import json
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from . import events, odata, timefmt
from .identity import json_response

DEFAULT_PAGE_SIZE = 10  # Graph's default for calendarView
MAX_WINDOW_DAYS = 1825
READ_SCOPES = {"Calendars.Read", "Calendars.ReadWrite"}
WRITE_SCOPES = {"Calendars.ReadWrite"}


def graph_error(status, code, message, headers=None):
    ids = odata.request_ids()
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": ids["request-id"],
                "client-request-id": ids["client-request-id"],
            },
        }
    }
    return json_response(body, status=status, headers=headers)


def endpoint(view):
    """A Graph endpoint: request-id / client-request-id on every answer (the client's echoed),
    and query or body refusals answered in Graph's error envelope."""

    @functools.wraps(view)
    def serve(ctx, request, **kwargs):
        token = odata.begin_request(request)
        try:
            response = view(ctx, request, **kwargs)
        except odata.QueryError as exc:
            response = graph_error(exc.status, exc.code, exc.message)
        return odata.end_request(token, response)

    return serve


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


@endpoint
def me(ctx, request):
    persona, error = authenticate(ctx, request, {"User.Read"})
    if error:
        return error
    select, _, _ = odata.check_query(
        request.args, fields=odata.USER_FIELDS, type_name="User", collection=False, outlook=False
    )
    context = "users" + (f"({','.join(select)})" if select else "")
    full = {
        "@odata.context": f"https://graph.microsoft.com/v1.0/$metadata#{context}/$entity",
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
    if select:
        # A selected property the simulator does not keep is answered as null, as Graph does.
        full = {"@odata.context": full["@odata.context"], **{k: full.get(k) for k in select}}
    return json_response(full)


@endpoint
def calendars(ctx, request):
    persona, error = authenticate(ctx, request, READ_SCOPES)
    if error:
        return error
    select, top, skip = odata.check_query(
        request.args, fields=odata.CALENDAR_FIELDS, type_name="Calendar", collection=True
    )
    with ctx.state.lock:
        listed = persona.all_calendars()
    everything = [_calendar(persona, c) for c in listed]
    page_size = odata.page_size(top, _prefer(request), DEFAULT_PAGE_SIZE)
    page = everything[skip : skip + page_size]
    if select:
        page = [{k: v for k, v in item.items() if k in select or k == "id"} for item in page]
    body = {
        "@odata.context": odata.context_url(persona.graph_id, "calendars", select),
        "value": page,
    }
    if skip + page_size < len(everything):
        query = {k: v for k, v in request.args.items() if k != "$skip"}
        query["$skip"] = str(skip + page_size)
        body["@odata.nextLink"] = (
            f"{request.host_url.rstrip('/')}{request.path}?{urlencode(query, safe='$:,')}"
        )
    return json_response(body)


@endpoint
def default_calendar(ctx, request):
    persona, error = authenticate(ctx, request, READ_SCOPES)
    if error:
        return error
    select, _, _ = odata.check_query(
        request.args, fields=odata.CALENDAR_FIELDS, type_name="Calendar", collection=False
    )
    item = _calendar(persona, persona.default_calendar())
    if select:
        item = {k: v for k, v in item.items() if k in select or k == "id"}
    context = odata.context_url(persona.graph_id, "calendar", select, entity=True)
    return json_response({"@odata.context": context, **item})


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


@endpoint
def calendar_view(ctx, request, calendar_id=None):
    persona, error = authenticate(ctx, request, READ_SCOPES)
    if error:
        return error
    with ctx.state.lock:
        calendar = persona.calendar(calendar_id)
    if calendar is None:
        return _not_found()
    args = request.args
    select, top, skip = odata.check_query(
        args, fields=odata.EVENT_FIELDS, type_name="Event", collection=True
    )
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
    # Windows or IANA names, in any case, as Outlook takes them in Prefer.
    zone_name = odata.resolve_zone(zone_label)
    if zone_name is None:
        return graph_error(
            400, "ErrorTimeZoneNotSupported", f"Time zone {zone_label!r} is not supported."
        )
    page_size = odata.page_size(top, prefer, DEFAULT_PAGE_SIZE)
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
    if (args.get("$orderby") or "").strip().endswith(" desc"):
        found.reverse()
    page = [
        events.as_graph(
            item, start=s, end=e, zone_label=zone_label, select=select, zone_name=zone_name
        )
        for s, e, item in found[skip : skip + page_size]
    ]
    if calendar_id is None and "/calendar/" not in request.path:
        view_path = "calendarView"
    else:
        view_path = f"calendars('{calendar['id']}')/calendarView"
    body = {
        "@odata.context": odata.context_url(persona.graph_id, view_path, select),
        "value": page,
    }
    if skip + page_size < len(found):
        query = {k: v for k, v in args.items() if k != "$skip"}
        query["$skip"] = str(skip + page_size)
        body["@odata.nextLink"] = (
            f"{request.host_url.rstrip('/')}{request.path}?{urlencode(query, safe='$:')}"
        )
    applied = [f'outlook.timezone="{zone_label}"'] if "outlook.timezone" in prefer else []
    if "odata.maxpagesize" in prefer and top is None:
        applied.append(f"odata.maxpagesize={page_size}")
    headers = {"Preference-Applied": ", ".join(applied)} if applied else None
    return json_response(body, headers=headers)


@endpoint
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


@endpoint
def create_event(ctx, request, calendar_id=None):
    persona, error = authenticate(ctx, request, WRITE_SCOPES)
    if error:
        return error
    payload = _event_body(request)
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
            event = events.build_event(payload, mailbox_zone=persona.time_zone, now=state.now())
        except events.InvalidEvent as exc:
            return graph_error(400, "ErrorInvalidRequest", str(exc))
        event["calendar_id"] = calendar["id"]
        _attach_online_meeting(event, persona)
        state.mailbox(persona.username)[event["id"]] = event
        if key[1]:
            state.transactions[key] = event["id"]
    return _event_response(event, persona, request, 201)


@endpoint
def event_item(ctx, request, event_id):
    needed = READ_SCOPES if request.method == "GET" else WRITE_SCOPES
    persona, error = authenticate(ctx, request, needed)
    if error:
        return error
    select = None
    if request.method == "GET":
        select, _, _ = odata.check_query(
            request.args, fields=odata.EVENT_FIELDS, type_name="Event", collection=False
        )
    changes = _event_body(request) if request.method == "PATCH" else None
    state = ctx.state
    with state.lock:
        mailbox = state.mailbox(persona.username)
        event = mailbox.get(event_id)
        occurrence = None if event else events.find_occurrence(mailbox, event_id, persona.time_zone)
        if event is None and occurrence is None:
            return _not_found()
        current = event or occurrence[2]
        if not _if_match(request, current):
            return graph_error(
                412,
                "ErrorIrresolvableConflict",
                "The send or update operation could not be performed because the change key "
                "passed in the request does not match the current change key for the item.",
            )
        if occurrence is not None:
            if request.method == "DELETE":
                master, day = occurrence[0], occurrence[1]
                master["deleted"].add(day.isoformat())
                return Response(status=204)
            if request.method == "PATCH":
                return graph_error(
                    400, "BadRequest", "The simulator does not edit single occurrences."
                )
            start, end, item = occurrence[3]
            return _item_response(item, start, end, request, select)
        if request.method == "DELETE":
            del mailbox[event_id]
            return Response(status=204)
        if request.method == "PATCH":
            try:
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
    if request.method == "GET":
        kind = "seriesMaster" if event.get("recurrence") else "singleInstance"
        start, end = event["start_local"].astimezone(UTC), event["end_local"].astimezone(UTC)
        return _item_response(dict(event, type=kind), start, end, request, select)
    return _event_response(event, persona, request, 200)


def _item_response(item, start, end, request, select):
    zone_label = _prefer(request).get("outlook.timezone", "UTC")
    zone_name = odata.resolve_zone(zone_label) or "UTC"
    body = events.as_graph(
        item, start=start, end=end, zone_label=zone_label, select=select, zone_name=zone_name
    )
    return json_response(body)


def _if_match(request, event):
    """If-Match carries the @odata.etag the client last saw; '*' matches any version."""
    wanted = request.headers.get("If-Match")
    if not wanted:
        return True
    current = f'W/"{event["changeKey"]}"'
    return any(tag.strip() in ("*", current) for tag in wanted.split(","))


def _event_body(request):
    """The JSON object of a POST/PATCH, checked as Graph checks it (raises QueryError)."""
    mimetype = request.mimetype or ""
    if mimetype != "application/json":
        raise odata.QueryError(
            "UnsupportedMediaType",
            f"The content type '{request.content_type or ''}' is not supported; send "
            "application/json.",
            status=415,
        )
    try:
        payload = json.loads(request.get_data() or b"{}")
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise odata.QueryError("RequestBodyRead", "The request body is not a JSON object.")
    odata.check_event_body(payload)
    return payload


@endpoint
def list_events(ctx, request):
    persona, error = authenticate(ctx, request, READ_SCOPES)
    if error:
        return error
    select, top, skip = odata.check_query(
        request.args, fields=odata.EVENT_FIELDS, type_name="Event", collection=True
    )
    with ctx.state.lock:
        stored = list(ctx.state.mailbox(persona.username).values())
    page_size = odata.page_size(top, _prefer(request), DEFAULT_PAGE_SIZE)
    value = []
    for event in stored[skip : skip + page_size]:
        item = dict(event, type="seriesMaster" if event.get("recurrence") else "singleInstance")
        start = event["start_local"].astimezone(UTC)
        value.append(
            events.as_graph(
                item,
                start=start,
                end=event["end_local"].astimezone(UTC),
                zone_label="UTC",
                select=select,
            )
        )
    body = {"@odata.context": odata.context_url(persona.graph_id, "events", select), "value": value}
    if skip + page_size < len(stored):
        query = {k: v for k, v in request.args.items() if k != "$skip"}
        query["$skip"] = str(skip + page_size)
        body["@odata.nextLink"] = (
            f"{request.host_url.rstrip('/')}{request.path}?{urlencode(query, safe='$:,')}"
        )
    return json_response(body)


@endpoint
def mailbox_settings(ctx, request):
    persona, error = authenticate(ctx, request, {"MailboxSettings.Read"})
    if error:
        return error
    return json_response({"timeZone": persona.time_zone, "language": {"locale": "en-US"}})


def _event_response(event, persona, request, status):
    zone_label = _prefer(request).get("outlook.timezone", "UTC")
    zone_name = odata.resolve_zone(zone_label) or "UTC"
    item = dict(event, type="seriesMaster" if event.get("recurrence") else "singleInstance")
    start, end = event["start_local"].astimezone(UTC), event["end_local"].astimezone(UTC)
    body = events.as_graph(item, start=start, end=end, zone_label=zone_label, zone_name=zone_name)
    body["@odata.context"] = odata.context_url(persona.graph_id, "events", entity=True)
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


def _prefer(request):
    """Prefer header preferences: one header with comma-separated values, or several headers."""
    found = {}
    for header in request.headers.getlist("Prefer"):
        for part in re.split(r",\s*(?=[\w.]+=)", header):
            name, _, value = part.strip().partition("=")
            found[name.strip()] = value.strip().strip('"')
    return found

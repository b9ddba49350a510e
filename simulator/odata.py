"""What Graph checks before it serves a request: query options, $select fields, event bodies,
zone names; and the request ids every answer carries. Strict on purpose: a simulator that
accepted a typo would let the app's bug reach production (issue 13)."""

import contextvars
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .windows_zones import WINDOWS_TO_IANA

# Outlook serves at most this many items per page, whatever $top or odata.maxpagesize ask
# for; a larger $top is not refused (calendarView?$top=1000000 answers a page).
MAX_PAGE_SIZE = 1000

USER_FIELDS = {
    "aboutMe", "accountEnabled", "ageGroup", "birthday", "businessPhones", "city",
    "companyName", "country", "createdDateTime", "department", "displayName", "employeeId",
    "faxNumber", "givenName", "hireDate", "id", "identities", "imAddresses", "interests",
    "jobTitle", "mail", "mailNickname", "mobilePhone", "mySite", "officeLocation", "otherMails",
    "postalCode", "preferredLanguage", "preferredName", "proxyAddresses", "responsibilities",
    "schools", "skills", "state", "streetAddress", "surname", "usageLocation",
    "userPrincipalName", "userType",
}  # fmt: skip
CALENDAR_FIELDS = {
    "id", "name", "color", "hexColor", "isDefaultCalendar", "changeKey", "canShare",
    "canViewPrivateItems", "canEdit", "allowedOnlineMeetingProviders",
    "defaultOnlineMeetingProvider", "isTallyingResponses", "isRemovable", "owner",
}  # fmt: skip
# The v1.0 event type: its properties (and relationships, which $select also names).
EVENT_FIELDS = {
    "allowNewTimeProposals", "attendees", "body", "bodyPreview", "categories", "changeKey",
    "createdDateTime", "end", "hasAttachments", "hideAttendees", "iCalUId", "id", "importance",
    "isAllDay", "isCancelled", "isDraft", "isOnlineMeeting", "isOrganizer", "isReminderOn",
    "lastModifiedDateTime", "location", "locations", "onlineMeeting", "onlineMeetingProvider",
    "onlineMeetingUrl", "organizer", "originalEndTimeZone", "originalStart",
    "originalStartTimeZone", "recurrence", "reminderMinutesBeforeStart", "responseRequested",
    "responseStatus", "sensitivity", "seriesMasterId", "showAs", "start", "subject",
    "transactionId", "type", "webLink", "attachments", "calendar", "cancelledOccurrences",
    "exceptionOccurrences", "extensions", "instances", "multiValueExtendedProperties",
    "singleValueExtendedProperties",
}  # fmt: skip
# What a client may write in POST/PATCH /events (read-only ones are ignored, as Graph does).
EVENT_WRITABLE = EVENT_FIELDS - {"attachments", "calendar", "instances", "extensions"}

COLLECTION_OPTIONS = {"$select", "$top", "$skip", "$skiptoken", "$orderby", "$filter", "$count"}
ENTITY_OPTIONS = {"$select"}
KNOWN_OPTIONS = COLLECTION_OPTIONS | {"$expand", "$search", "$format", "$deltatoken", "$apply"}
# Known to OData, not simulated: refused loudly rather than silently ignored.
NOT_SIMULATED = {"$filter", "$count", "$expand", "$search", "$format", "$apply"}

_ids = contextvars.ContextVar("graph_request_ids", default=None)


class QueryError(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def begin_request(request):
    """Name the request (request-id) and remember the client's own id to echo it."""
    ids = _ids.get() or {
        "request-id": str(uuid.uuid4()),
        "client-request-id": request.headers.get("client-request-id") or str(uuid.uuid4()),
    }
    return _ids.set(ids)


def end_request(token, response):
    ids = _ids.get()
    _ids.reset(token)
    if ids:
        for name, value in ids.items():
            response.headers[name] = value
    return response


def request_ids():
    """The ids of the request being served (fresh ones outside a Graph endpoint)."""
    return _ids.get() or {"request-id": str(uuid.uuid4()), "client-request-id": str(uuid.uuid4())}


def check_query(args, *, fields, type_name, collection, outlook=True):
    """Validate the $-options; return (select, top, skip) with select in canonical names."""
    seen = {}
    for key in args:
        if not key.startswith("$"):
            continue  # startDateTime and the like; unknown plain parameters Graph ignores
        name = key.lower()
        if name in seen or len(args.getlist(key)) > 1:
            raise QueryError(
                "BadRequest",
                f"Query option '{key}' was specified more than once, but it must be specified "
                "at most once.",
            )
        seen[name] = args.get(key)
        if name not in KNOWN_OPTIONS:
            raise QueryError("BadRequest", f"The query parameter '{key}' is not supported.")
        if not collection and name not in ENTITY_OPTIONS and name != "$expand":
            raise QueryError(
                "BadRequest",
                "The query specified in the URI is not valid. The requested resource is not a "
                "collection. Query options $filter, $orderby, $count, $skip, and $top can be "
                "applied only on collections.",
            )
        if name in NOT_SIMULATED:
            raise QueryError("BadRequest", f"The simulator does not serve '{key}'.")
    select = _select(seen.get("$select"), fields, type_name, outlook)
    top = _non_negative(seen.get("$top"), "$top")
    skip = _non_negative(seen.get("$skip"), "$skip") or 0
    if "$skiptoken" in seen:
        # The simulator's nextLinks page with $skip: any $skiptoken was made up or altered.
        raise QueryError("BadRequest", "The $skiptoken value is not valid.")
    orderby = seen.get("$orderby")
    if orderby is not None and orderby.strip() not in (
        "start/dateTime",
        "start/dateTime asc",
        "start/dateTime desc",
    ):
        raise QueryError("BadRequest", f"The simulator does not serve $orderby={orderby!r}.")
    return select, top, skip


def _select(raw, fields, type_name, outlook):
    if raw is None:
        return None
    by_lower = {f.lower(): f for f in fields}
    chosen = []
    for part in raw.split(","):
        name = part.strip()
        canonical = by_lower.get(name.lower())
        if canonical is None:
            if outlook:
                raise QueryError(
                    "RequestBroker--ParseUri",
                    f"Could not find a property named '{name}' on type "
                    f"'Microsoft.OutlookServices.{type_name}'.",
                )
            raise QueryError(
                "BadRequest",
                "Parsing OData Select and Expand failed: Could not find a property named "
                f"'{name}' on type 'microsoft.graph.{type_name.lower()}'.",
            )
        if canonical not in chosen:
            chosen.append(canonical)
    return chosen


def _non_negative(raw, option):
    if raw is None:
        return None
    if not raw.isdigit():
        raise QueryError(
            "BadRequest",
            f"Invalid value '{raw}' for {option} query option found. The {option} query option "
            "requires a non-negative integer value.",
        )
    return int(raw)


def page_size(top, prefer, default):
    """$top, else Prefer: odata.maxpagesize, else the default; never above Outlook's limit."""
    size = default
    if top is not None:
        size = top
    elif (prefer.get("odata.maxpagesize") or "").isdigit():
        size = int(prefer["odata.maxpagesize"]) or default
    return min(size, MAX_PAGE_SIZE)


def context_url(user_id, path, select=None, entity=False):
    """@odata.context as Graph writes it: users('{id}')/calendarView(start,end)[/$entity]."""
    url = f"https://graph.microsoft.com/v1.0/$metadata#users('{user_id}')/{path}"
    if select:
        url += f"({','.join(select)})"
    return url + ("/$entity" if entity else "")


def check_event_body(payload):
    """Graph's refusals for an event body: unknown properties, offsets, unknown zones."""
    for key in payload:
        if key.startswith("@odata."):
            continue
        if key not in EVENT_WRITABLE:
            raise QueryError(
                "RequestBodyRead",
                f"The property '{key}' does not exist on type "
                "'Microsoft.OutlookServices.Event'. Make sure to only use property names that "
                "are defined by the type or mark the type as open type.",
            )
    for key in ("start", "end"):
        value = payload.get(key)
        if value is None:
            continue
        if not isinstance(value, dict) or not isinstance(value.get("dateTime"), str):
            raise QueryError("RequestBodyRead", f"Cannot convert the literal '{value}' for {key}.")
        text = value["dateTime"]
        if text.endswith("Z") or "+" in text[10:] or "-" in text[10:]:
            raise QueryError(
                "ErrorInvalidRequest",
                f"The dateTime '{text}' carries an offset; dateTimeTimeZone takes a local "
                "time and names its zone in timeZone.",
            )
        zone_name = value.get("timeZone")
        if zone_name is not None and resolve_zone(zone_name) is None:
            raise QueryError(
                "TimeZoneNotSupportedException",
                "A valid TimeZone value must be specified. The following TimeZone value is not "
                f"supported: '{zone_name}'.",
            )


_IANA = {name.lower(): name for name in available_timezones()}
_WINDOWS = {name.lower(): iana for name, iana in WINDOWS_TO_IANA.items()}


def resolve_zone(name):
    """The IANA name for a Windows or IANA zone name (any case), else None."""
    if not isinstance(name, str) or not name.strip():
        return None
    key = name.strip().lower()
    if key in ("utc", "etc/utc"):
        return "UTC"
    found = _WINDOWS.get(key) or _IANA.get(key)
    if found is None:
        return None
    try:
        ZoneInfo(found)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return found

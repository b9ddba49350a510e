"""Microsoft Graph over requests: who is connected, busy blocks, the booked events.

Every answer is checked here and turned into small frozen dataclasses, so a malformed
reply becomes a GraphError before anything touches the database.
"""

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import orjson
import requests
from django.conf import settings

from okomo.intervals import Interval

from .busy import CalendarEvent
from .transport import remaining, shared_session

logger = logging.getLogger(__name__)


class GraphError(Exception):
    """A Graph call failed. `permanent` says whether retrying the same call can help."""

    def __init__(self, message, *, status=None, code="", retry_after=None, permanent=False):
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after
        self.permanent = permanent


class GraphUnauthorized(GraphError):
    """401: the access token was refused (expired or revoked)."""


@dataclass(frozen=True)
class Me:
    id: str
    display_name: str
    mail: str | None
    user_principal_name: str

    @property
    def address(self):
        # Personal accounts often have no `mail`; the UPN is their Outlook.com address.
        return self.mail or self.user_principal_name


def get_me(access_token: str) -> Me:
    body = _request(
        "GET", "/me", access_token, params={"$select": "id,displayName,mail,userPrincipalName"}
    )
    try:
        return Me(
            id=_text(body, "id"),
            display_name=body.get("displayName") or "",
            mail=body.get("mail") or None,
            user_principal_name=_text(body, "userPrincipalName"),
        )
    except (AttributeError, TypeError) as exc:
        raise GraphError("malformed /me answer", permanent=True) from exc


# The five fields the privacy promise allows: subject, location, attendees and body never
# leave Microsoft. (Delta queries cannot $select, so they are not used.)
CALENDAR_VIEW_SELECT = "start,end,showAs,isAllDay,isCancelled"
# Events per page: Outlook serves at most 1,000, and a busy calendar of a few hundred events
# then costs one round trip instead of dozens at Graph's default of 10.
PAGE_SIZE = 1000
# 429/503 answers are retried this often per page, waiting as Microsoft says, but never longer
# than MAX_RETRY_WAIT seconds: a longer wait is better spent at the next scheduled sync.
MAX_RETRIES = 3
MAX_RETRY_WAIT = 30.0


def read_calendar_view(
    access_token: str, window: Interval, *, calendar_id: str | None = None, sleep=time.sleep
) -> list[CalendarEvent]:
    """Every event overlapping `window` in one calendar, recurring series expanded.

    calendar_id: Graph's id of the calendar; None reads the default calendar (/me/calendarView).
    An unknown or deleted calendar raises GraphError with status 404.
    """
    session = shared_session()
    url = settings.MICROSOFT_GRAPH_URL + _calendar_path(calendar_id) + "calendarView"
    params = {
        "startDateTime": _graph_instant(window.start),
        "endDateTime": _graph_instant(window.end),
        "$select": CALENDAR_VIEW_SELECT,
    }
    headers = {"Prefer": f'outlook.timezone="UTC", odata.maxpagesize={PAGE_SIZE}'}
    events = []
    while url:
        body = _request_retrying(
            "GET", url, access_token, params=params, headers=headers, session=session, sleep=sleep
        )
        values = body.get("value")
        if not isinstance(values, list):
            raise GraphError("calendarView answer has no event list", permanent=True)
        events.extend(_calendar_event(value) for value in values)
        url, params = body.get("@odata.nextLink"), None
        if url is not None:
            _check_next_link(url)
    return events


def _calendar_path(calendar_id):
    return "/me/" if calendar_id is None else f"/me/calendars/{quote(calendar_id, safe='')}/"


# Calendar metadata only: which calendars exist, what they are called, who owns them.
CALENDARS_SELECT = "id,name,isDefaultCalendar,canEdit,owner"


@dataclass(frozen=True)
class CalendarInfo:
    id: str
    name: str
    is_default: bool
    can_edit: bool
    owner_address: str  # empty when Graph names no owner
    owner_name: str


def list_calendars(access_token: str, *, sleep=time.sleep) -> list[CalendarInfo]:
    """The account's calendars (its own and those shared with it), exactly one the default."""
    session = shared_session()
    url = settings.MICROSOFT_GRAPH_URL + "/me/calendars"
    params = {"$select": CALENDARS_SELECT}
    found = []
    while url:
        body = _request_retrying(
            "GET", url, access_token, params=params, session=session, sleep=sleep
        )
        values = body.get("value")
        if not isinstance(values, list):
            raise GraphError("calendars answer has no calendar list", permanent=True)
        found.extend(_calendar_info(value) for value in values)
        url, params = body.get("@odata.nextLink"), None
        if url is not None:
            _check_next_link(url)
    if sum(info.is_default for info in found) != 1 or len({i.id for i in found}) != len(found):
        # The default calendar stands for "what was read before": without exactly one, the
        # list cannot be used (and the sync reads /me/calendarView as before).
        raise GraphError("calendars answer has no single default calendar", permanent=True)
    return found


def _calendar_info(value):
    try:
        owner = value.get("owner") or {}
        return CalendarInfo(
            id=_text(value, "id"),
            name=str(value.get("name") or "")[:255],
            is_default=bool(value.get("isDefaultCalendar", False)),
            can_edit=bool(value.get("canEdit", False)),
            owner_address=str(owner.get("address") or ""),
            owner_name=str(owner.get("name") or "")[:255],
        )
    except (AttributeError, TypeError) as exc:
        raise GraphError("calendars answer lists an unusable calendar", permanent=True) from exc


@dataclass(frozen=True)
class WrittenEvent:
    id: str
    join_url: str  # the online meeting's join link; empty when Outlook made none


def meeting_providers(access_token: str) -> tuple[str, ...]:
    """The online meeting providers the default calendar allows (calendar metadata only)."""
    body = _request(
        "GET",
        "/me/calendar",
        access_token,
        params={"$select": "allowedOnlineMeetingProviders,defaultOnlineMeetingProvider"},
    )
    allowed = body.get("allowedOnlineMeetingProviders") or []
    if not isinstance(allowed, list):
        raise GraphError("calendar answer has no provider list", permanent=True)
    return tuple(str(provider) for provider in allowed)


def create_event(access_token: str, event: dict, *, calendar_id: str | None = None) -> WrittenEvent:
    """POST the event into a calendar (None: the default one, /me/events); the body's
    transactionId makes a repeated call into the same calendar create nothing new."""
    path = "/me/events" if calendar_id is None else _calendar_path(calendar_id) + "events"
    return _written(_request("POST", path, access_token, json=event))


def update_event(access_token: str, event_id: str, changes: dict) -> WrittenEvent:
    """PATCH /me/events/{id}: the same event (same id) with the changed fields."""
    return _written(
        _request("PATCH", f"/me/events/{quote(event_id, safe='')}", access_token, json=changes)
    )


def _written(body):
    event_id = body.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise GraphError("written event has no id", permanent=True)
    meeting = body.get("onlineMeeting")
    join_url = meeting.get("joinUrl") if isinstance(meeting, dict) else None
    if not isinstance(join_url, str) or not join_url.startswith("https://"):
        join_url = ""
    return WrittenEvent(id=event_id, join_url=join_url)


def delete_event(access_token: str, event_id: str) -> None:
    """DELETE /me/events/{id}; an event that is already gone counts as deleted."""
    try:
        _request("DELETE", f"/me/events/{quote(event_id, safe='')}", access_token)
    except GraphError as exc:
        if exc.status != 404:
            raise


@dataclass(frozen=True)
class SubscriptionInfo:
    id: str
    expires_at: datetime  # aware, UTC


def create_subscription(
    access_token: str,
    *,
    resource: str,
    notification_url: str,
    lifecycle_url: str,
    expires_at: datetime,
    client_state: str,
) -> SubscriptionInfo:
    """POST /subscriptions: change notifications for `resource`'s events. Microsoft first
    checks `notification_url` with the validation handshake (400 when it fails)."""
    body = _request(
        "POST",
        "/subscriptions",
        access_token,
        json={
            "changeType": "created,updated,deleted",
            "notificationUrl": notification_url,
            "lifecycleNotificationUrl": lifecycle_url,
            "resource": resource,
            "expirationDateTime": _graph_instant(expires_at),
            "clientState": client_state,
        },
    )
    return _subscription(body)


def renew_subscription(access_token: str, subscription_id: str, expires_at: datetime):
    """PATCH /subscriptions/{id} with a new expiry; 404 (GraphError) when it is gone."""
    body = _request(
        "PATCH",
        f"/subscriptions/{quote(subscription_id, safe='')}",
        access_token,
        json={"expirationDateTime": _graph_instant(expires_at)},
    )
    return _subscription(body)


def reauthorize_subscription(access_token: str, subscription_id: str) -> None:
    """POST /subscriptions/{id}/reauthorize (after a reauthorizationRequired notification)."""
    _request("POST", f"/subscriptions/{quote(subscription_id, safe='')}/reauthorize", access_token)


def delete_subscription(access_token: str, subscription_id: str) -> None:
    """DELETE /subscriptions/{id}; one that is already gone counts as deleted."""
    try:
        _request("DELETE", f"/subscriptions/{quote(subscription_id, safe='')}", access_token)
    except GraphError as exc:
        if exc.status != 404:
            raise


def _subscription(body):
    try:
        expires = datetime.fromisoformat(_graph_instant_text(_text(body, "expirationDateTime")))
        if expires.tzinfo is None:
            raise ValueError("expiry without an offset")
        return SubscriptionInfo(id=_text(body, "id"), expires_at=expires.astimezone(UTC))
    except ValueError as exc:
        raise GraphError("subscription answer has no usable expiry", permanent=True) from exc


def _graph_instant_text(text):
    # "2025-05-04T10:00:00.0000000Z": seven fractional digits and a Z, which Python 3.11
    # reads only as six digits and +00:00.
    head, _, rest = text.partition(".")
    if not rest:
        return text.replace("Z", "+00:00")
    digits = rest.rstrip("Z")
    zone = "+00:00" if rest.endswith("Z") else ""
    if "+" in digits or "-" in digits:
        digits, sign, offset = digits.partition("+") if "+" in digits else digits.partition("-")
        zone = sign + offset
    return f"{head}.{digits[:6]}{zone}"


def _request_retrying(method, url, access_token, *, sleep, **kwargs):
    for attempt in range(MAX_RETRIES + 1):
        try:
            return _request(method, url, access_token, **kwargs)
        except GraphUnauthorized:
            raise
        except GraphError as exc:
            if exc.permanent or attempt == MAX_RETRIES:
                raise
            wait = exc.retry_after if exc.retry_after is not None else 2.0**attempt
            left = remaining()
            # Under a deadline (a person waits) the wait must fit in what is left of it.
            if wait > MAX_RETRY_WAIT or (left is not None and wait >= left):
                raise
            logger.info("graph busy, retrying in %.1fs (status %s)", wait, exc.status)
            sleep(wait)
    raise AssertionError("unreachable")


def _calendar_event(value):
    try:
        start, end = value["start"], value["end"]
        return CalendarEvent(
            start=_graph_datetime(start["dateTime"]),
            end=_graph_datetime(end["dateTime"]),
            time_zone=str(start.get("timeZone") or "UTC"),
            show_as=str(value.get("showAs", "busy")),
            is_all_day=bool(value.get("isAllDay", False)),
            is_cancelled=bool(value.get("isCancelled", False)),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise GraphError("calendarView event lacks usable start/end", permanent=True) from exc


def _graph_datetime(text):
    # Graph writes seven fractional digits ("2017-04-15T11:00:00.0000000"); since Python 3.11
    # fromisoformat reads them, keeping six.
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is not None:
        raise ValueError(f"Graph date-time with an offset: {text}")
    return parsed


def _graph_instant(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_next_link(url):
    # The bearer token follows nextLink: it must stay on the configured Graph host.
    expected = urlsplit(settings.MICROSOFT_GRAPH_URL)
    actual = urlsplit(url)
    if (actual.scheme, actual.netloc) != (expected.scheme, expected.netloc):
        raise GraphError("nextLink points to another host", permanent=True)


def _request(method, path, access_token, *, params=None, json=None, headers=None, session=None):
    url = (
        path
        if path.startswith("https://") or path.startswith("http://")
        else settings.MICROSOFT_GRAPH_URL + path
    )
    all_headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    all_headers.update(headers or {})
    try:
        response = (session or shared_session()).request(
            method, url, params=params, json=json, headers=all_headers
        )
    except requests.RequestException as exc:
        raise GraphError(f"Microsoft Graph unreachable: {exc.__class__.__name__}") from exc
    if response.status_code >= 400:
        raise _error_from(response)
    if response.status_code == 204 or not response.content:
        return {}
    try:
        body = orjson.loads(response.content)
    except ValueError as exc:  # orjson.JSONDecodeError is one
        raise GraphError(
            "Microsoft Graph answered with malformed JSON",
            status=response.status_code,
            permanent=True,
        ) from exc
    if not isinstance(body, dict):
        raise GraphError("Microsoft Graph answered with an unexpected shape", permanent=True)
    return body


def _error_from(response):
    try:
        error = response.json().get("error") or {}
        code, message = str(error.get("code", "")), str(error.get("message", ""))
    except (ValueError, AttributeError):
        code, message = "", ""
    status = response.status_code
    text = f"Microsoft Graph {status} {code}: {message}".strip()
    if status == 401:
        return GraphUnauthorized(text, status=status, code=code, permanent=True)
    transient = status in (429, 500, 502, 503, 504)
    return GraphError(
        text,
        status=status,
        code=code,
        retry_after=_retry_after(response.headers.get("Retry-After")),
        permanent=not transient,
    )


def _retry_after(value):
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _text(body, key):
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise GraphError(f"Microsoft Graph answer lacks {key}", permanent=True)
    return value

"""Mailbox events: storing them, expanding series, and shaping them as Graph returns them."""

import calendar
import hashlib
import secrets
from datetime import UTC, date, datetime, time, timedelta

from . import odata, timefmt

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
SHOW_AS = {"free", "tentative", "busy", "oof", "workingElsewhere", "unknown"}
# Series expansion stops here even for "noEnd" ranges: a calendarView window is at most
# 1825 days, and this keeps a careless request from spinning.
MAX_OCCURRENCES = 2000
PATTERNS = {
    "daily",
    "weekly",
    "absoluteMonthly",
    "relativeMonthly",
    "absoluteYearly",
    "relativeYearly",
}
INDEXES = {"first": 0, "second": 1, "third": 2, "fourth": 3, "last": -1}
# Exchange's GlobalObjectId as iCalUId: a fixed prefix, then the occurrence's date (year,
# month, day in hex; zeros for the series master and single events), then the item's own part.
ICAL_PREFIX = "040000008200E00074C5B7101A82E008"


class InvalidEvent(ValueError):
    pass


def build_event(payload, *, mailbox_zone, now):
    """A stored event from a Graph-shaped payload (POST /me/events or the control API)."""
    try:
        is_all_day = bool(payload.get("isAllDay", False))
        start = timefmt.parse_local(_resolved(payload["start"]))
        end = timefmt.parse_local(_resolved(payload["end"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidEvent(f"start and end need dateTime and timeZone: {exc}") from exc
    _check_recurrence(payload.get("recurrence"))
    show_as = payload.get("showAs", "busy")
    if show_as not in SHOW_AS:
        raise InvalidEvent(f"showAs must be one of {sorted(SHOW_AS)}")
    if is_all_day and (start.time() != time(0) or end.time() != time(0)):
        raise InvalidEvent("all-day events must start and end at midnight")
    if end <= start:
        raise InvalidEvent("the event must end after it starts")
    event_id = "AAMkAG" + secrets.token_urlsafe(30)
    stamp = timefmt.iso_utc(now)
    body = payload.get("body") or {"contentType": "text", "content": ""}
    if isinstance(body, str):
        body = {"contentType": "text", "content": body}
    location = payload.get("location") or {"displayName": ""}
    if isinstance(location, str):
        location = {"displayName": location}
    event = {
        "id": event_id,
        "iCalUId": ICAL_PREFIX + "00000000" + hashlib.sha1(event_id.encode()).hexdigest().upper(),  # noqa: S324
        "changeKey": secrets.token_urlsafe(12),
        "createdDateTime": stamp,
        "lastModifiedDateTime": stamp,
        "subject": payload.get("subject", ""),
        "body": body,
        "bodyPreview": str(body.get("content", ""))[:255],
        "location": location,
        "attendees": [_attendee(a) for a in payload.get("attendees") or []],
        "showAs": show_as,
        "isCancelled": bool(payload.get("isCancelled", False)),
        "isAllDay": is_all_day,
        "sensitivity": payload.get("sensitivity", "normal"),
        "isReminderOn": bool(payload.get("isReminderOn", True)),
        "isOnlineMeeting": bool(payload.get("isOnlineMeeting", False)),
        "onlineMeetingProvider": payload.get("onlineMeetingProvider") or "unknown",
        "onlineMeeting": None,
        "zone": payload["start"].get("timeZone") or "UTC",
        "start_local": start,  # aware, in the event's own zone (all-day: midnight, floating)
        "end_local": end,
        "recurrence": payload.get("recurrence"),
        "exceptions": dict(payload.get("exceptions") or {}),
        "deleted": set(payload.get("deletedOccurrences") or []),
    }
    if payload.get("transactionId"):
        event["transactionId"] = payload["transactionId"]
    # Which calendar of the mailbox holds it: the simulator's own key (the control API and the
    # demo set it; Graph takes the calendar from the URL). None: the default calendar.
    event["calendar_id"] = payload.get("simCalendarId")
    return event


def _resolved(value):
    """The dateTimeTimeZone with its zone as an IANA name (Windows names, any case, map)."""
    name = value.get("timeZone") or "UTC"
    zone_name = odata.resolve_zone(name)
    if zone_name is None:
        raise ValueError(f"unknown time zone {name!r}")
    return {**value, "timeZone": zone_name}


def _check_recurrence(recurrence):
    """A series the simulator cannot expand is refused when stored, never at read time."""
    if not recurrence:
        return
    pattern = recurrence.get("pattern") or {}
    kind = pattern.get("type", "daily")
    if kind not in PATTERNS:
        raise InvalidEvent(f"recurrence pattern {kind!r} is not valid")
    if kind.startswith("relative") and not pattern.get("daysOfWeek"):
        raise InvalidEvent(f"a {kind} pattern needs daysOfWeek")
    if pattern.get("index", "first") not in INDEXES:
        raise InvalidEvent(f"recurrence index {pattern.get('index')!r} is not valid")
    if kind.endswith("Yearly") and not 1 <= int(pattern.get("month") or 0) <= 12:
        raise InvalidEvent(f"a {kind} pattern needs a month")
    if any(d.lower() not in WEEKDAYS for d in pattern.get("daysOfWeek") or []):
        raise InvalidEvent("daysOfWeek names an unknown day")


def occurrence_uid(master_uid, day):
    return f"{master_uid[:32]}{day.year:04X}{day.month:02X}{day.day:02X}{master_uid[40:]}"


def find_occurrence(mailbox, occurrence_id, mailbox_zone):
    """(master, day, item, (start, end, item)) for an occurrence id '{master}_{yyyymmdd}'."""
    master_id, _, stamp = occurrence_id.rpartition("_")
    master = mailbox.get(master_id)
    if not master or not master.get("recurrence") or len(stamp) != 8 or not stamp.isdigit():
        return None
    try:
        day = date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:]))
    except ValueError:
        return None
    horizon = datetime.combine(day + timedelta(days=2), time(0), tzinfo=UTC)
    if day.isoformat() in master["deleted"] or day not in set(occurrence_dates(master, horizon)):
        return None
    far = datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC)
    for start, end, item in instances(master, *far, mailbox_zone, only=day):
        return master, day, item, (start, end, item)
    return None


def in_calendar(event, calendar_id, default_id):
    """Whether the stored event lives in the calendar `calendar_id`."""
    return (event.get("calendar_id") or default_id) == calendar_id


def _attendee(value):
    if isinstance(value, str):
        return {
            "type": "required",
            "status": {"response": "none"},
            "emailAddress": {"name": value, "address": value},
        }
    return value


def instances(event, window_start, window_end, mailbox_zone, only=None):
    """The event's instances overlapping [window_start, window_end), as (start, end, item)."""
    found = []
    if event.get("recurrence"):
        days = [only] if only else occurrence_dates(event, window_end)
        for day in days:
            key = day.isoformat()
            if key in event["deleted"]:
                continue
            item = dict(event, type="occurrence", seriesMasterId=event["id"])
            item["id"] = f"{event['id']}_{day:%Y%m%d}"
            item["iCalUId"] = occurrence_uid(event["iCalUId"], day)
            item["start_local"], item["end_local"] = _occurrence_times(event, day)
            if key in event["exceptions"]:
                item = _with_exception(item, event["exceptions"][key])
            found.append(item)
    else:
        found.append(dict(event, type="singleInstance"))
    result = []
    for item in found:
        start, end = _instants(item, mailbox_zone)
        if start < window_end and end > window_start:
            result.append((start, end, item))
    return result


def occurrence_dates(event, window_end):
    recurrence = event["recurrence"]
    pattern, rng = recurrence.get("pattern", {}), recurrence.get("range", {})
    first = date.fromisoformat(rng.get("startDate") or event["start_local"].date().isoformat())
    last = date.fromisoformat(rng["endDate"]) if rng.get("type") == "endDate" else None
    count = int(rng.get("numberOfOccurrences", 0)) if rng.get("type") == "numbered" else None
    horizon = window_end.date() + timedelta(days=1)
    interval = max(1, int(pattern.get("interval", 1)))
    limit = min(count, MAX_OCCURRENCES) if count is not None else MAX_OCCURRENCES
    for produced, day in enumerate(_pattern_days(pattern, first, interval)):
        if produced >= limit or (last and day > last) or day > horizon:
            return
        yield day


def _pattern_days(pattern, first, interval):
    kind = pattern.get("type", "daily")
    if kind == "daily":
        day = first
        while True:
            yield day
            day += timedelta(days=interval)
    if kind in ("absoluteMonthly", "relativeMonthly", "absoluteYearly", "relativeYearly"):
        yield from _monthly_days(pattern, kind, first, interval)
        return
    if kind != "weekly":
        raise InvalidEvent(f"recurrence pattern {kind!r} is not simulated")
    weekdays = sorted(WEEKDAYS.index(d.lower()) for d in pattern.get("daysOfWeek") or [])
    if not weekdays:
        weekdays = [first.weekday()]
    week_start = WEEKDAYS.index(pattern.get("firstDayOfWeek", "sunday").lower())
    week = first - timedelta(days=(first.weekday() - week_start) % 7)
    while True:
        days = sorted(week + timedelta(days=(d - week_start) % 7) for d in weekdays)
        for day in days:
            if day >= first:
                yield day
        week += timedelta(weeks=interval)


def _monthly_days(pattern, kind, first, interval):
    """Monthly and yearly patterns; a yearly one is a monthly one every 12 × interval months
    in its month. A day of month the month lacks falls on its last day, as in Outlook."""
    step = interval * 12 if kind.endswith("Yearly") else interval
    year, month = first.year, first.month
    if kind.endswith("Yearly"):
        month = int(pattern["month"])
        if month < first.month:
            year += 1
    while True:
        length = calendar.monthrange(year, month)[1]
        if kind.startswith("absolute"):
            day = date(year, month, min(int(pattern.get("dayOfMonth") or first.day), length))
        else:
            wanted = {WEEKDAYS.index(d.lower()) for d in pattern["daysOfWeek"]}
            matching = [
                date(year, month, d) for d in range(1, length + 1)
                if date(year, month, d).weekday() in wanted
            ]  # fmt: skip
            day = matching[INDEXES[pattern.get("index", "first")]]
        if day >= first:
            yield day
        month += step
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1


def _occurrence_times(event, day):
    start, end = event["start_local"], event["end_local"]
    span = end.date() - start.date()
    # Wall-clock times in the series' zone: a 09:00 meeting stays at 09:00 across DST.
    return (
        datetime.combine(day, start.timetz()),
        datetime.combine(day + span, end.timetz()),
    )


def _with_exception(item, overrides):
    item = dict(item, type="exception")
    for key, value in overrides.items():
        if key in ("start", "end"):
            item[f"{key}_local"] = timefmt.parse_local(value)
        else:
            item[key] = value
    return item


def _instants(item, mailbox_zone):
    if item["isAllDay"]:
        # All-day events are floating dates; they fill those days in the mailbox's zone.
        zone = timefmt.zone(mailbox_zone)
        return (
            datetime.combine(item["start_local"].date(), time(0), tzinfo=zone).astimezone(UTC),
            datetime.combine(item["end_local"].date(), time(0), tzinfo=zone).astimezone(UTC),
        )
    return item["start_local"].astimezone(UTC), item["end_local"].astimezone(UTC)


def as_graph(item, *, start, end, zone_label, select=None, zone_name=None):
    """The JSON Graph returns for one instance, in `zone_label` (whose IANA name is
    `zone_name` when the label is a Windows name or differs in case), limited to `select`."""
    if item["isAllDay"]:
        # Graph keeps all-day events at midnight whatever zone is asked for; only the label moves.
        shown_start = graph_naive(item["start_local"].date())
        shown_end = graph_naive(item["end_local"].date())
    else:
        target = timefmt.zone(zone_name or zone_label)
        shown_start, shown_end = start.astimezone(target), end.astimezone(target)
    full = {
        "@odata.etag": f'W/"{item["changeKey"]}"',
        "id": item["id"],
        "createdDateTime": item["createdDateTime"],
        "lastModifiedDateTime": item["lastModifiedDateTime"],
        "changeKey": item["changeKey"],
        "iCalUId": item["iCalUId"],
        "subject": item["subject"],
        "bodyPreview": item["bodyPreview"],
        "body": item["body"],
        "importance": "normal",
        "sensitivity": item["sensitivity"],
        "isAllDay": item["isAllDay"],
        "isCancelled": item["isCancelled"],
        "isOrganizer": True,
        "isReminderOn": item["isReminderOn"],
        "isOnlineMeeting": item["isOnlineMeeting"],
        "onlineMeetingProvider": item.get("onlineMeetingProvider", "unknown"),
        "onlineMeeting": item.get("onlineMeeting"),
        "showAs": item["showAs"],
        "type": item.get("type", "singleInstance"),
        "seriesMasterId": item.get("seriesMasterId"),
        "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
        "start": timefmt.graph_datetime(shown_start, zone_label),
        "end": timefmt.graph_datetime(shown_end, zone_label),
        "originalStartTimeZone": item["zone"],
        "originalEndTimeZone": item["zone"],
        "location": item["location"],
        "attendees": item["attendees"],
        "organizer": {"emailAddress": {"name": "", "address": ""}},
        "webLink": f"https://outlook.office365.com/owa/?itemid={item['id']}&exvsurl=1&path=/calendar/item",
        "recurrence": item.get("recurrence") if item.get("type") == "seriesMaster" else None,
    }
    if "transactionId" in item:
        full["transactionId"] = item["transactionId"]
    if not select:
        return full
    wanted = {"id", "@odata.etag", *select}
    return {key: value for key, value in full.items() if key in wanted}


def graph_naive(day):
    return datetime.combine(day, time(0))

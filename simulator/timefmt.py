"""Graph's date-time shapes: {"dateTime": "...0000000", "timeZone": "..."} and zone names."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The few Windows zone names Graph clients send most; IANA names are accepted as they are.
WINDOWS_ZONES = {
    "UTC": "UTC",
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "GMT Standard Time": "Europe/London",
    "Pacific Standard Time": "America/Los_Angeles",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
}


def zone(name):
    name = WINDOWS_ZONES.get(name, name)
    if name.upper() in ("UTC", "ETC/UTC"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def parse_local(value):
    """A Graph {"dateTime", "timeZone"} → aware datetime."""
    text = value["dateTime"]
    head, _, fraction = text.partition(".")
    naive = datetime.fromisoformat(f"{head}.{fraction[:6]}" if fraction else head)
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    return naive.replace(tzinfo=zone(value.get("timeZone") or "UTC"))


def parse_instant(text):
    """A query-string instant; no offset means UTC (as Graph reads it)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def graph_datetime(moment, label):
    # Seven fractional digits, always zero, as Outlook writes them (isoformat: strftime's
    # result, several times faster).
    text = moment.replace(tzinfo=None, microsecond=0).isoformat()
    return {"dateTime": f"{text}.0000000", "timeZone": label}


def iso_utc(timestamp):
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")

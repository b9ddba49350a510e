"""Where the sync of an expert's calendar stands, in words and times of the expert's zone.

One dict for the "Sync calendar" tab and for its status.json, so that the page as rendered and
the page as the script updates it always say the same.
"""

from datetime import datetime, timedelta

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from experts import time_zones

from . import subscriptions
from .models import CalendarConnection

# A sync asked for (connect, "Sync now") counts as on its way this long; after that the
# worker is taken to be away and the page stops saying "synchronising".
PENDING_FOR = timedelta(minutes=5)

RUNNING, IDLE, RECONNECT_NEEDED, PROBLEM = "running", "idle", "reconnect_needed", "problem"


def sync_state(connection: CalendarConnection, *, now: datetime) -> str:
    if connection.needs_reconnect:
        return RECONNECT_NEEDED
    if connection.sync_lease_until and connection.sync_lease_until > now:
        return RUNNING
    if sync_pending(connection, now=now):
        return RUNNING
    if connection.last_problem_kind:
        return PROBLEM
    return IDLE


def sync_pending(connection: CalendarConnection, *, now: datetime) -> bool:
    """A sync was asked for (by connecting or "Sync now") and has not ended since."""
    asked = max(t for t in (connection.connected_at, connection.sync_requested_at) if t)
    if now - asked > PENDING_FOR:
        return False
    ended = [t for t in (connection.last_sync_at, connection.last_problem_at) if t]
    return not any(t >= asked for t in ended)


def status(connection: CalendarConnection, *, now: datetime | None = None) -> dict:
    """The facts of the tab as JSON-ready values; times in the expert's zone."""
    now = now or timezone.now()
    zone_name = connection.expert.time_zone
    zone = connection.expert.zone
    state = sync_state(connection, now=now)
    last_sync = _moment(connection.last_sync_at, zone, seconds=True)
    next_sync = _moment(connection.next_sync_at, zone)
    problem_at = _moment(connection.last_problem_at, zone, seconds=True)
    problem = connection.get_last_problem_kind_display() if connection.last_problem_kind else ""
    problem_at = problem_at if problem else None
    busy_count = connection.busy_intervals.count()
    state_text = _state_text(connection, state, last_sync, zone, now)
    if connection.needs_reconnect:
        next_text = _("after you reconnect")
    else:
        next_text = next_sync["text"] if next_sync else ""
    return {
        "state": state,
        "poll": state == RUNNING,
        "last_sync": last_sync,
        "next_sync": None if connection.needs_reconnect else next_sync,
        "busy_count": busy_count,
        "last_problem": problem,
        "last_problem_at": problem_at,
        "connected_at": _moment(connection.connected_at, zone),
        "live_updates": _live_updates(connection, zone),
        "zone": zone_name,
        "zone_label": time_zones.label(zone_name, when=now),
        # What the tab shows, word for word: static/js/sync_status.js puts each text into
        # the element marked data-fact="<name>" (and hides a row whose text is empty).
        "facts": {
            "state_text": state_text,
            "last_sync": last_sync["text"] if last_sync else _("not yet"),
            "next_sync": next_text,
            "busy_count": str(busy_count),
            "last_problem": f"{problem} ({problem_at['text']})" if problem_at else problem,
        },
    }


def _live_updates(connection, zone):
    """ "Live updates: on / off (why)", and when the subscription renewed next expires."""
    live = subscriptions.live_status(connection)
    expires = _moment(live.get("expires_at"), zone)
    return {"on": live["on"], "text": live["text"], "expires": expires}


def _state_text(connection, state, last_sync, zone, now):
    if state == RECONNECT_NEEDED:
        return _("Reconnect needed: Microsoft no longer accepts the connection.")
    if state == RUNNING:
        return _("Synchronising your calendar…")
    if state == PROBLEM:
        return _("The last sync did not work: %(problem)s") % {
            "problem": connection.get_last_problem_kind_display()
        }
    if last_sync is None:
        return _("Not synchronised yet.")
    if timezone.localdate(connection.last_sync_at, zone) == timezone.localdate(now, zone):
        return _("Synced at %(time)s.") % {"time": last_sync["time"]}
    return _("Synced on %(date)s at %(time)s.") % {
        "date": last_sync["date"],
        "time": last_sync["time"],
    }


def _moment(value, zone, *, seconds=False):
    """{"iso", "date", "time", "text"} of an aware datetime in `zone`, or None."""
    if value is None:
        return None
    local = timezone.localtime(value, zone)
    date = formats.date_format(local, "DATE_FORMAT")
    time = formats.time_format(local, "H:i:s" if seconds else "H:i")
    return {"iso": local.isoformat(), "date": date, "time": time, "text": f"{date}, {time}"}

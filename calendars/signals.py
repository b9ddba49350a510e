"""What the calendars app tells others; it knows nothing of who listens."""

from django.db import transaction
from django.dispatch import Signal

# Sent after the commit that changed which times an expert's calendar blocks (a sync stored
# new busy times, a calendar was connected or disconnected). Keyword argument: expert_id.
busy_times_changed = Signal()


def announce_busy_times_changed(expert_id: int) -> None:
    """Send busy_times_changed once the current transaction commits; a failing receiver
    (a cache that is down) is logged and never undoes or fails the change."""
    transaction.on_commit(
        lambda: busy_times_changed.send_robust(sender=None, expert_id=expert_id), robust=True
    )


# Sent after the commit that connected (or reconnected) an expert's Microsoft account.
# Keyword arguments: expert (the user), account (MSAL's home account id of the connection).
calendar_connected = Signal()


def announce_calendar_connected(expert, *, account: str) -> None:
    """Send calendar_connected; call it after the connection is stored (the view does, once
    connect_calendar has committed). A failing receiver is logged, the connect stands."""
    calendar_connected.send_robust(sender=None, expert=expert, account=account)


# Sent when Microsoft reports events deleted from an expert's Outlook calendar (a change
# notification). Keyword arguments: expert_id, event_ids (Graph event ids). Listeners match
# them against events they wrote; nothing is cancelled automatically.
outlook_events_deleted = Signal()


def announce_outlook_events_deleted(expert_id: int, event_ids: list[str]) -> None:
    outlook_events_deleted.send_robust(sender=None, expert_id=expert_id, event_ids=event_ids)

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

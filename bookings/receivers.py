"""What bookings does when the calendars app announces something (see calendars.signals)."""

from django.utils import timezone

from . import services
from .models import Booking


def on_calendar_connected(sender, *, expert, account, **kwargs):
    """A (re)connected calendar gets the upcoming appointments Outlook is still missing."""
    services.write_upcoming_to_outlook(expert, account=account, now=timezone.now())


def on_outlook_events_deleted(sender, *, expert_id, event_ids, **kwargs):
    """Events deleted in Outlook that are upcoming appointments we wrote: the expert's list
    asks whether to cancel them for the customer too. Our own removals (cancel, decline)
    change the booking's status first, so they never match."""
    Booking.objects.filter(
        expert_id=expert_id,
        outlook_event_id__in=event_ids,
        status=Booking.Status.ACCEPTED,
        outlook_state=Booking.Outlook.WRITTEN,
        end__gt=timezone.now(),
        outlook_removed_at__isnull=True,
    ).update(outlook_removed_at=timezone.now())

"""What bookings does when the calendars app announces something (see calendars.signals)."""

from django.utils import timezone

from . import services


def on_calendar_connected(sender, *, expert, account, **kwargs):
    """A (re)connected calendar gets the upcoming appointments Outlook is still missing."""
    services.write_upcoming_to_outlook(expert, account=account, now=timezone.now())

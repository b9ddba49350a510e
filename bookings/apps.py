from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self):
        from calendars.signals import (
            busy_times_changed,
            calendar_connected,
            outlook_events_deleted,
        )

        from . import (
            effects,  # noqa: F401  (registers the outbox handlers)
            receivers,
            slot_cache,
        )

        busy_times_changed.connect(slot_cache.on_busy_times_changed)
        calendar_connected.connect(receivers.on_calendar_connected)
        outlook_events_deleted.connect(receivers.on_outlook_events_deleted)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "calendars"
    verbose_name = _("Calendars")

    def ready(self):
        from . import (
            checks,  # noqa: F401  (registers the deploy check)
            emails,  # noqa: F401  (registers the outbox handler for its mail)
        )

"""Mails to experts about their calendar connection, each in the expert's language."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _


def send_reconnect_needed(connection):
    expert = connection.expert
    with translation.override(expert.language):
        context = {
            "expert": expert,
            "connection": connection,
            "settings_url": settings.SITE_URL + reverse("calendars:settings"),
        }
        send_mail(
            _("Okomo: please reconnect your Outlook calendar"),
            render_to_string("calendars/email/reconnect_needed.txt", context),
            None,
            [expert.email],
        )

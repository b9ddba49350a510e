"""Mails to experts about their calendar connection, each in the expert's language.

Sent as outbox effects: recorded with the change, delivered (and retried) by a worker.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from outbox import mail as outbox_mail
from outbox import services as outbox
from outbox.handlers import handler

from .models import CalendarConnection

RECONNECT_NEEDED = "calendars.reconnect_needed_mail"


def mail_reconnect_needed(connection):
    outbox.record(RECONNECT_NEEDED, connection.pk)


@handler(RECONNECT_NEEDED)
def send_reconnect_needed(effect):
    connection = CalendarConnection.objects.select_related("expert").filter(pk=effect.subject_id)
    connection = connection.first()
    if connection is None or connection.status != CalendarConnection.Status.RECONNECT_NEEDED:
        return  # disconnected or reconnected meanwhile: nothing to tell
    expert = connection.expert
    with translation.override(expert.language):
        context = {
            "expert": expert,
            "connection": connection,
            "settings_url": settings.SITE_URL + reverse("calendars:settings"),
        }
        subject = _("Okomo: please reconnect your Outlook calendar")
        body = render_to_string("calendars/email/reconnect_needed.txt", context)
    outbox_mail.send(EmailMessage(subject, body, None, [expert.email]), effect)

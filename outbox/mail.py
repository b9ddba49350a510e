"""Sending a mail as an effect: once per effect, with SMTP failures sorted into retry or not."""

import smtplib

from django.core.mail import EmailMessage

from .handlers import GiveUp, TryLater
from .models import Effect


def send(message: EmailMessage, effect: Effect) -> None:
    # One Message-ID per effect: should a retry follow a send whose success was not recorded,
    # mail clients show the two copies as one.
    message.extra_headers["Message-ID"] = f"<{effect.uuid}@okomo>"
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        raise GiveUp(f"the mail server refused the address {', '.join(message.to)}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TryLater(f"mail server: {exc.__class__.__name__}: {exc}") from exc

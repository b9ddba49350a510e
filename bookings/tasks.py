"""Celery entry points for bookings: thin wrappers around bookings.services.

Mails and Outlook writes are outbox effects (bookings/effects.py, outbox/tasks.py).
"""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(ignore_result=True)
def expire_requests_task():
    services.expire_requests(now=timezone.now())

"""Celery entry points for bookings: thin wrappers around bookings.outlook and services."""

from celery import shared_task
from django.utils import timezone

from . import outlook, services
from .models import Booking

# Outlook writes retry with exponential backoff (about 10 s, 20 s, 40 s, … at most 10 min
# apart, about half an hour in all); after that the expert sees the honest failed state.
RETRY = {
    "autoretry_for": (outlook.TryLater,),
    "retry_backoff": 10,
    "retry_backoff_max": 600,
    "max_retries": 8,
}


@shared_task(ignore_result=True, **RETRY)
def write_outlook_event_task(booking_id):
    try:
        orphaned = outlook.write_event(booking_id)
    except outlook.TryLater:
        if write_outlook_event_task.request.retries >= write_outlook_event_task.max_retries:
            Booking.objects.filter(pk=booking_id).update(outlook_state=Booking.Outlook.WRITE_FAILED)
        raise
    if orphaned:
        remove_outlook_event_task.delay(booking_id)


@shared_task(ignore_result=True, **RETRY)
def remove_outlook_event_task(booking_id):
    try:
        outlook.remove_event(booking_id)
    except outlook.TryLater:
        if remove_outlook_event_task.request.retries >= remove_outlook_event_task.max_retries:
            Booking.objects.filter(pk=booking_id).update(
                outlook_state=Booking.Outlook.REMOVE_FAILED
            )
        raise


@shared_task(ignore_result=True)
def expire_requests_task():
    services.expire_requests(now=timezone.now())

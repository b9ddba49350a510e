"""The secret link in the customer's mails that cancels their booking."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "okomo.bookings.cancel"


def cancel_url(booking) -> str:
    token = signing.dumps(str(booking.uuid), salt=SALT)
    return settings.SITE_URL + reverse("bookings:customer_cancel", args=[token])


def booking_uuid_from(token: str) -> str | None:
    """The booking's uuid, or None when the token was altered or made with another key."""
    try:
        return signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None

"""The secret links in the customer's mails that cancel or move their booking.

Both carry the same signed token: whoever holds the mail may do either.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "okomo.bookings.cancel"


def _token(booking) -> str:
    return signing.dumps(str(booking.uuid), salt=SALT)


def cancel_url(booking) -> str:
    return settings.SITE_URL + reverse("bookings:customer_cancel", args=[_token(booking)])


def reschedule_url(booking) -> str:
    return settings.SITE_URL + reverse("bookings:customer_reschedule", args=[_token(booking)])


def booking_uuid_from(token: str) -> str | None:
    """The booking's uuid, or None when the token was altered or made with another key."""
    try:
        return signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None

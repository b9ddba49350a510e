"""A fixed-window limit on booking requests per client address, kept in the shared cache."""

from django.conf import settings
from django.core.cache import cache


def allow_booking_request(address: str) -> bool:
    key = f"booking-requests:{address}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) <= settings.BOOKING_REQUESTS_PER_HOUR
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=3600)
        return True

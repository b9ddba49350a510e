"""Fixed-window limits on booking requests per client address and per booking page.

The counters live in the shared cache (Redis), so every web process sees the same counts.
When the cache cannot be reached the limits are skipped (logged): a customer's booking
matters more than the limit during an outage.
"""

import enum
import logging

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from okomo.client_address import client_address_for_limits

log = logging.getLogger(__name__)

WINDOW_SECONDS = 3600  # the settings are per hour


class Limit(enum.Enum):
    ADDRESS = "address"
    PAGE = "page"


def count_booking_request(request, *, expert_id: int) -> Limit | None:
    """Count one valid booking request; the limit it goes over, or None when it may proceed.

    A request refused for its address does not count against the page, so one busy
    address cannot use up an expert's page.
    """
    address_key = f"booking-requests:address:{client_address_for_limits(request)}"
    page_key = f"booking-requests:page:{expert_id}"
    try:
        if _count(address_key) > settings.BOOKING_REQUESTS_PER_HOUR:
            return Limit.ADDRESS
        if _count(page_key) > settings.BOOKING_REQUESTS_PER_EXPERT_PER_HOUR:
            return Limit.PAGE
    except (RedisConnectionError, RedisTimeoutError) as exc:
        log.warning("booking rate limit skipped, cache unavailable: %s", exc)
    return None


def _count(key: str) -> int:
    """Add one to the counter of the current window (started by its first request)."""
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        return 1

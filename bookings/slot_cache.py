"""Computed slot answers, cached per expert until their availability changes.

Every write that can change what an expert offers calls `changed(expert_id)`, which moves the
expert to a new version; cached answers of older versions are never read again. Answers also
carry the minute they were computed in (minimum notice moves with the clock) and live at most
a minute, so a change that slipped past `changed` is visible within a minute at worst. Booking
requests never use this cache: they check the database.

The cache fails open: while Redis is down or too slow, every answer is computed from the
database (slower, still correct), writes to the cache are dropped, and a warning is logged.
"""

import logging

from django.core.cache import cache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

TTL = 60  # seconds; see above

logger = logging.getLogger(__name__)
# What Django's RedisCache raises when Redis is down, unreachable or slower than the socket
# timeouts in settings.CACHES. Any other error is a bug and is not swallowed here.
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


def _version_key(expert_id):
    return f"availability-version:{expert_id}"


def changed(expert_id) -> None:
    try:
        try:
            cache.incr(_version_key(expert_id))
        except ValueError:  # no version yet: set one that no cached answer carries
            cache.set(_version_key(expert_id), 1, timeout=None)
    except UNAVAILABLE as error:
        # A bump that failed leaves answers cached before it readable until their TTL ends,
        # as if the change had slipped past `changed` (see above): stale for a minute at
        # worst, and booking requests check the database anyway. The TTL is short enough
        # that no separate repair is worth its complexity.
        logger.warning(
            "slot cache unavailable, version of expert %s not moved: %s", expert_id, error
        )


def get(expert_id, key):
    """(answer or None, version) in one round trip; (None, None) while the cache is down."""
    try:
        found = cache.get_many([_version_key(expert_id), key])
    except UNAVAILABLE as error:
        logger.warning("slot cache unavailable, answering from the database: %s", error)
        return None, None
    current = found.get(_version_key(expert_id), 0)
    cached = found.get(key)
    if cached is not None and cached[0] == current:
        return cached[1], current
    return None, current


def put(key, version, answer):
    if version is None:  # the cache was down a moment ago: do not wait for it a second time
        return
    try:
        cache.set(key, (version, answer), timeout=TTL)
    except UNAVAILABLE as error:
        logger.warning("slot cache unavailable, answer not kept: %s", error)


def on_busy_times_changed(sender, *, expert_id, **kwargs):
    """Receiver of calendars' busy_times_changed: new busy times, new answers."""
    changed(expert_id)

"""Computed slot answers, cached per expert until their availability changes.

Every write that can change what an expert offers calls `changed(expert_id)`, which moves the
expert to a new version; cached answers of older versions are never read again. Answers also
carry the minute they were computed in (minimum notice moves with the clock) and live at most
a minute, so a change that slipped past `changed` is visible within a minute at worst. Booking
requests never use this cache: they check the database.
"""

from django.core.cache import cache

TTL = 60  # seconds; see above


def _version_key(expert_id):
    return f"availability-version:{expert_id}"


def changed(expert_id) -> None:
    try:
        cache.incr(_version_key(expert_id))
    except ValueError:  # no version yet: set one that no cached answer carries
        cache.set(_version_key(expert_id), 1, timeout=None)


def get(expert_id, key):
    """(answer or None, current version), in one round trip to the cache."""
    found = cache.get_many([_version_key(expert_id), key])
    current = found.get(_version_key(expert_id), 0)
    cached = found.get(key)
    if cached is not None and cached[0] == current:
        return cached[1], current
    return None, current


def put(key, version, answer):
    cache.set(key, (version, answer), timeout=TTL)

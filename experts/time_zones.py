"""The IANA time zones on this machine, read once (the scan of the zone files is slow)."""

import zoneinfo
from functools import cache


@cache
def known() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@cache
def choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(known())]

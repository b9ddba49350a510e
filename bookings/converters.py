"""URL path converters."""

from datetime import date


class IsoDateConverter:
    """A calendar day as YYYY-MM-DD; anything else, 2026-02-30 included, does not match (404)."""

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value: str) -> date:
        return date.fromisoformat(value)  # a ValueError makes Django try the next pattern

    def to_url(self, value: date | str) -> str:
        return value.isoformat() if isinstance(value, date) else value

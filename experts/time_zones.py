"""The IANA time zones: which ones we accept, which ones we offer, and how we name them.

Two sets, on purpose:

- ``known()``: every name the machine's zone database has (``zoneinfo.available_timezones()``),
  backward aliases included. This is what we *accept*: stored profiles and bookings, old clients
  and browsers that still send "US/Eastern" or "Asia/Calcutta" keep working.
- ``canonical()``: what we *offer* in pickers. It is the zone list of ``zone.tab`` (one line per
  country and zone, current names: "Asia/Kolkata", not "Asia/Calcutta"; no "US/Eastern",
  "GB-Eire", "Factory", "CST6CDT" or "Etc/GMT+5"), plus "UTC". zone.tab ships with every copy of
  the IANA data, the system's (/usr/share/zoneinfo) and the ``tzdata`` package's alike, and, unlike
  the link lines of ``tzdata.zi``, keeps a zone for each country (Europe/Oslo stays, even where a
  build links it to Europe/Berlin). CLDR's own zone ids (via Babel) are no substitute: CLDR keeps
  the *old* names as its canonical ids ("Asia/Calcutta").

Names for people come from Babel (CLDR): the exemplar city in the person's language ("Wien",
"Zürich"), the country, the generic name ("Central European Time") for search, and the offset
we compute from the zone data. The static part is computed once per language; the offsets once
per language and hour, since they change with DST.
"""

import importlib.resources
import zoneinfo
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location, get_timezone_name
from django.utils import translation

MINUS = "\u2212"


@cache
def known() -> frozenset[str]:
    """Every zone name we accept as a submitted or stored value."""
    return frozenset(zoneinfo.available_timezones())


def _data_file(name: str) -> str:
    """The text of a file of the IANA data: from the system's zone directory, else tzdata's."""
    for directory in zoneinfo.TZPATH:
        path = Path(directory) / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
    try:
        return importlib.resources.files("tzdata.zoneinfo").joinpath(name).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return ""


@cache
def _countries() -> dict[str, str]:
    """Zone name → ISO country code, from zone.tab."""
    countries = {}
    for line in _data_file("zone.tab").splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            countries[fields[2]] = fields[0]
    return countries


@cache
def canonical() -> frozenset[str]:
    """The zones we offer: zone.tab's, those this machine knows, and UTC."""
    offered = {name for name in _countries() if name in known()} | {"UTC"}
    if len(offered) < 100:  # No zone.tab anywhere: offer what we have, minus obvious aliases.
        offered = {
            name
            for name in known()
            if "/" in name and not name.startswith(("Etc/", "US/", "SystemV/"))
        } | {"UTC"}
    return frozenset(offered)


@cache
def aliases() -> dict[str, str]:
    """Alias → offered zone, from the link lines of tzdata.zi ("L Asia/Kolkata Asia/Calcutta").

    Browsers report CLDR's names (Chrome says "Asia/Calcutta"); the picker preselects the
    offered zone they stand for.
    """
    links = {}
    for line in _data_file("tzdata.zi").splitlines():
        if line.startswith("L "):
            _, target, name = line.split()
            links[name] = target
    resolved = {}
    for name, target in links.items():
        for _ in range(5):  # Links to links are rare and short.
            if target in canonical() or target not in links:
                break
            target = links[target]
        if target in canonical() and name not in canonical():
            resolved[name] = target
    for name in ("Etc/UTC", "Etc/GMT", "Etc/Universal", "Etc/Zulu", "GMT", "UCT", "Zulu"):
        if name in known():
            resolved.setdefault(name, "UTC")
    return resolved


def offset_text(zone_name: str, when: datetime | None = None) -> str:
    """ "UTC−5", "UTC+5:30", "UTC" at the given moment (now by default)."""
    when = when or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    offset = when.astimezone(zoneinfo.ZoneInfo(zone_name)).utcoffset()
    minutes = round(offset.total_seconds() / 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else MINUS
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}:{rest:02d}" if rest else f"UTC{sign}{hours}"


def _locale(language: str | None) -> Locale:
    language = language or translation.get_language() or "en"
    try:
        return Locale.parse(language.replace("-", "_"))
    except (ValueError, LookupError):
        return Locale("en")


@cache
def _names(language: str) -> dict[str, dict[str, str]]:
    """Zone → {"city", "country", "search"} in one language (computed once per language)."""
    locale = _locale(language)
    # CLDR keys its data by its own ids: "Asia/Kolkata" is "Asia/Calcutta" there.
    cldr_ids = {iana: cldr for cldr, iana in get_global("zone_aliases").items()}
    names = {}
    for zone in canonical():
        if zone == "UTC":
            names[zone] = {"city": "UTC", "country": "", "search": "utc gmt"}
            continue
        cldr = cldr_ids.get(zone, zone)
        try:
            city = get_timezone_location(cldr, locale=locale, return_city=True)
        except LookupError:
            city = zone
        city = city.rsplit("/", 1)[-1].replace("_", " ")  # No CLDR city: "Argentina/Buenos Aires"
        country = locale.territories.get(_countries().get(zone, ""), "")
        generic = get_timezone_name(cldr, "long", zone_variant="generic", locale=locale)
        short = get_timezone_name(cldr, "short", zone_variant="generic", locale=locale)
        # CLDR's fallbacks ("world (Troll) Time", "Niue (Ortszeit)") add nothing to search.
        words = [city, country, zone.replace("_", " ")]
        words += [name for name in (short, generic) if "(" not in name]
        names[zone] = {"city": city, "country": country, "search": " ".join(words).lower()}
    return names


def _abbreviations(zone: str, when: datetime) -> str:
    """The zone's abbreviations now and in half a year ("EST EDT", "CET CEST"), if lettered."""
    found = []
    for moment in (when, when.replace(month=(when.month + 5) % 12 + 1, day=1)):
        name = moment.astimezone(zoneinfo.ZoneInfo(zone)).tzname() or ""
        if name.isalpha() and name not in found:
            found.append(name)
    return " ".join(found).lower()


def city(zone_name: str, language: str | None = None) -> str:
    """ "New York" in the active language, for any known zone (aliases included)."""
    zone = aliases().get(zone_name, zone_name)
    if zone not in canonical():
        return zone_name.rsplit("/", 1)[-1].replace("_", " ")
    return _names(_locale(language).language)[zone]["city"]


def label(zone_name: str, language: str | None = None, when: datetime | None = None) -> str:
    """ "New York (UTC−5)" in the active language, for any known zone (aliases included)."""
    zone = aliases().get(zone_name, zone_name)
    if zone not in canonical():
        return zone_name.replace("_", " ")
    name = city(zone, language)
    return name if zone == "UTC" else f"{name} ({offset_text(zone, when)})"


@lru_cache(maxsize=8)
def _options(language: str, hour: datetime) -> tuple[tuple[str, str, str, str, int], ...]:
    """(zone, label, country, search words, offset minutes), by offset then city."""
    names = _names(language)
    rows = []
    for zone in canonical():
        offset = hour.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset().total_seconds() // 60
        text = label(zone, language, hour)
        search = f"{names[zone]['search']} {_abbreviations(zone, hour)} {offset_text(zone, hour)}"
        rows.append((zone, text, names[zone]["country"], search.lower(), int(offset)))
    rows.sort(key=lambda row: (row[4], names[row[0]]["city"]))
    return tuple(rows)


def options(language: str | None = None, now: datetime | None = None):
    """The picker's entries in the active language; cached per language and hour."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return _options(_locale(language).language, now.replace(minute=0, second=0, microsecond=0))


def choices(language: str | None = None) -> list[tuple[str, str]]:
    """(IANA name, "New York (UTC−5)") for a form's select: offered zones only."""
    return [(zone, text) for zone, text, *_ in options(language)]

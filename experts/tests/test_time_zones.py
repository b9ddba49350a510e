"""The time-zone list people pick from: canonical zones only, named in their language, with the
offset in force; every known name (aliases included) still accepted where it was before."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from bookings.forms import StartForm
from experts import time_zones
from experts.forms import ProfileForm
from experts.models import User, validate_time_zone

ALIASES = ["US/Eastern", "GB-Eire", "Asia/Calcutta", "Factory", "CST6CDT", "Etc/GMT+5", "Etc/UTC"]
WINTER = datetime(2031, 1, 15, 12, tzinfo=UTC)
SUMMER = datetime(2031, 7, 15, 12, tzinfo=UTC)


def offered(language="en", now=WINTER):
    return [zone for zone, *_ in time_zones.options(language, now)]


def test_the_list_holds_canonical_zones_only():
    zones = offered()
    assert not set(ALIASES) & set(zones)
    assert set(zones) <= time_zones.canonical() <= time_zones.known()
    assert len(zones) == len(set(zones)) > 300
    # Current names, and a zone for each country even where one is linked to another's.
    for zone in ("Asia/Kolkata", "America/New_York", "Europe/Zurich", "Europe/Oslo", "UTC"):
        assert zone in zones
    assert not [zone for zone in zones if zone.startswith(("Etc/", "US/", "SystemV/"))]


def test_the_form_choices_are_the_list():
    assert [zone for zone, _ in StartForm().fields["time_zone"].choices] == offered(now=None)


@pytest.mark.parametrize("alias", ["US/Eastern", "Asia/Calcutta", "GB-Eire", "Etc/GMT+5"])
def test_an_alias_is_still_accepted_where_it_was_before(alias):
    form = StartForm(data={"start": "2031-01-15T15:00:00Z", "time_zone": alias})
    form.is_valid()
    assert "time_zone" not in form.errors
    assert form.cleaned_data["time_zone"] == alias
    validate_time_zone(alias)  # the model's validator: no error


def test_an_unknown_name_is_refused():
    form = StartForm(data={"start": "2031-01-15T15:00:00Z", "time_zone": "Mars/Olympus_Mons"})
    assert not form.is_valid()
    assert "time_zone" in form.errors


def test_aliases_lead_to_the_zone_they_stand_for():
    aliases = time_zones.aliases()
    assert aliases["US/Eastern"] == "America/New_York"
    assert aliases["Asia/Calcutta"] == "Asia/Kolkata"
    assert aliases["GB-Eire"] == "Europe/London"
    assert aliases["Etc/UTC"] == "UTC"
    assert set(aliases.values()) <= time_zones.canonical()


@pytest.mark.django_db
def test_the_profile_shows_a_stored_alias_as_its_zone():
    user = User(email="old@example.com", time_zone="US/Eastern")
    assert ProfileForm(instance=user).initial["time_zone"] == "America/New_York"


@pytest.mark.parametrize(
    ("zone", "language", "name"),
    [
        ("Europe/Vienna", "en", "Vienna (UTC+1)"),
        ("Europe/Vienna", "de", "Wien (UTC+1)"),
        ("Europe/Zurich", "de", "Zürich (UTC+1)"),
        ("America/New_York", "en", "New York (UTC−5)"),
        ("Asia/Kolkata", "en", "Kolkata (UTC+5:30)"),
        ("Asia/Calcutta", "de", "Kolkata (UTC+5:30)"),
        ("US/Eastern", "en", "New York (UTC−5)"),
        ("America/Argentina/Buenos_Aires", "de", "Buenos Aires (UTC−3)"),
        ("UTC", "de", "UTC"),
    ],
)
def test_names_are_localized_with_the_offset(zone, language, name):
    assert time_zones.label(zone, language, WINTER) == name


def test_the_offset_follows_daylight_saving_time():
    assert time_zones.label("America/New_York", "en", SUMMER) == "New York (UTC−4)"
    assert time_zones.label("Europe/Zurich", "en", SUMMER) == "Zurich (UTC+2)"
    assert time_zones.label("Australia/Sydney", "en", WINTER) == "Sydney (UTC+11)"
    assert time_zones.label("Australia/Sydney", "en", SUMMER) == "Sydney (UTC+10)"
    assert time_zones.label("Asia/Kathmandu", "en", SUMMER) == "Kathmandu (UTC+5:45)"
    summer = {zone: text for zone, text, *_ in time_zones.options("de", SUMMER)}
    assert summer["Europe/Vienna"] == "Wien (UTC+2)"


def test_the_list_is_ordered_by_offset_then_city():
    rows = time_zones.options("en", WINTER)
    assert [row[4] for row in rows] == sorted(row[4] for row in rows)
    eastern = [row[1] for row in rows if row[4] == -300]
    assert eastern == sorted(eastern)


def test_entries_can_be_found_by_city_country_and_abbreviation():
    rows = {zone: search for zone, _, _, search, _ in time_zones.options("de", WINTER)}
    assert "wien" in rows["Europe/Vienna"]
    assert "österreich" in rows["Europe/Vienna"]
    assert "vereinigte staaten" in rows["America/New_York"]
    assert "est" in rows["America/New_York"].split()
    assert "edt" in rows["America/New_York"].split()
    assert "cet" in rows["Europe/Berlin"].split()
    english = {zone: search for zone, _, _, search, _ in time_zones.options("en", WINTER)}
    assert "eastern time" in english["America/New_York"]
    assert "austria" in english["Europe/Vienna"]


def test_the_label_filter_names_the_zone_in_the_active_language():
    template = Template("{% load zones %}{{ zone|zone_label }} / {{ zone|zone_label:when }}")
    context = Context({"zone": "Europe/Vienna", "when": SUMMER})
    with translation.override("de"):
        now_label, summer_label = template.render(context).split(" / ")
    assert summer_label == "Wien (UTC+2)"
    assert now_label.startswith("Wien (UTC+")
    with translation.override("en"):
        assert template.render(Context({"zone": "US/Eastern", "when": WINTER})).endswith(
            "/ New York (UTC−5)"
        )
    assert Template("{% load zones %}[{{ zone|zone_label }}]").render(Context({})) == "[]"

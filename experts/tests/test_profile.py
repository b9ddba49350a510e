"""The Profile tab: the searchable zone list of the customer pages (canonical zones, named in the
expert's language), friendly sentences for what cannot be saved, POST/redirect/GET."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from experts.tests.test_photo import profile_data

pytestmark = pytest.mark.django_db

PROFILE = "/settings/profile/"


def save(client, expert, **changes):
    return client.post(reverse("experts:profile"), profile_data(expert, **changes))


def test_the_profile_is_a_tab_of_the_settings_area(expert_client):
    page = expert_client.get(PROFILE).content.decode()

    assert re.search(r'<a href="/settings/profile/"\s+aria-current="page">Profile</a>', page)
    assert 'id="messages"' in page


def test_a_canonical_zone_is_saved_with_a_message_after_a_redirect(expert_client, expert):
    response = save(expert_client, expert, time_zone="America/New_York")

    assert response.status_code == 302
    assert response["Location"] == PROFILE
    expert.refresh_from_db()
    assert expert.time_zone == "America/New_York"
    page = expert_client.get(PROFILE).content.decode()
    assert "Your profile was saved." in page
    assert re.search(
        r'<option value="America/New_York" selected data-country="United States"', page
    )


def test_an_alias_is_stored_as_the_zone_it_stands_for(expert_client, expert):
    save(expert_client, expert, time_zone="US/Eastern")

    expert.refresh_from_db()
    assert expert.time_zone == "America/New_York"


@pytest.mark.parametrize("zone", ["Etc/GMT+5", "Factory", "Mars/Olympus_Mons", ""])
def test_a_zone_off_the_list_is_refused_with_a_sentence(expert_client, expert, zone):
    response = save(expert_client, expert, time_zone=zone)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Your profile was not saved: please correct the marked fields." in page
    sentence = "Please choose your time zone." if not zone else "Please choose a time zone from"
    assert sentence in page
    assert "Select a valid choice" not in page
    expert.refresh_from_db()
    assert expert.time_zone == "Europe/Zurich"


def test_the_zone_list_names_canonical_zones_in_the_experts_language(expert_client, expert):
    expert_client.cookies["django_language"] = "de"
    page = expert_client.get(PROFILE).content.decode()

    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', page)
    zones = dict(options)
    assert re.fullmatch(r"Zürich \(UTC\+[12]\)", zones["Europe/Zurich"])
    assert "Asia/Kolkata" in zones
    assert not {"US/Eastern", "Asia/Calcutta", "Etc/GMT+5"} & zones.keys()
    assert 300 < len(zones) < 500
    # Selected: the stored zone; the picker's search words travel with each option.
    zurich = re.search(r'<option value="Europe/Zurich"([^>]*)>', page).group(1)
    assert " selected " in zurich
    assert 'data-country="Schweiz"' in zurich
    assert re.search(r'data-search="[^"]*zürich[^"]*"', zurich)


def test_a_taken_booking_link_name_gets_a_sentence(expert_client, expert, other_expert):
    response = save(expert_client, expert, slug=other_expert.slug)

    assert response.status_code == 400
    assert "This booking link name is already taken. Please choose another." in (
        response.content.decode()
    )


def test_a_booking_link_name_with_spaces_gets_a_sentence(expert_client, expert):
    response = save(expert_client, expert, slug="jana berger")

    assert response.status_code == 400
    assert "Please use only letters, digits, hyphens and underscores." in (
        response.content.decode()
    )


def test_a_missing_name_and_a_long_introduction_get_sentences_in_german(expert_client, expert):
    expert_client.cookies["django_language"] = "de"
    response = save(expert_client, expert, display_name="", introduction="x" * 601)

    page = response.content.decode()
    with translation.override("de"):
        assert translation.gettext("Please enter the name your customers will see.") in page
    assert "600" in page
    assert "601" in page
    expert.refresh_from_db()
    assert expert.display_name == "Jana Expert"


def test_the_profile_shows_the_booking_pages_address(expert_client):
    page = expert_client.get(PROFILE).content.decode()

    assert '<a href="http://testserver/book/jana/">http://testserver/book/jana/</a>' in page
    assert 'data-prefix="http://testserver/book/"' in page


def test_without_a_booking_link_name_the_profile_says_how_to_get_one(client, expert):
    expert.slug = None
    expert.save()
    client.force_login(expert)

    page = client.get(PROFILE).content.decode()

    assert "Choose a name to get your booking page." in page
    assert "/book/" not in page.split('id="booking-url"')[1].split("</p>")[0].split("data-none")[1]


def test_the_profile_needs_a_sign_in(client):
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

"""The DE/EN switch: a signed-in expert's choice is kept in the profile, so the next sign-in
(on any device) opens in it; customers keep a cookie only."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

PASSWORD = "pw-expert-1"


def sign_in(client, email="expert@example.com"):
    return client.post(reverse("login"), {"username": email, "password": PASSWORD}, follow=True)


def switch(client, language, next_url="/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def german(text):
    with translation.override("de"):
        return translation.gettext(text)


def test_german_is_kept_after_signing_out_and_in(client, expert):
    sign_in(client)
    switch(client, "de", reverse("bookings:expert_list"))
    client.post(reverse("logout"))

    page = sign_in(client).content.decode()

    expert.refresh_from_db()
    assert expert.language == "de"
    assert '<html lang="de">' in page
    assert german("Manage availabilities & calendars") in page


def test_another_device_opens_in_the_saved_language_too(client, expert):
    sign_in(client)
    switch(client, "de")

    page = sign_in(Client()).content.decode()  # a fresh browser: no language cookie

    assert '<html lang="de">' in page


def test_the_switch_returns_to_the_page_and_sets_the_cookie(client, expert):
    sign_in(client)

    response = switch(client, "de", reverse("experts:profile"))

    assert response.status_code == 302
    assert response["Location"] == reverse("experts:profile")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    # The profile form shows the same language as the switch.
    page = client.get(reverse("experts:profile")).content.decode()
    assert '<option value="de" selected>' in page


def test_switching_back_to_english_is_saved_as_well(client, expert):
    expert.language = "de"
    expert.save()
    sign_in(client)

    switch(client, "en")

    expert.refresh_from_db()
    assert expert.language == "en"


def test_an_unknown_language_changes_nothing(client, expert):
    sign_in(client)

    response = switch(client, "xx")

    assert response.status_code == 302
    expert.refresh_from_db()
    assert expert.language == "en"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_a_customer_gets_a_cookie_and_no_profile_changes(client, expert):
    response = switch(client, "de", "/book/jana/")

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    expert.refresh_from_db()
    assert expert.language == "en"
    assert '<html lang="de">' in client.get("/book/jana/").content.decode()


def test_the_switch_needs_the_csrf_token(expert):
    client = Client(enforce_csrf_checks=True)
    client.force_login(expert)

    response = switch(client, "de")

    assert response.status_code == 403
    expert.refresh_from_db()
    assert expert.language == "en"


def test_saving_the_profile_in_german_switches_the_pages_to_german(expert_client, expert):
    data = {
        "display_name": expert.display_name,
        "introduction": "",
        "time_zone": expert.time_zone,
        "language": "de",
        "slug": expert.slug,
    }
    response = expert_client.post(reverse("experts:profile"), data, follow=True)

    assert '<html lang="de">' in response.content.decode()
    assert german("Your profile was saved.") in response.content.decode()

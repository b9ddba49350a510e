"""The branded 400, 403 and 404 pages, the favicon, page titles, and the header customers see.

Tests without the `db` fixture prove a page renders while PostgreSQL is down: pytest-django
refuses any query they make, which would turn the page into a 500."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from conftest import ARTIFACTS
from okomo.errors import bad_request, csrf_failure, page_not_found, permission_denied

PAGES = [
    (page_not_found, 404, "Page not found", "There is no page at this address."),
    (bad_request, 400, "Bad request", "Okomo could not understand this request."),
    (permission_denied, 403, "Access denied", "You are not allowed to open this page."),
    (csrf_failure, 403, "Form expired", "This form has expired. Please reload the page"),
]


def title_of(response):
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


@pytest.mark.parametrize(("view", "status", "heading", "sentence"), PAGES)
def test_each_error_page_is_branded_in_english(rf, view, status, heading, sentence):
    response = view(rf.get("/somewhere/", headers={"Accept-Language": "en"}), None)

    page = response.content.decode()
    assert response.status_code == status
    assert '<html lang="en">' in page
    assert f"<h1>{heading}</h1>" in page
    assert sentence in page
    assert title_of(response) == f"{heading} · Okomo"
    assert "/static/css/okomo.css" in page
    assert "/static/favicon.svg" in page
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(("view", "status", "heading", "sentence"), PAGES)
def test_each_error_page_speaks_german_to_a_german_browser(rf, view, status, heading, sentence):
    response = view(rf.get("/somewhere/", headers={"Accept-Language": "de-CH,de;q=0.9"}), None)

    page = response.content.decode()
    assert response.status_code == status
    assert '<html lang="de">' in page
    assert 'class="brand"' in page


@pytest.mark.parametrize(("view", "status", "error"), [
    (page_not_found, 404, "not_found"),
    (bad_request, 400, "bad_request"),
    (permission_denied, 403, "forbidden"),
    (csrf_failure, 403, "form_expired"),
])  # fmt: skip
def test_json_paths_get_json_errors(rf, view, status, error):
    response = view(rf.get("/book/jana/slots.json"), None)

    assert response.status_code == status
    body = json.loads(response.content)
    assert body["error"] == error
    assert body["detail"]


def test_an_unknown_address_gets_the_branded_404_through_the_whole_stack(client):
    response = client.get("/no-such-page/", headers={"Accept-Language": "de"})

    assert response.status_code == 404
    page = response.content.decode()
    assert '<html lang="de">' in page
    assert 'class="brand"' in page
    assert "Not Found" not in page


def test_an_unknown_host_gets_the_branded_400(client):
    response = client.get("/", headers={"Host": "evil.example"})

    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.content.decode()


def test_a_form_posted_without_its_token_says_it_has_expired(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(
        reverse("bookings:submit", args=["jana"]),
        {"name": "Jane"},
        headers={"Referer": "http://testserver/book/jana/"},
    )

    page = response.content.decode()
    assert response.status_code == 403
    assert "This form has expired. Please reload the page and try again." in page
    assert 'href="http://testserver/book/jana/"' in page


def test_the_reload_link_never_leads_to_another_site(rf):
    request = rf.post("/book/jana/request/", headers={"Referer": "https://evil.example/book/"})

    response = csrf_failure(request)

    assert "evil.example" not in response.content.decode()
    assert "Reload the form" not in response.content.decode()


@pytest.mark.parametrize("debug", [False, True], ids=["production", "make-run"])
@pytest.mark.django_db
def test_an_unknown_booking_page_is_the_branded_404_in_debug_too(client, settings, debug):
    settings.DEBUG = debug

    response = client.get(reverse("bookings:page", args=["nobody"]))

    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in page
    assert "No booking page at this address. Please check the link you were given." in page
    assert "DEBUG = True" not in page
    assert "Sign in" not in page


@pytest.mark.parametrize("debug", [False, True], ids=["production", "make-run"])
@pytest.mark.django_db
def test_an_unknown_booking_pages_slots_are_a_json_404(client, settings, debug):
    settings.DEBUG = debug

    response = client.get(reverse("bookings:slots", args=["nobody"]))

    assert response.status_code == 404
    assert json.loads(response.content) == {
        "error": "not_found",
        "detail": "No booking page at this address. Please check the link you were given.",
    }


@pytest.mark.django_db
def test_a_request_to_an_unknown_booking_page_is_the_branded_404(client):
    response = client.post(reverse("bookings:submit", args=["nobody"]), {"name": "Jane"})

    assert response.status_code == 404
    assert "No booking page at this address." in response.content.decode()


def test_favicon_ico_leads_to_the_svg_favicon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
    assert finders.find("favicon.svg")


def test_the_home_page_title_names_okomo_once(client):
    response = client.get(reverse("home"))

    assert title_of(response) == "Online appointments with experts · Okomo"


@pytest.mark.django_db
def test_every_public_page_has_its_own_title(client, expert):
    titles = {
        title_of(client.get(path))
        for path in [
            reverse("home"),
            reverse("login"),
            reverse("bookings:page", args=[expert.slug]),
            reverse("bookings:customer_cancel", args=["not-a-token"]),
            "/no-such-page/",
        ]
    }

    assert len(titles) == 5
    assert all(title.endswith(" · Okomo") and title != "Okomo · Okomo" for title in titles)


def test_experts_find_sign_in_on_the_home_page(client):
    assert "Sign in" in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_customers_see_no_sign_in_on_the_booking_pages(client, expert):
    booking_page = client.get(reverse("bookings:page", args=[expert.slug]))
    bad_link = client.get(reverse("bookings:customer_cancel", args=["not-a-token"]))

    assert booking_page.status_code == 200
    assert "Sign in" not in booking_page.content.decode()
    assert bad_link.status_code == 400
    assert "Sign in" not in bad_link.content.decode()


def test_the_bad_link_page_does_not_ask_for_a_reply_to_a_no_reply_mail(client):
    response = client.get(reverse("bookings:customer_cancel", args=["not-a-token"]))

    page = response.content.decode()
    assert response.status_code == 400
    assert "reply to the mail" not in page
    assert "latest mail about your appointment" in page
    assert "contact the expert directly" in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1280])
def test_the_404_page_fits_phone_and_desktop(live_server, browser, width):
    context = browser.new_context(locale="de-DE", viewport={"width": width, "height": 800})
    tab = context.new_page()
    try:
        response = tab.goto(f"{live_server.url}/book/nobody-here/")
        assert response.status == 404
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert tab.evaluate("document.documentElement.lang") == "de"
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=ARTIFACTS / f"error-404-{width}.png", full_page=True)
    finally:
        context.close()

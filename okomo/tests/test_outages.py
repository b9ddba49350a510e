"""A real gunicorn with PostgreSQL or Redis behind a closed port: 503 and a sentence, or the
answer computed from the database, never a bare 500."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from bookings.tests.conftest import a_day_ahead, open_every_day

from .conftest import closed_port

pytestmark = pytest.mark.fault

SENTENCE = "Okomo is briefly unavailable"
# Any session cookie makes Django read the session table, as a signed-in expert's would.
SIGNED_IN = {"Cookie": "sessionid=a-session-key-that-must-be-looked-up"}


@pytest.fixture
def database_down(web_process):
    return web_process(DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port()}/okomo")


@pytest.fixture
def redis_down(web_process):
    port = closed_port()
    return web_process(
        CACHE_URL=f"redis://127.0.0.1:{port}/1", REDIS_URL=f"redis://127.0.0.1:{port}/0"
    )


def assert_unavailable_page(response, language):
    assert response.status_code == 503, response.text[:500]
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Content-Type"].startswith("text/html")
    assert f'<html lang="{language}">' in response.text
    with translation.override(language):
        assert escape(gettext(SENTENCE)) in response.text
    assert "/static/css/okomo.css" in response.text


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/", SIGNED_IN), ("/settings/bookings/", SIGNED_IN), ("/book/jana/", {})],
)
def test_database_down_pages_answer_503_with_a_sentence(database_down, path, headers):
    response = database_down.get(path, **headers)

    assert_unavailable_page(response, "en")
    assert SENTENCE in response.text
    assert "Your data is safe" in response.text


def test_database_down_page_follows_the_browser_language(database_down):
    response = database_down.get("/book/jana/", **{"Accept-Language": "de-CH,de;q=0.9"})

    # The page is rendered in German: its lang attribute, and the sentence as the German
    # catalogue has it (the English text until the translation is added).
    assert_unavailable_page(response, "de")


def test_database_down_slots_json_answers_503_json(database_down):
    response = database_down.get("/book/jana/slots.json", Accept="application/json")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == "unavailable"
    assert body["detail"].startswith(SENTENCE)


def test_database_down_is_logged_as_the_cause(database_down):
    database_down.get("/book/jana/")

    assert "Service Unavailable: /book/jana/" in database_down.log()
    assert "OperationalError" in database_down.log()


@pytest.mark.django_db(transaction=True)
def test_redis_down_booking_page_and_slots_answer_from_the_database(redis_down, expert, client):
    open_every_day(expert)
    first = a_day_ahead(3)
    query = f"?from={first}&to={first + timedelta(days=2)}&tz=Europe/Zurich"

    page = redis_down.get("/book/jana/")
    slots = redis_down.get(f"/book/jana/slots.json{query}", Accept="application/json")

    assert page.status_code == 200, redis_down.log()[-3000:]
    assert "Book an appointment with Jana Expert" in page.text
    assert slots.status_code == 200, redis_down.log()[-3000:]
    days = slots.json()["days"]
    # The same answer this process computes from the database (its cache is a local one).
    expected = json.loads(client.get(reverse("bookings:slots", args=["jana"]) + query).content)
    assert days == expected["days"]
    assert list(days) == [str(first), str(first + timedelta(days=1))]
    assert days[str(first)][0]["time"] == "09:00"
    assert "slot cache unavailable" in redis_down.log()

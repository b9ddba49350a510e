"""The error pages: which failures are outages (503), and what each kind of client gets.

No test here may use the database (pytest-django refuses it), so the pages provably render
while PostgreSQL is down."""

import json

import pytest
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from okomo.errors import server_error


def answer_to(request, error):
    """What Django's handler500 answers while `error` is being handled."""
    try:
        raise error
    except Exception:
        return server_error(request)


def raised_from(cause):
    try:
        raise cause
    except Exception as error:
        try:
            raise RuntimeError("wrapped") from error
        except RuntimeError as wrapped:
            return wrapped


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("connection refused"),
        InterfaceError("connection already closed"),
        RedisConnectionError("Error 111 connecting"),
        RedisTimeoutError("Timeout connecting to server"),
        BrokerUnavailable("Error 111 connecting"),
        raised_from(RedisConnectionError("Error 111 connecting")),
    ],
    ids=["database", "database-connection", "redis", "redis-timeout", "broker", "wrapped"],
)
def test_outages_answer_503_with_retry_after(rf, error):
    response = answer_to(rf.get("/book/jana/"), error)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert "Okomo is briefly unavailable" in response.content.decode()


def test_other_errors_answer_a_branded_500_without_retry_after(rf):
    response = answer_to(rf.get("/book/jana/"), ValueError("a bug"))

    assert response.status_code == 500
    assert not response.has_header("Retry-After")
    page = response.content.decode()
    assert "Something went wrong" in page
    assert "/static/css/okomo.css" in page


def test_json_paths_and_json_only_clients_get_json(rf):
    by_path = answer_to(rf.get("/book/jana/slots.json"), OperationalError("down"))
    by_accept = answer_to(
        rf.get("/book/jana/", headers={"Accept": "application/json"}), ValueError("a bug")
    )

    assert by_path.status_code == 503
    assert json.loads(by_path.content) == {
        "error": "unavailable",
        "detail": "Okomo is briefly unavailable. Please try again in a minute.",
    }
    assert by_accept.status_code == 500
    assert json.loads(by_accept.content)["error"] == "server_error"


def test_browsers_accepting_anything_get_html(rf):
    request = rf.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})

    response = answer_to(request, OperationalError("down"))

    assert response["Content-Type"].startswith("text/html")


def test_the_page_speaks_the_browser_language(rf):
    request = rf.get("/", headers={"Accept-Language": "de"})

    response = answer_to(request, OperationalError("down"))

    assert '<html lang="de">' in response.content.decode()
    assert response.status_code == 503


def test_try_again_is_offered_for_pages_not_for_posted_forms(rf):
    page = answer_to(rf.get("/book/jana/"), OperationalError("down"))
    form = answer_to(rf.post("/book/jana/request/"), OperationalError("down"))

    assert "Try again" in page.content.decode()
    assert "Try again" not in form.content.decode()

"""/healthz answers without I/O; /readyz asks the database, cache, broker and beat's heartbeat."""

import time

import pytest
from django.core.cache import cache

from conftest import CLOSED_PORT_REDIS
from okomo.heartbeat import CACHE_KEY, beat_heartbeat_task, heartbeat_age, record_heartbeat

ALL_OK = {"database": "ok", "cache": "ok", "broker": "ok", "beat": "ok"}


def test_healthz_answers_ok_without_touching_database_or_session(client):
    # No django_db mark: any database access would raise.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert not response.cookies


@pytest.mark.django_db
def test_readyz_is_ok_when_everything_answers_and_beat_is_fresh(client):
    record_heartbeat()

    response = client.get("/readyz")

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": ALL_OK}


@pytest.mark.django_db
def test_readyz_names_a_missing_heartbeat(client):
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "failing": ["beat"],
        "checks": {**ALL_OK, "beat": "failing: LookupError"},
    }


@pytest.mark.django_db
def test_readyz_names_a_stale_heartbeat(client, settings):
    settings.BEAT_HEARTBEAT_MAX_AGE = 300
    record_heartbeat(now=time.time() - 301)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["beat"]


@pytest.mark.django_db
def test_readyz_names_the_cache_when_redis_is_unreachable(client, settings):
    record_heartbeat()
    settings.CACHES = {
        "default": {
            "BACKEND": "okomo.cache.RedisCache",
            "LOCATION": CLOSED_PORT_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    # Without the cache the heartbeat cannot be read either.
    assert body["failing"] == ["cache", "beat"]
    assert body["checks"]["cache"] == "failing: ConnectionError"
    assert "127.0.0.1" not in response.content.decode()  # no addresses, no URLs


@pytest.mark.django_db
def test_readyz_names_the_broker_when_it_is_unreachable(client, settings):
    record_heartbeat()
    settings.CELERY_BROKER_URL = CLOSED_PORT_REDIS

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


def test_readyz_refuses_posts(client):
    assert client.post("/readyz").status_code == 405


def test_probes_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/sign-in/").status_code == 301


def test_the_beat_task_stamps_the_heartbeat():
    assert cache.get(CACHE_KEY) is None

    beat_heartbeat_task()

    assert 0 <= heartbeat_age() < 60


def test_the_heartbeat_runs_every_30_seconds_on_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["beat-heartbeat"]

    assert entry == {"task": "okomo.heartbeat.beat_heartbeat_task", "schedule": 30.0}
    assert 4 * entry["schedule"] <= settings.BEAT_HEARTBEAT_MAX_AGE

"""The slot cache: versions, and failing open while Redis is down."""

import logging
import socket

import pytest

from bookings import slot_cache


@pytest.fixture
def redis_down(settings):
    """Django's Redis cache pointed at a loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "okomo.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/1",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_an_answer_is_read_back_until_the_expert_changes():
    _, version = slot_cache.get(7, "slots:7:a")
    slot_cache.put("slots:7:a", version, "answer")
    assert slot_cache.get(7, "slots:7:a") == ("answer", version)

    slot_cache.changed(7)

    answer, newer = slot_cache.get(7, "slots:7:a")
    assert answer is None
    assert newer != version


def test_redis_down_is_a_miss_and_logged(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="bookings.slot_cache"):
        assert slot_cache.get(7, "slots:7:a") == (None, None)

    assert "slot cache unavailable, answering from the database" in caplog.text


def test_redis_down_drops_writes_and_version_bumps_with_a_warning(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="bookings.slot_cache"):
        slot_cache.put("slots:7:a", 3, "answer")
        slot_cache.changed(7)

    assert [r.name for r in caplog.records] == ["bookings.slot_cache"] * 2
    assert "answer not kept" in caplog.records[0].getMessage()
    assert "version of expert 7 not moved" in caplog.records[1].getMessage()


def test_an_answer_computed_while_the_cache_was_down_is_not_kept():
    slot_cache.put("slots:7:a", None, "answer")

    assert slot_cache.get(7, "slots:7:a") == (None, 0)

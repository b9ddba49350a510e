"""Booking limits per client address and per booking page, behind 0, 1 or 2 proxies."""

import logging

import pytest
from django.test import RequestFactory
from django.urls import reverse

from bookings.models import Booking
from bookings.tests.conftest import a_day_ahead, open_every_day, zurich
from okomo.client_address import client_address, client_address_for_limits

CUSTOMER = "198.51.100.9"
OTHER_CUSTOMER = "203.0.113.5"
OUTER_PROXY = "10.0.0.2"
INNER_PROXY = "10.0.0.3"


def valid_form(**overrides):
    return {
        "start": zurich(a_day_ahead(), 14).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "time_zone": "Europe/Zurich",
        "name": "Jane Doe",
        "email": "jane@example.com",
        "message": "",
        "language": "en",
        **overrides,
    }


def through_proxies(proxies, customer, forged):
    """Request headers as `proxies` proxies pass them on, with a forged entry from the client."""
    if proxies == 0:  # no proxy: the client talks to the app and can send any header
        return {"REMOTE_ADDR": customer, "headers": {"x-forwarded-for": forged}}
    chain = [forged, customer, OUTER_PROXY][: proxies + 1]
    return {
        "REMOTE_ADDR": OUTER_PROXY if proxies == 1 else INNER_PROXY,
        "headers": {"x-forwarded-for": ", ".join(chain)},
    }


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "192.0.2.66", "10.9.9.9"),
        (1, None, "10.9.9.9"),
        (1, CUSTOMER, CUSTOMER),
        (1, f"192.0.2.66, {CUSTOMER}", CUSTOMER),
        (1, f"192.0.2.66,{CUSTOMER}", CUSTOMER),
        (2, f"192.0.2.66, {CUSTOMER}, {OUTER_PROXY}", CUSTOMER),
        (2, CUSTOMER, "10.9.9.9"),  # fewer entries than proxies: none of them is trusted
        (1, f"{CUSTOMER}:52144", CUSTOMER),
        (1, "[2001:db8::7]:443", "2001:db8::7"),
        (1, f"::ffff:{CUSTOMER}", CUSTOMER),
        (1, f"{CUSTOMER}, not-an-address", "10.9.9.9"),
        (1, ", , ", "10.9.9.9"),
        (1, "\x00\x7f\u00e9" * 50, "10.9.9.9"),
        (1, "[::1", "10.9.9.9"),
        (1, "1.2.3.4:99999", "10.9.9.9"),
    ],
)
def test_client_address_reads_only_the_entry_the_trusted_proxies_wrote(
    settings, proxies, forwarded_for, expected
):
    settings.TRUSTED_PROXIES = proxies
    meta = {"REMOTE_ADDR": "10.9.9.9"}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for

    assert client_address(RequestFactory().post("/", **meta)) == expected


def test_limits_count_an_ipv6_client_by_its_64_network(settings):
    settings.TRUSTED_PROXIES = 0
    one = RequestFactory().post("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    same_network = RequestFactory().post("/", REMOTE_ADDR="2001:db8:1:2:bbbb::9")

    assert client_address_for_limits(one) == "2001:db8:1:2::"
    assert client_address_for_limits(same_network) == "2001:db8:1:2::"


@pytest.mark.django_db
class TestBookingLimits:
    @pytest.fixture(autouse=True)
    def _small_limits(self, settings, expert):
        open_every_day(expert)
        settings.BOOKING_REQUESTS_PER_HOUR = 2
        settings.BOOKING_REQUESTS_PER_EXPERT_PER_HOUR = 100

    def post(self, client, expert, form=None, **extra):
        return client.post(
            reverse("bookings:submit", args=[expert.slug]), form or valid_form(), **extra
        )

    def test_invalid_requests_cost_no_quota(self, client, expert):
        junk = [self.post(client, expert, valid_form(email="not-an-address")) for _ in range(5)]
        valid = [self.post(client, expert) for _ in range(2)]

        assert [a.status_code for a in junk] == [400] * 5
        assert [a.status_code for a in valid] == [302, 302]
        assert Booking.objects.count() == 1

    def test_valid_requests_are_limited_per_address(self, client, expert):
        answers = [self.post(client, expert, REMOTE_ADDR=CUSTOMER) for _ in range(3)]
        other = self.post(client, expert, REMOTE_ADDR=OTHER_CUSTOMER)

        assert [a.status_code for a in answers] == [302, 302, 429]
        assert "Too many booking requests from your network." in answers[2].content.decode()
        assert other.status_code == 302

    @pytest.mark.parametrize("proxies", [0, 1, 2])
    def test_a_forged_forwarded_for_does_not_escape_the_limit(
        self, client, expert, settings, proxies
    ):
        settings.TRUSTED_PROXIES = proxies
        answers = [
            self.post(client, expert, **through_proxies(proxies, CUSTOMER, f"192.0.2.{i}"))
            for i in range(3)
        ]
        other = self.post(client, expert, **through_proxies(proxies, OTHER_CUSTOMER, "192.0.2.1"))

        assert [a.status_code for a in answers] == [302, 302, 429]
        # The other customer is counted on their own, not on the proxy's address.
        assert other.status_code == 302

    def test_without_trusted_proxies_all_customers_behind_a_proxy_share_its_address(
        self, client, expert, settings
    ):
        settings.TRUSTED_PROXIES = 0
        first = [self.post(client, expert, **through_proxies(1, CUSTOMER, "")) for _ in range(2)]
        other = self.post(client, expert, **through_proxies(1, OTHER_CUSTOMER, ""))

        assert [a.status_code for a in first] == [302, 302]
        assert other.status_code == 429

    def test_valid_requests_are_limited_per_booking_page(
        self, client, expert, other_expert, settings
    ):
        settings.BOOKING_REQUESTS_PER_EXPERT_PER_HOUR = 2
        open_every_day(other_expert)
        answers = [self.post(client, expert, REMOTE_ADDR=f"198.51.100.{i}") for i in range(3)]
        elsewhere = self.post(client, other_expert, REMOTE_ADDR="198.51.100.9")

        assert [a.status_code for a in answers] == [302, 302, 429]
        text = answers[2].content.decode()
        assert "booking page is receiving too many requests right now" in text
        assert elsewhere.status_code == 302

    def test_a_request_refused_for_its_address_does_not_use_up_the_page(
        self, client, expert, settings
    ):
        settings.BOOKING_REQUESTS_PER_EXPERT_PER_HOUR = 3
        flood = [self.post(client, expert, REMOTE_ADDR=CUSTOMER) for _ in range(6)]
        other = self.post(client, expert, REMOTE_ADDR=OTHER_CUSTOMER)

        assert [a.status_code for a in flood] == [302, 302] + [429] * 4
        assert other.status_code == 302

    def test_requests_are_taken_when_the_cache_is_down(self, client, expert, settings, caplog):
        settings.CACHES = {
            "default": {
                "BACKEND": "okomo.cache.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/1",  # nothing listens on port 1
            }
        }
        settings.BOOKING_REQUESTS_PER_HOUR = 1

        with caplog.at_level(logging.WARNING, logger="bookings.ratelimit"):
            answers = [self.post(client, expert, REMOTE_ADDR=CUSTOMER) for _ in range(3)]

        assert [a.status_code for a in answers] == [302, 302, 302]
        assert Booking.objects.count() == 1
        assert "booking rate limit skipped, cache unavailable" in caplog.text

"""Sign-in throttling (django-axes): per email address and client address, also behind proxies."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.urls import reverse

pytestmark = pytest.mark.django_db

ATTACKER = "198.51.100.66"
EXPERT_AT_HOME = "203.0.113.5"
PROXY = "10.0.0.2"
LOCKED = "Too many failed sign-ins with this email address from your network."


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """These tests check many passwords; a fast hasher keeps them quick (created users too)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(client, password, email="expert@example.com", url=None, **extra):
    return client.post(url or reverse("login"), {"username": email, "password": password}, **extra)


def signed_in(client):
    return "_auth_user_id" in client.session


def fail_five_times(client, **extra):
    return [sign_in(client, f"guess-{i}", **extra) for i in range(5)]


def test_five_failures_lock_the_sign_in_with_a_sentence(client, expert):
    answers = fail_five_times(client, REMOTE_ADDR=ATTACKER)

    assert [a.status_code for a in answers] == [200] * 4 + [429]
    text = answers[-1].content.decode()
    assert LOCKED in text
    assert "please wait 15 minutes and try again" in text
    assert 'name="password"' in text  # the sign-in page itself, not a bare error text
    assert 'value="expert@example.com"' in text


def test_the_right_password_is_refused_while_locked_out(client, expert):
    fail_five_times(client, REMOTE_ADDR=ATTACKER)

    answer = sign_in(client, "pw-expert-1", REMOTE_ADDR=ATTACKER)

    assert answer.status_code == 429
    assert LOCKED in answer.content.decode()
    assert not signed_in(client)


def test_the_right_password_works_again_after_the_cool_off(client, expert):
    fail_five_times(client, REMOTE_ADDR=ATTACKER)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))

    answer = sign_in(client, "pw-expert-1", REMOTE_ADDR=ATTACKER)

    assert answer.status_code == 302
    assert signed_in(client)


def test_trying_during_the_lockout_does_not_extend_it(client, expert):
    fail_five_times(client, REMOTE_ADDR=ATTACKER)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=10))
    sign_in(client, "guess-again", REMOTE_ADDR=ATTACKER)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=6))

    assert sign_in(client, "pw-expert-1", REMOTE_ADDR=ATTACKER).status_code == 302


def test_the_expert_can_still_sign_in_from_another_address(client, expert):
    fail_five_times(client, REMOTE_ADDR=ATTACKER)

    answer = sign_in(client, "pw-expert-1", REMOTE_ADDR=EXPERT_AT_HOME)

    assert answer.status_code == 302
    assert signed_in(client)


def test_another_email_address_from_the_same_address_is_not_locked(client, expert, other_expert):
    fail_five_times(client, REMOTE_ADDR=ATTACKER)

    answer = sign_in(client, "pw-other-1", email="other@example.com", REMOTE_ADDR=ATTACKER)

    assert answer.status_code == 302


def test_a_successful_sign_in_forgets_earlier_typos(client, expert):
    for _ in range(4):
        sign_in(client, "typo", REMOTE_ADDR=EXPERT_AT_HOME)
    sign_in(client, "pw-expert-1", REMOTE_ADDR=EXPERT_AT_HOME)
    client.post(reverse("logout"))

    answer = sign_in(client, "typo", REMOTE_ADDR=EXPERT_AT_HOME)

    assert answer.status_code == 200


def test_behind_a_proxy_the_forwarded_client_is_locked_not_everyone(client, expert, settings):
    settings.TRUSTED_PROXIES = 1
    for i in range(5):
        # A new forged entry each time does not help: only the proxy's entry counts.
        sign_in(
            client,
            f"guess-{i}",
            REMOTE_ADDR=PROXY,
            headers={"x-forwarded-for": f"192.0.2.{i}, {ATTACKER}"},
        )

    attacker = sign_in(
        client, "pw-expert-1", REMOTE_ADDR=PROXY, headers={"x-forwarded-for": ATTACKER}
    )
    expert_answer = sign_in(
        client, "pw-expert-1", REMOTE_ADDR=PROXY, headers={"x-forwarded-for": EXPERT_AT_HOME}
    )

    assert attacker.status_code == 429
    assert expert_answer.status_code == 302
    assert AccessAttempt.objects.get().ip_address == ATTACKER


def test_the_admin_sign_in_is_throttled_too(client, expert):
    url = reverse("admin:login")
    answers = [sign_in(client, f"guess-{i}", url=url, REMOTE_ADDR=ATTACKER) for i in range(5)]

    refused = sign_in(client, "pw-expert-1", url=url, REMOTE_ADDR=ATTACKER)

    assert answers[-1].status_code == 429
    assert refused.status_code == 429
    assert LOCKED in refused.content.decode()
    assert not signed_in(client)

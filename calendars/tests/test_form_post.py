"""The sign-in answer arrives as a cross-site form POST (response_mode=form_post).

Such a POST carries no SameSite=Lax session cookie: the callback parks the answer and sends
the browser on (303) to a GET that does carry it. The code is never in a URL.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from calendars.models import CalendarConnection
from conftest import WORK, local_path

pytestmark = pytest.mark.django_db


def start(client, simulator):
    begun = client.post(reverse("calendars:connect"))
    return simulator.sign_in_answer(begun["Location"], WORK)


def test_answer_posted_without_session_or_csrf_token_connects_the_calendar(
    expert_client, expert, simulator
):
    callback, fields = start(expert_client, simulator)
    # Microsoft's page posts from another site: no session cookie, no CSRF token.
    foreign = Client(enforce_csrf_checks=True)

    parked = foreign.post(local_path(callback), fields)

    assert parked.status_code == 303
    finish = parked["Location"]
    assert urlsplit(finish).path == reverse("calendars:finish_sign_in")
    assert fields["code"] not in finish
    assert not CalendarConnection.objects.filter(expert=expert).exists()
    # The browser follows with a GET, which carries the expert's session.
    page = expert_client.get(finish, follow=True)
    assert page.redirect_chain[-1][0] == reverse("calendars:settings")
    assert CalendarConnection.objects.get(expert=expert).account_address == WORK


def test_the_code_appears_in_no_url_and_no_request_log(expert_client, simulator):
    begun = expert_client.post(reverse("calendars:connect"))
    callback, fields = simulator.sign_in_answer(begun["Location"], WORK)
    code = fields["code"]

    page = expert_client.post(local_path(callback), fields, follow=True)

    assert CalendarConnection.objects.filter(account_address=WORK).exists()
    urls = [begun["Location"], callback, *(url for url, _ in page.redirect_chain)]
    urls.append(page.request["PATH_INFO"] + "?" + page.request.get("QUERY_STRING", ""))
    for url in urls:
        assert code not in url
    # Microsoft's side (the simulator's log keeps every path, query and safe form field).
    log = simulator.requests()
    assert any(entry["path"].endswith("/oauth2/v2.0/token") for entry in log)
    for entry in log:
        assert code not in entry["path"]
        assert code not in str(entry["query"])
        assert code not in str(entry["form"])


def test_a_parked_answer_is_used_once(expert_client, expert, simulator):
    callback, fields = start(expert_client, simulator)
    finish = Client().post(local_path(callback), fields)["Location"]
    expert_client.get(finish)
    CalendarConnection.objects.filter(expert=expert).delete()

    again = expert_client.get(finish, follow=True)

    assert again.context["problem"]["kind"] == "expired"
    assert not CalendarConnection.objects.filter(expert=expert).exists()


def test_another_experts_browser_cannot_use_my_parked_answer(
    client, expert, other_expert, simulator
):
    client.force_login(expert)
    callback, fields = start(client, simulator)
    finish = Client().post(local_path(callback), fields)["Location"]
    thief = Client()
    thief.force_login(other_expert)

    page = thief.get(finish, follow=True)

    assert page.context["problem"]["kind"] == "expired"
    assert not CalendarConnection.objects.exists()
    assert simulator.requests(path_contains="/oauth2/v2.0/token") == []


def test_a_code_in_a_get_url_is_never_redeemed(expert_client, expert, simulator):
    callback, fields = start(expert_client, simulator)

    page = expert_client.get(
        local_path(callback) + "?" + "&".join(f"{k}={v}" for k, v in fields.items()), follow=True
    )

    assert page.status_code == 200
    assert page.context["problem"]["kind"] == "expired"
    assert simulator.requests(path_contains="/oauth2/v2.0/token") == []
    assert not CalendarConnection.objects.filter(expert=expert).exists()


def test_an_error_answer_by_get_is_explained_not_a_500(expert_client):
    page = expert_client.get(
        reverse("calendars:microsoft_callback") + "?error=access_denied&error_subcode=cancel",
        follow=True,
    )

    assert page.status_code == 200
    assert page.context["problem"]["kind"] == "cancelled"


def test_a_cancel_posted_by_microsoft_is_shown_as_cancelled(expert_client, expert, simulator):
    begun = expert_client.post(reverse("calendars:connect"))
    callback, fields = simulator.sign_in_answer(begun["Location"], WORK, decision="cancel")
    assert fields["error"] == "access_denied"
    assert fields["state"] == parse_qs(urlsplit(begun["Location"]).query)["state"][0]

    page = expert_client.post(local_path(callback), fields, follow=True)

    assert page.context["problem"]["kind"] == "cancelled"
    assert not CalendarConnection.objects.filter(expert=expert).exists()


@pytest.mark.parametrize(
    "posted",
    [
        {},
        {"state": "only-a-state"},
        {"code": "x" * 10_000, "state": "s"},
    ],
)
def test_a_post_that_is_no_answer_is_refused_with_a_sentence(expert_client, posted):
    page = expert_client.post(reverse("calendars:microsoft_callback"), posted, follow=True)

    assert page.status_code == 200
    assert page.context["problem"]["kind"] == "expired"
    assert "Nothing was stored" in page.content.decode()


def test_cache_down_when_the_answer_arrives_says_try_again(
    expert_client, expert, simulator, redis_down
):
    callback, fields = start(expert_client, simulator)

    page = expert_client.post(local_path(callback), fields, follow=True)

    assert page.context["problem"]["kind"] == "unavailable"
    assert not CalendarConnection.objects.filter(expert=expert).exists()


def test_finish_without_a_session_asks_to_sign_in(client):
    answer = client.get(reverse("calendars:finish_sign_in") + "?answer=abc")

    assert answer.status_code == 302
    assert "/sign-in/" in answer["Location"] or "login" in answer["Location"]

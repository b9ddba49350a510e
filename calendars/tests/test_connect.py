"""The connect flow against a real simulator process: MSAL and requests over HTTP."""

import json
from html import escape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from calendars.encryption import decrypt
from calendars.models import BusyInterval, CalendarConnection
from conftest import BLOCKED, PERSONAL, WORK, local_path

pytestmark = pytest.mark.django_db


def post_answer(client, callback, fields):
    """What Microsoft's form_post page does in the browser: POST the answer to the callback."""
    return client.post(local_path(callback), fields, follow=True)


def test_work_account_connects_and_is_shown(expert_client, expert, connect_calendar):
    page = connect_calendar(expert_client, WORK)

    connection = CalendarConnection.objects.get(expert=expert)
    assert connection.account_address == WORK
    assert connection.account_kind == "work"
    assert connection.status == "connected"
    assert connection.next_sync_at is not None
    text = page.content.decode()
    assert (
        "Your calendar is connected: anna.berger@contoso.example (work or school account)." in text
    )
    assert "Connected as" in text


def test_personal_account_connects_with_its_outlook_address(
    expert_client, expert, connect_calendar
):
    page = connect_calendar(expert_client, PERSONAL)

    connection = CalendarConnection.objects.get(expert=expert)
    assert connection.account_kind == "personal"
    assert connection.account_tid == "9188040d-6c67-4c5b-b112-36a304b66dad"
    # Personal accounts have no `mail` in Graph; the UPN is their address.
    assert connection.account_address == PERSONAL
    assert "personal Outlook.com account" in page.content.decode()


def test_connect_asks_microsoft_for_exactly_profile_and_calendar(expert_client, simulator):
    start = expert_client.post(reverse("calendars:connect"))

    query = parse_qs(urlsplit(start["Location"]).query)
    assert sorted(query["scope"][0].split()) == sorted(
        ["Calendars.ReadWrite", "User.Read", "offline_access", "openid", "profile"]
    )
    assert query["code_challenge_method"] == ["S256"]
    # The answer comes back as a POSTed form, so the code never lands in a URL.
    assert query["response_mode"] == ["form_post"]


def test_connect_must_be_a_post(expert_client, simulator):
    assert expert_client.get(reverse("calendars:connect")).status_code == 405


def test_cancel_on_microsofts_page_stores_nothing(expert_client, expert, connect_calendar):
    page = connect_calendar(expert_client, WORK, decision="cancel")

    assert not CalendarConnection.objects.filter(expert=expert).exists()
    text = page.content.decode()
    assert "The Microsoft sign-in was cancelled or you returned to Okomo before giving" in text
    # A cancel looks the same as "return without consent" after "Need admin approval":
    # the link is offered, for work or school accounts.
    assert "if your organisation asked for an administrator" in text
    assert "/organizations/v2.0/adminconsent?" in page.context["problem"]["admin_consent_url"]


def test_blocked_organisation_gets_admin_message_and_consent_link(
    expert_client, expert, connect_calendar, simulator
):
    page = connect_calendar(expert_client, BLOCKED, decision="return")

    assert not CalendarConnection.objects.filter(expert=expert).exists()
    text = page.content.decode()
    # Microsoft answers "Return to the application without granting consent" exactly like a
    # cancel, so the page says both, with the administrator's link in plain view.
    assert page.context["problem"]["kind"] == "cancelled"
    assert "returned to Okomo before giving consent" in text
    assert "if your organisation asked for an administrator" in text
    link = page.context["problem"]["admin_consent_url"]
    assert "/organizations/v2.0/adminconsent?" in link
    assert "client_id=11111111-2222-3333-4444-555555555555" in link
    assert escape(link) in text


def test_consent_required_from_token_endpoint_is_an_admin_problem(expert_client, expert, simulator):
    start = expert_client.post(reverse("calendars:connect"))
    callback, fields = simulator.sign_in_answer(start["Location"], WORK)
    simulator.fault(
        path="/oauth2/v2.0/token",
        status=400,
        body='{"error":"invalid_grant","error_description":"AADSTS65001: The user or '
        'administrator has not consented to use the application.","error_codes":[65001],'
        '"suberror":"consent_required"}',
        content_type="application/json",
    )

    page = post_answer(expert_client, callback, fields)

    assert page.context["problem"]["kind"] == "admin_approval"
    assert not CalendarConnection.objects.filter(expert=expert).exists()
    text = page.content.decode()
    assert "ask your Office 365 administrator to allow integrated apps" in text
    assert escape(page.context["problem"]["admin_consent_url"]) in text
    problem = text[text.index('id="connect-problem"') :]
    assert "<details" not in problem[: problem.index("</div>")]  # shown openly, not collapsed


def test_tampered_state_is_rejected_and_nothing_is_stored(expert_client, expert, simulator):
    start = expert_client.post(reverse("calendars:connect"))
    callback, fields = simulator.sign_in_answer(start["Location"], WORK)
    fields["state"] = "forged" + fields["state"]

    page = post_answer(expert_client, callback, fields)

    assert page.context["problem"]["kind"] == "expired"
    assert not CalendarConnection.objects.filter(expert=expert).exists()
    # The code was never redeemed: no token request reached Microsoft.
    assert simulator.requests(path_contains="/oauth2/v2.0/token") == []


def test_callback_without_a_started_flow_is_rejected(expert_client, expert, simulator):
    page = expert_client.post(
        reverse("calendars:microsoft_callback"), {"code": "abc", "state": "xyz"}, follow=True
    )

    assert page.context["problem"]["kind"] == "expired"
    assert not CalendarConnection.objects.filter(expert=expert).exists()


def test_replayed_callback_is_refused_and_changes_nothing(
    expert_client, expert, connect_calendar, simulator
):
    start = expert_client.post(reverse("calendars:connect"))
    callback, fields = simulator.sign_in_answer(start["Location"], WORK)
    post_answer(expert_client, callback, fields)
    stored = CalendarConnection.objects.get(expert=expert).token_cache

    page = post_answer(expert_client, callback, fields)

    assert page.context["problem"]["kind"] == "expired"
    assert CalendarConnection.objects.get(expert=expert).token_cache == stored


def test_replayed_code_is_rejected_by_microsoft_and_nothing_is_stored(
    expert_client, expert, simulator
):
    first = expert_client.post(reverse("calendars:connect"))
    callback, used = simulator.sign_in_answer(first["Location"], WORK)
    post_answer(expert_client, callback, used)
    CalendarConnection.objects.filter(expert=expert).delete()
    # A new flow in the session, answered with the old, already redeemed code.
    second = expert_client.post(reverse("calendars:connect"))
    replayed = {**used, "state": parse_qs(urlsplit(second["Location"]).query)["state"][0]}

    page = post_answer(expert_client, callback, replayed)

    assert page.context["problem"]["kind"] == "failed"
    assert not CalendarConnection.objects.filter(expert=expert).exists()


def test_another_experts_session_cannot_finish_my_sign_in(client, expert, other_expert, simulator):
    client.force_login(expert)
    start = client.post(reverse("calendars:connect"))
    callback, fields = simulator.sign_in_answer(start["Location"], WORK)
    client.force_login(other_expert)  # a new session, without the expert's flow

    page = post_answer(client, callback, fields)

    assert page.context["problem"]["kind"] == "expired"
    assert not CalendarConnection.objects.exists()


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"path": "/oauth2/v2.0/token", "status": 503, "retry_after": "1"}, "unavailable"),
        ({"path": "/oauth2/v2.0/token", "status": 200, "body": "<html>oops"}, "unavailable"),
        ({"path": "/v1.0/me", "status": 200, "body": "{not json"}, "unavailable"),
        ({"path": "/v1.0/me", "status": 503}, "unavailable"),
    ],
)
def test_microsoft_down_or_answering_garbage_stores_nothing(
    expert_client, expert, simulator, fault, expected
):
    start = expert_client.post(reverse("calendars:connect"))
    callback, fields = simulator.sign_in_answer(start["Location"], WORK)
    simulator.fault(**fault)

    page = post_answer(expert_client, callback, fields)

    assert page.context["problem"]["kind"] == expected
    assert not CalendarConnection.objects.filter(expert=expert).exists()
    assert "Nothing was stored" in page.content.decode()


def test_reconnecting_replaces_the_connection(expert_client, expert, connect_calendar):
    connect_calendar(expert_client, WORK)
    first = CalendarConnection.objects.get(expert=expert)
    BusyInterval.objects.create(
        connection=first, start="2026-12-01T09:00Z", end="2026-12-01T10:00Z"
    )

    connect_calendar(expert_client, PERSONAL)

    connection = CalendarConnection.objects.get(expert=expert)
    assert connection.pk == first.pk
    assert connection.account_address == PERSONAL
    # Busy times of the previous account belong to another calendar.
    assert not BusyInterval.objects.filter(connection=connection).exists()


def test_stored_tokens_are_encrypted(expert_client, expert, connect_calendar):
    connect_calendar(expert_client, WORK)
    stored = CalendarConnection.objects.get(expert=expert).token_cache

    cache = json.loads(decrypt(stored))
    access = next(iter(cache["AccessToken"].values()))["secret"]
    refresh = next(iter(cache["RefreshToken"].values()))["secret"]
    assert access
    assert refresh
    assert access not in stored
    assert refresh not in stored
    assert "RefreshToken" not in stored


def test_an_account_connected_by_another_expert_is_refused_with_a_sentence(
    client, expert, other_expert, connect_calendar
):
    client.force_login(expert)
    connect_calendar(client, WORK)
    client.force_login(other_expert)

    page = connect_calendar(client, WORK)

    assert page.status_code == 200
    assert page.context["problem"]["kind"] == "account_in_use"
    assert "already connected to another Okomo expert" in page.content.decode()
    assert not CalendarConnection.objects.filter(expert=other_expert).exists()
    assert CalendarConnection.objects.get().expert == expert

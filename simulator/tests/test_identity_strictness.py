"""The identity side refuses what Microsoft refuses: scopes never consented to, unknown
tenants, near-miss redirect URIs, silent sign-in without a session (issue 13)."""

from urllib.parse import parse_qsl, urlsplit

import requests

from conftest import CLIENT_ID, CLIENT_SECRET, WORK
from simulator.tests.conftest import REDIRECT, SCOPES, msal_app, sign_in


def token_request(sim, **form):
    return requests.post(
        f"{sim.https_base}/common/oauth2/v2.0/token",
        data={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **form},
        verify=str(sim.ca_path),
        timeout=10,
    )


def authorize_code(sim, redirect_uri=REDIRECT):
    app = msal_app(sim)
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=redirect_uri)
    back = sim.sign_in(flow["auth_uri"], WORK)
    return flow, dict(parse_qsl(urlsplit(back).query))["code"]


# --- consent -------------------------------------------------------------------------------


def test_refresh_for_a_scope_never_consented_to_gets_65001(sim):
    app, _, _ = sign_in(sim, WORK)
    account = app.get_accounts()[0]

    refused = app.acquire_token_silent_with_error(
        [*SCOPES, "MailboxSettings.Read"], account=account, force_refresh=True
    )

    assert refused["error"] == "invalid_grant"
    assert refused["error_codes"] == [65001]
    assert refused["suberror"] == "consent_required"
    # The consented scopes still refresh.
    again = app.acquire_token_silent_with_error(SCOPES, account=account, force_refresh=True)
    assert "access_token" in again, again


def test_code_redemption_for_a_scope_never_consented_to_gets_65001(sim):
    flow, code = authorize_code(sim)

    answer = token_request(
        sim,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=flow["code_verifier"],
        scope="User.Read Calendars.ReadWrite Mail.Send offline_access openid profile",
    )

    assert answer.status_code == 400
    assert answer.json()["error_codes"] == [65001]
    assert answer.json()["suberror"] == "consent_required"


# --- tokens and redirect URIs --------------------------------------------------------------


def test_token_redirect_uri_differing_from_the_authorize_one_gets_500112(sim):
    flow, code = authorize_code(sim)

    answer = token_request(
        sim,
        grant_type="authorization_code",
        code=code,
        redirect_uri="http://localhost/calendars/microsoft/admin-consent/",
        code_verifier=flow["code_verifier"],
    )

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    assert answer.json()["error_codes"] == [500112]


def test_revocation_answer_carries_a_suberror(sim):
    app, _, _ = sign_in(sim, WORK)
    account = app.get_accounts()[0]
    sim.revoke(WORK)

    refused = app.acquire_token_silent_with_error(SCOPES, account=account, force_refresh=True)

    assert refused["error_codes"] == [50173]
    assert refused["suberror"] == "bad_token"


def test_localhost_and_127_0_0_1_are_different_redirect_uris(sim):
    app = msal_app(sim)
    flow = app.initiate_auth_code_flow(
        SCOPES, redirect_uri="http://127.0.0.1/calendars/microsoft/callback/"
    )

    page = requests.get(flow["auth_uri"], allow_redirects=False, timeout=10)

    assert page.status_code == 400
    assert "AADSTS50011" in page.text


def test_loopback_ports_are_still_ignored(sim):
    app = msal_app(sim)
    flow = app.initiate_auth_code_flow(
        SCOPES, redirect_uri="http://localhost:8123/calendars/microsoft/callback/"
    )

    page = requests.get(flow["auth_uri"], allow_redirects=False, timeout=10)

    assert page.status_code == 200


# --- discovery -----------------------------------------------------------------------------


def test_discovery_for_an_unknown_tenant_gets_90002(sim):
    answer = requests.get(
        f"{sim.https_base}/nosuchtenant.example/v2.0/.well-known/openid-configuration",
        verify=str(sim.ca_path),
        timeout=10,
    )

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_tenant"
    assert answer.json()["error_codes"] == [90002]


def test_discovery_for_known_tenants(sim):
    for tenant in ("common", "organizations", "consumers", "72f988bf-0000-4000-8000-00000000c0de"):
        answer = requests.get(
            f"{sim.https_base}/{tenant}/v2.0/.well-known/openid-configuration",
            verify=str(sim.ca_path),
            timeout=10,
        )
        assert answer.status_code == 200, tenant


# --- prompt=none ---------------------------------------------------------------------------


def test_prompt_none_without_a_session_answers_login_required_at_the_redirect_uri(sim):
    app = msal_app(sim)
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT, prompt="none")

    answer = requests.get(flow["auth_uri"], allow_redirects=False, timeout=10)

    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT)
    params = dict(parse_qsl(urlsplit(location).query))
    assert params["error"] == "login_required"
    assert params["state"] == flow["state"]
    assert "code" not in params


def test_prompt_none_with_a_session_and_consent_answers_with_a_code(sim):
    app = msal_app(sim)
    browser = requests.Session()
    browser.trust_env = False
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT)
    page = browser.get(flow["auth_uri"], timeout=10)
    page = sim._submit(browser, page, {"persona": WORK})
    assert sim._submit(browser, page, {"decision": "accept"}).status_code == 302

    silent = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT, prompt="none")
    answer = browser.get(silent["auth_uri"], allow_redirects=False, timeout=10)
    params = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
    assert "code" in params, params
    assert "access_token" in app.acquire_token_by_auth_code_flow(silent, params)

    wider = app.initiate_auth_code_flow(
        [*SCOPES, "MailboxSettings.Read"], redirect_uri=REDIRECT, prompt="none"
    )
    answer = browser.get(wider["auth_uri"], allow_redirects=False, timeout=10)
    params = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))
    assert params["error"] in ("consent_required", "interaction_required")

"""The simulator's identity side, driven by real MSAL over TLS."""

import pytest
import requests

from conftest import BLOCKED, CLIENT_ID, PERSONAL, WORK
from simulator.tests.conftest import REDIRECT, SCOPES, msal_app, sign_in


@pytest.mark.parametrize(
    ("persona", "tenant"),
    [
        (WORK, "72f988bf-0000-4000-8000-00000000c0de"),
        (PERSONAL, "9188040d-6c67-4c5b-b112-36a304b66dad"),
    ],
)
def test_auth_code_flow_with_pkce_for_both_account_kinds(sim, persona, tenant):
    app, result, _ = sign_in(sim, persona)

    assert "access_token" in result, result
    assert result["id_token_claims"]["tid"] == tenant
    assert result["id_token_claims"]["preferred_username"] == persona
    account = app.get_accounts()[0]
    # The scope echo matches MSAL's cache: the next call is served without a token request.
    cached = app.acquire_token_silent(SCOPES, account=account)
    assert cached["token_source"] == "cache"


def test_code_is_single_use(sim):
    app = msal_app(sim)
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT)
    callback = sim.sign_in(flow["auth_uri"], WORK)
    code = callback.split("code=")[1].split("&")[0]
    form = {
        "client_id": "11111111-2222-3333-4444-555555555555",
        "client_secret": "test-client-secret",
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": flow["code_verifier"],
    }
    url = f"{sim.https_base}/common/oauth2/v2.0/token"
    first = requests.post(url, data=form, verify=str(sim.ca_path), timeout=10)
    second = requests.post(url, data=form, verify=str(sim.ca_path), timeout=10)

    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json()["error_codes"] == [54005]


def test_refresh_rotates_and_revocation_gives_50173(sim):
    app, _, _ = sign_in(sim, WORK)
    account = app.get_accounts()[0]
    refreshed = app.acquire_token_silent_with_error(SCOPES, account=account, force_refresh=True)
    assert refreshed["token_source"] == "identity_provider"

    sim.revoke(WORK)
    refused = app.acquire_token_silent_with_error(SCOPES, account=account, force_refresh=True)

    assert refused["error"] == "invalid_grant"
    assert 50173 in refused["error_codes"]


def test_cancel_redirects_with_access_denied(sim):
    app = msal_app(sim)
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT)

    back = sim.sign_in(flow["auth_uri"], WORK, decision="cancel")

    assert "error=access_denied" in back
    assert "error_subcode=cancel" in back
    assert f"state={flow['state']}" in back


def test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(sim):
    app = msal_app(sim)
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri="https://evil.example/callback")

    page = requests.get(flow["auth_uri"], allow_redirects=False, timeout=10)

    assert page.status_code == 400
    assert "AADSTS50011" in page.text


def test_admin_only_tenant_needs_admin_approval_until_an_admin_consents(sim):
    app = msal_app(sim)
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT, login_hint=BLOCKED)
    blocked = requests.get(flow["auth_uri"], timeout=10)
    assert "Need admin approval" in blocked.text
    assert "AADSTS90094" in blocked.text

    consent_url = f"{sim.http_base}/organizations/v2.0/adminconsent?client_id={CLIENT_ID}"
    granted = sim.approve_tenant_as_admin(consent_url, "admin@fabrikam.example")
    assert "Permissions granted" in granted.text

    _, result, _ = sign_in(sim, BLOCKED)
    assert "access_token" in result

"""How the simulated authorize endpoint answers: query, fragment or form_post, as Microsoft."""

from urllib.parse import parse_qsl, urlsplit

import msal
import requests

from conftest import WORK
from simulator.tests.conftest import REDIRECT, SCOPES, msal_app


def test_form_post_answer_is_a_self_submitting_form_and_msal_redeems_it(sim):
    app = msal_app(sim, msal.SerializableTokenCache())
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT, response_mode="form_post")

    action, fields = sim.sign_in_answer(flow["auth_uri"], WORK)

    assert action == REDIRECT
    assert {"code", "state", "client_info", "session_state"} <= fields.keys()
    result = app.acquire_token_by_auth_code_flow(flow, fields)
    assert "access_token" in result, result


def test_form_post_page_works_without_script_too(sim):
    app = msal_app(sim)
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT, response_mode="form_post")
    browser = requests.Session()
    browser.trust_env = False
    page = browser.get(flow["auth_uri"], timeout=10)
    page = sim._submit(browser, page, {"persona": WORK})
    answer = sim._submit(browser, page, {"decision": "accept"})

    assert answer.status_code == 200
    assert "<noscript>" in answer.text
    assert '<input type="submit"' in answer.text
    assert "code=" not in (answer.headers.get("Location") or "")


def test_form_post_cancel_posts_the_error(sim):
    app = msal_app(sim)
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT, response_mode="form_post")

    _, fields = sim.sign_in_answer(flow["auth_uri"], WORK, decision="cancel")

    assert fields["error"] == "access_denied"
    assert fields["error_subcode"] == "cancel"
    assert fields["error_description"].startswith("AADSTS65004")
    assert fields["state"] == flow["state"]
    assert "code" not in fields


def test_fragment_answer_puts_the_code_after_the_hash(sim):
    app = msal_app(sim)
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT, response_mode="fragment")

    back = sim.sign_in(flow["auth_uri"], WORK)

    parts = urlsplit(back)
    assert parts.query == ""
    assert dict(parse_qsl(parts.fragment))["state"] == flow["state"]


def test_unknown_response_mode_gets_an_error_page_not_a_redirect(sim):
    app = msal_app(sim)
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT, response_mode="post")

    page = requests.get(flow["auth_uri"], allow_redirects=False, timeout=10)

    assert page.status_code == 400
    assert "response_mode" in page.text
    assert "Location" not in page.headers

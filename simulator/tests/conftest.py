from urllib.parse import parse_qsl, urlsplit

import msal
import pytest
import requests

from conftest import CLIENT_ID, CLIENT_SECRET

REDIRECT = "http://localhost/calendars/microsoft/callback/"
SCOPES = ["User.Read", "Calendars.ReadWrite"]


@pytest.fixture
def sim(simulator_process):
    simulator_process.reset()
    return simulator_process


def msal_app(sim, cache=None):
    """Real MSAL, as the app builds it: own CA, ambient CA variables ignored, fresh caches."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(sim.ca_path)
    return msal.ConfidentialClientApplication(
        CLIENT_ID,
        client_credential=CLIENT_SECRET,
        authority=f"{sim.https_base}/common",
        instance_discovery=False,
        http_client=session,
        http_cache={},
        token_cache=cache,
    )


def sign_in(sim, persona):
    """Run the whole auth-code flow; return (app, token result, the redirect's params)."""
    app = msal_app(sim, msal.SerializableTokenCache())
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT)
    params = dict(parse_qsl(urlsplit(sim.sign_in(flow["auth_uri"], persona)).query))
    return app, app.acquire_token_by_auth_code_flow(flow, params), params


def graph(sim, token, path, method="GET", **kwargs):
    session = requests.Session()
    session.trust_env = False
    return session.request(
        method,
        f"{sim.https_base}/v1.0{path}",
        headers={"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})},
        verify=str(sim.ca_path),
        timeout=10,
        **kwargs,
    )

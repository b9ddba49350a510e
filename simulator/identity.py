"""Microsoft identity platform v2 endpoints: discovery, authorize, token, admin consent."""

import base64
import hashlib
import json
import secrets
import uuid
from urllib.parse import urlencode, urlsplit

from werkzeug.wrappers import Response

from . import pages
from .personas import PERSONAL_TENANT

SESSION_COOKIE = "sim_session"  # the simulated sign-in session (Microsoft's ESTSAUTH)
CODE_LIFETIME = 600  # seconds; Microsoft's codes live about ten minutes
RESERVED = {"openid", "profile", "offline_access", "email"}
# How the answer reaches the redirect URI; for response_type=code Microsoft accepts all three
# (query is the default). form_post: an auto-submitting form POSTs the answer.
RESPONSE_MODES = {"query", "fragment", "form_post"}


def json_response(body, status=200, headers=None):
    # Compact, as Microsoft sends it (and cheaper to write for a page of a thousand events).
    text = json.dumps(body, separators=(",", ":"))
    return Response(text, status=status, headers=headers, mimetype="application/json")


def known_tenant(ctx, tenant):
    """The aliases, a tenant id, or a verified domain of one of the simulated tenants."""
    if tenant in ("common", "organizations", "consumers"):
        return True
    domains = {p.username.split("@")[1] for p in ctx.state.personas.values()}
    return tenant in ctx.state.tenants or tenant.lower() in domains


def openid_configuration(ctx, request, tenant):
    if not known_tenant(ctx, tenant):
        return token_error(
            "invalid_tenant",
            90002,
            f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and "
            "are signing into the correct cloud. Check with your subscription administrator, "
            "this may happen if there are no active subscriptions for the tenant.",
        )
    issuer_tenant = "{tenantid}" if tenant in ("common", "organizations", "consumers") else tenant
    https, http = ctx.https_base, ctx.http_base
    return json_response(
        {
            "token_endpoint": f"{https}/{tenant}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{https}/{tenant}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"https://login.microsoftonline.com/{issuer_tenant}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            # Plain http, so a browser needs no certificate exception for the sign-in pages.
            "authorization_endpoint": f"{http}/{tenant}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{https}/{tenant}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{http}/{tenant}/oauth2/v2.0/logout",
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "acr",
                "nonce",
                "preferred_username",
                "name",
                "tid",
                "ver",
                "at_hash",
                "c_hash",
                "email",
            ],
            "kerberos_endpoint": f"{https}/{tenant}/kerberos",
            "tenant_region_scope": None,
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }
    )


def instance_discovery(ctx, request):
    aliases = [
        "login.microsoftonline.com",
        "login.windows.net",
        "login.microsoft.com",
        "sts.windows.net",
    ]
    return json_response(
        {
            "tenant_discovery_endpoint": (
                f"{ctx.https_base}/common/v2.0/.well-known/openid-configuration"
            ),
            "api-version": "1.1",
            "metadata": [
                {"preferred_network": aliases[0], "preferred_cache": aliases[1], "aliases": aliases}
            ],
        }
    )


def keys(ctx, request, tenant):
    return json_response({"keys": []})


def logout(ctx, request, tenant):
    return pages.message(
        "You signed out of your account", "It's a good idea to close all browser windows."
    )


# --- authorize ---------------------------------------------------------------------------


def authorize(ctx, request, tenant):
    state = ctx.state
    action = f"/{tenant}/oauth2/v2.0/authorize"
    if request.method == "POST":
        return _authorize_step(ctx, request, tenant, action)
    args = request.args
    if args.get("client_id") != state.client_id:
        return pages.error(
            700016, f"Application with identifier '{args.get('client_id')}' was not found."
        )
    redirect_uri = args.get("redirect_uri", "")
    if not redirect_uri_registered(ctx, redirect_uri):
        return pages.error(
            50011,
            f"The redirect URI '{redirect_uri}' specified in the request does not match the "
            "redirect URIs configured for the application.",
        )
    mode = args.get("response_mode") or "query"
    if mode not in RESPONSE_MODES:
        # Microsoft cannot answer in a mode it does not know: an error page, no redirect.
        return pages.error(
            90023, f"'{mode}' is not a supported value of 'response_mode'.", status=400
        )
    if args.get("response_type") != "code":
        return _redirect_error(
            redirect_uri,
            args.get("state"),
            "unsupported_response_type",
            700054,
            "response_type 'code' is required.",
            mode=mode,
        )
    if not args.get("code_challenge") or args.get("code_challenge_method") != "S256":
        return _redirect_error(
            redirect_uri,
            args.get("state"),
            "invalid_request",
            501491,
            "code_challenge with method S256 is required.",
            mode=mode,
        )
    request_id = secrets.token_urlsafe(16)
    with state.lock:
        state.pending[request_id] = {
            "tenant": tenant,
            "client_id": args["client_id"],
            "redirect_uri": redirect_uri,
            "scope": args.get("scope", "").split(),
            "state": args.get("state"),
            "nonce": args.get("nonce"),
            "code_challenge": args["code_challenge"],
            "response_mode": mode,
            "persona": None,
        }
        persona = state.personas.get(args.get("login_hint", ""))
    if args.get("prompt") == "none":
        return _silent(ctx, request, request_id, tenant)
    if persona and _allowed_in(persona, tenant):
        with state.lock:
            state.pending[request_id]["persona"] = persona.username
        return _consent_or_block(ctx, action, request_id, persona)
    return pages.account_picker(action, request_id, _pickable(ctx, tenant))


def _authorize_step(ctx, request, tenant, action):
    state = ctx.state
    request_id = request.form.get("sim_request", "")
    with state.lock:
        pending = state.pending.get(request_id)
    if pending is None:
        return pages.error(90014, "The sign-in request expired or is unknown. Start again.")
    if "persona" in request.form:
        persona = state.personas.get(request.form["persona"])
        if persona is None or not _allowed_in(persona, tenant):
            return pages.error(50020, "User account does not exist in this tenant.")
        pending["persona"] = persona.username
        return _consent_or_block(ctx, action, request_id, persona)
    decision = request.form.get("decision")
    persona = state.personas.get(pending["persona"] or "")
    if persona is None:
        return pages.account_picker(action, request_id, _pickable(ctx, tenant))
    with state.lock:
        state.pending.pop(request_id, None)
    if decision != "accept" or _needs_admin(ctx, persona):
        # "Cancel" and "Return to the application without granting consent" arrive alike.
        return _redirect_error(
            pending["redirect_uri"],
            pending["state"],
            "access_denied",
            65004,
            "User declined to consent to access the app.",
            subcode="cancel",
            mode=pending["response_mode"],
        )
    with state.lock:
        state.consent_withdrawn.discard(persona.username)
        persona.consented |= set(_short(pending["scope"]))
    answer = _code_answer(ctx, pending, persona)
    # The browser now holds a sign-in session: a later prompt=none request uses it.
    answer.set_cookie(SESSION_COOKIE, persona.username, httponly=True, samesite="Lax")
    return answer


def _code_answer(ctx, pending, persona):
    state = ctx.state
    code = secrets.token_urlsafe(48)
    with state.lock:
        state.codes[code] = {
            **pending,
            "username": persona.username,
            "expires_at": state.now() + CODE_LIFETIME,
        }
    query = {
        "code": code,
        "client_info": client_info(persona),
        "state": pending["state"],
        "session_state": str(uuid.uuid4()),
    }
    return _answer(pending["redirect_uri"], query, pending["response_mode"])


def _silent(ctx, request, request_id, tenant):
    """prompt=none: answer from the browser's session, or send an error back to the app
    (Microsoft never shows a page then)."""
    state = ctx.state
    with state.lock:
        pending = state.pending.pop(request_id)
        persona = state.personas.get(request.cookies.get(SESSION_COOKIE, ""))
    if persona is None or not _allowed_in(persona, tenant):
        return _redirect_error(
            pending["redirect_uri"],
            pending["state"],
            "login_required",
            50058,
            "A silent sign-in request was sent but no user is signed in.",
            mode=pending["response_mode"],
        )
    missing = set(_short(pending["scope"])) - persona.consented
    if missing or persona.username in state.consent_withdrawn or _needs_admin(ctx, persona):
        return _redirect_error(
            pending["redirect_uri"],
            pending["state"],
            "consent_required",
            65001,
            f"The user or administrator has not consented to use the application with ID "
            f"'{state.client_id}' named 'Okomo'. Send an interactive authorization request for "
            "this user and resource.",
            mode=pending["response_mode"],
        )
    return _code_answer(ctx, pending, persona)


def _short(scopes):
    """Delegated scopes as short names, without the OpenID ones every request carries."""
    return [s.rsplit("/", 1)[-1] for s in scopes if s not in RESERVED]


def redirect_uri_registered(ctx, uri):
    """Exact match, except that a loopback URI's port is ignored (as Microsoft does);
    localhost and 127.0.0.1 are different hosts."""
    given = urlsplit(uri)
    for known in ctx.state.redirect_uris:
        registered = urlsplit(known)
        if uri == known:
            return True
        loopback = given.hostname in ("localhost", "127.0.0.1")
        if loopback and (given.scheme, given.hostname, given.path, given.query) == (
            registered.scheme,
            registered.hostname,
            registered.path,
            registered.query,
        ):
            return True
    return False


def _not_consented(ctx):
    return token_error(
        "invalid_grant",
        65001,
        f"The user or administrator has not consented to use the application with ID "
        f"'{ctx.state.client_id}' named 'Okomo'. Send an interactive authorization request for "
        "this user and resource.",
        suberror="consent_required",
    )


def _consent_or_block(ctx, action, request_id, persona):
    if _needs_admin(ctx, persona):
        return pages.admin_approval_needed(action, request_id, persona)
    with ctx.state.lock:
        scopes = ctx.state.pending[request_id]["scope"]
    return pages.consent(action, request_id, persona, scopes)


def _needs_admin(ctx, persona):
    tenant = ctx.state.tenants.get(persona.tenant_id)
    return bool(tenant and tenant.consent_policy == "admin_only" and not tenant.approved)


def _pickable(ctx, tenant, admins=False):
    return [
        p
        for p in ctx.state.personas.values()
        if _allowed_in(p, tenant) and (p.is_admin if admins else not p.is_admin)
    ]


def _allowed_in(persona, tenant):
    if tenant == "common":
        return True
    if tenant == "consumers":
        return persona.tenant_id == PERSONAL_TENANT
    if tenant == "organizations":
        return persona.tenant_id != PERSONAL_TENANT
    return persona.tenant_id == tenant


def client_info(persona):
    raw = json.dumps({"uid": persona.oid, "utid": persona.tenant_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _redirect(uri, query):
    separator = "&" if urlsplit(uri).query else "?"
    return Response(status=302, headers={"Location": uri + separator + urlencode(query)})


def _answer(uri, params, mode):
    """Send the authorize answer to the redirect URI the way the client asked for."""
    if mode == "form_post":
        return pages.form_post(uri, params)
    if mode == "fragment":
        return Response(status=302, headers={"Location": f"{uri}#{urlencode(params)}"})
    return _redirect(uri, params)


def _redirect_error(uri, state, error, code, text, subcode=None, mode="query"):
    query = {"error": error}
    if subcode:
        query["error_subcode"] = subcode
    query["error_description"] = f"AADSTS{code}: {text}\r\nTrace ID: {uuid.uuid4()}"
    query["error_uri"] = f"https://login.microsoftonline.com/error?code={code}"
    if state is not None:
        query["state"] = state
    return _answer(uri, query, mode)


# --- admin consent -----------------------------------------------------------------------


def admin_consent(ctx, request, tenant):
    state = ctx.state
    action = request.path
    if request.method == "GET":
        if request.args.get("client_id") != state.client_id:
            return pages.error(700016, "Application was not found in the directory.")
        redirect_uri = request.args.get("redirect_uri")
        if redirect_uri and not redirect_uri_registered(ctx, redirect_uri):
            return pages.error(50011, "The redirect URI does not match the application's.")
        request_id = secrets.token_urlsafe(16)
        with state.lock:
            state.pending[request_id] = {
                "admin": True,
                "redirect_uri": redirect_uri,
                "state": request.args.get("state"),
                "scope": request.args.get("scope", "").split(),
                "persona": None,
            }
        return pages.account_picker(
            action,
            request_id,
            _pickable(ctx, "organizations", admins=True),
            heading="Sign in as an administrator",
        )
    request_id = request.form.get("sim_request", "")
    with state.lock:
        pending = state.pending.get(request_id)
    if pending is None or not pending.get("admin"):
        return pages.error(90014, "The consent request expired or is unknown.")
    if "persona" in request.form:
        persona = state.personas.get(request.form["persona"])
        if persona is None or not persona.is_admin:
            return pages.error(90093, "Only an administrator can grant this permission.")
        pending["persona"] = persona.username
        scopes = [s.rsplit("/", 1)[-1] for s in pending["scope"]] or [
            "User.Read",
            "Calendars.ReadWrite",
        ]
        return pages.admin_consent(action, request_id, persona, scopes)
    persona = state.personas[pending["persona"]]
    with state.lock:
        state.pending.pop(request_id, None)
        accepted = request.form.get("decision") == "accept"
        if accepted:
            state.tenants[persona.tenant_id].approved = True
    uri = pending["redirect_uri"]
    if not uri:
        if accepted:
            return pages.message(
                "Permissions granted", "Users in your organization can now use the app."
            )
        return pages.message("Permissions not granted", "No permissions were granted.")
    query = {"admin_consent": "True"}
    if accepted:
        query.update(tenant=persona.tenant_id, scope=" ".join(pending["scope"]))
    else:
        query.update(
            error="access_denied", error_description="AADSTS65004: User declined to consent."
        )
    if pending["state"] is not None:
        query["state"] = pending["state"]
    return _redirect(uri, query)


# --- token -------------------------------------------------------------------------------


def token(ctx, request, tenant):
    state = ctx.state
    form = request.form
    client_id, secret = form.get("client_id"), form.get("client_secret")
    if request.authorization and request.authorization.type == "basic":
        client_id = client_id or request.authorization.username
        secret = secret or request.authorization.password
    if client_id != state.client_id:
        return token_error(
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found.",
            status=400,
        )
    if secret != state.client_secret:
        return token_error("invalid_client", 7000215, "Invalid client secret provided.", status=401)
    grant = form.get("grant_type")
    if grant == "authorization_code":
        return _redeem_code(ctx, form)
    if grant == "refresh_token":
        return _redeem_refresh_token(ctx, form)
    return token_error(
        "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
    )


def _redeem_code(ctx, form):
    state = ctx.state
    with state.lock:
        grant = state.codes.get(form.get("code", ""))
        if grant is None:
            return token_error(
                "invalid_grant", 70000, "The provided authorization code is invalid or malformed."
            )
        if grant.get("redeemed"):
            return token_error(
                "invalid_grant",
                54005,
                "OAuth2 Authorization code was already redeemed, please retry with a new valid "
                "code or use an existing refresh token.",
            )
        grant["redeemed"] = True
        if grant["expires_at"] < state.now():
            return token_error(
                "invalid_grant",
                70008,
                "The provided authorization code or refresh token has expired.",
            )
    if form.get("redirect_uri") != grant["redirect_uri"]:
        return token_error(
            "invalid_grant",
            500112,
            f"The reply address '{form.get('redirect_uri')}' does not match the reply address "
            f"'{grant['redirect_uri']}' provided when requesting Authorization code.",
        )
    verifier = form.get("code_verifier", "")
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    if challenge != grant["code_challenge"]:
        return token_error(
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization "
            "request.",
        )
    persona = state.personas[grant["username"]]
    # MSAL repeats the scopes in the redemption; one the user never consented to is refused.
    requested = form.get("scope", "").split() or grant["scope"]
    if set(_short(requested)) - persona.consented:
        return _not_consented(ctx)
    return _issue(ctx, persona, grant["scope"], nonce=grant["nonce"])


def _redeem_refresh_token(ctx, form):
    state = ctx.state
    presented = form.get("refresh_token", "")
    with state.lock:
        retired = state.retired_refresh_tokens.get(presented)
        grant = state.refresh_tokens.pop(presented, None)
        if grant is None and retired == "revoked":
            return token_error(
                "invalid_grant",
                50173,
                "The provided grant has expired due to it being revoked, a fresh auth token is "
                "needed. The user might have changed or reset their password.",
                suberror="bad_token",
            )
        if grant is None:
            return token_error(
                "invalid_grant",
                70000,
                "The provided value for the input parameter 'refresh_token' or 'assertion' is "
                "not valid.",
            )
        if grant["username"] in state.consent_withdrawn:
            state.refresh_tokens[presented] = grant
            return token_error(
                "invalid_grant",
                65001,
                f"The user or administrator has not consented to use the application with ID "
                f"'{state.client_id}' named 'Okomo'. Send an interactive authorization request "
                "for this user and resource.",
                suberror="consent_required",
            )
        persona = state.personas[grant["username"]]
        requested = form.get("scope", "").split() or grant["scopes"]
        if set(_short(requested)) - persona.consented:
            # As after the app adds a scope: the refresh token stays valid for the old ones.
            state.refresh_tokens[presented] = grant
            return _not_consented(ctx)
        # Rotation: the presented refresh token is spent.
        state.retired_refresh_tokens[presented] = "rotated"
    return _issue(ctx, persona, requested)


def _issue(ctx, persona, requested_scopes, nonce=None):
    state = ctx.state
    scopes = [s.rsplit("/", 1)[-1] for s in requested_scopes if s not in RESERVED]
    granted = sorted(set(scopes) | {"User.Read"}) if scopes else ["User.Read"]
    access, refresh = secrets.token_urlsafe(64), secrets.token_urlsafe(96)
    now = state.now()
    lifetime = state.settings.access_token_lifetime
    with state.lock:
        state.access_tokens[access] = {
            "username": persona.username,
            "scopes": set(granted),
            "expires_at": now + lifetime,
        }
        state.refresh_tokens[refresh] = {"username": persona.username, "scopes": granted}
    claims = {
        "ver": "2.0",
        "iss": f"https://login.microsoftonline.com/{persona.tenant_id}/v2.0",
        "sub": hashlib.sha256(f"{persona.oid}:{state.client_id}".encode()).hexdigest()[:43],
        "aud": state.client_id,
        "exp": int(now) + 3600,
        "iat": int(now),
        "nbf": int(now),
        "name": persona.display_name,
        "preferred_username": persona.username,
        "oid": persona.oid,
        "tid": persona.tenant_id,
    }
    if nonce:
        claims["nonce"] = nonce
    body = {
        "token_type": "Bearer",
        # Short names, exact case, as Microsoft echoes them: MSAL's cache matches on them.
        "scope": " ".join([*granted, "profile", "openid", "email"]),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access,
        "refresh_token": refresh,
        "id_token": _unsigned_jwt(claims),
        "client_info": client_info(persona),
    }
    return json_response(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def _unsigned_jwt(claims):
    def part(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def token_error(error, code, text, status=400, suberror=None):
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    body = {
        "error": error,
        "error_description": (
            f"AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}"
            "\r\nTimestamp: 2026-01-01 00:00:00Z"
        ),
        "error_codes": [code],
        "timestamp": "2026-01-01 00:00:00Z",
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }
    if suberror:
        body["suberror"] = suberror
    return json_response(body, status=status)

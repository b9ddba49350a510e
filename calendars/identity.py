"""Microsoft sign-in through MSAL: the connect flow, silent token refresh, the token cache.

The only module that imports msal. Views and services see the small exception types
below, never MSAL's.
"""

import logging
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import msal
import requests
from django.conf import settings

from .transport import shared_session

logger = logging.getLogger(__name__)

# MSAL adds openid, profile and offline_access itself (passing them raises).
SCOPES = ["User.Read", "Calendars.ReadWrite"]
ADMIN_CONSENT_SCOPES = (
    "https://graph.microsoft.com/User.Read https://graph.microsoft.com/Calendars.ReadWrite"
)
# AADSTS codes that mean the organisation has to approve the app first.
ADMIN_APPROVAL_CODES = {65001, 90093, 90094, 90095, 900941}
# Refresh failures that no retry heals: revoked, expired, consent withdrawn, MFA/policy.
RECONNECT_ERRORS = {"invalid_grant", "interaction_required", "consent_required", "login_required"}
PERSONAL_ACCOUNTS_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"

# One dict for every app instance, so the authority's discovery document is fetched once
# per process (MSAL keeps it 24 h) instead of on every request (brief §2).
_http_cache = {}


class IdentityError(Exception):
    """Base of everything that can go wrong talking to Microsoft's identity platform."""


class SignInCancelled(IdentityError):
    """The expert cancelled on Microsoft's page (or returned without granting consent)."""


class AdminApprovalRequired(IdentityError):
    """The expert's organisation lets only an administrator allow the app."""


class SignInFailed(IdentityError):
    """The sign-in answer cannot be used; `reason` says why for the expert."""

    def __init__(self, reason, detail=""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason  # "state", "rejected" or "invalid_response"
        self.detail = detail


class ReconnectNeeded(IdentityError):
    """The stored grant no longer works; only a new interactive sign-in helps."""


class MicrosoftUnavailable(IdentityError):
    """Microsoft did not answer usably; trying again later can help."""


@dataclass(frozen=True)
class SignIn:
    oid: str
    tid: str
    home_account_id: str
    username: str
    name: str
    access_token: str
    token_cache: str  # serialized MSAL cache, to be stored encrypted

    @property
    def is_personal_account(self):
        return self.tid == PERSONAL_ACCOUNTS_TENANT


def _application(cache=None):
    if not settings.MICROSOFT_CLIENT_ID:
        raise MicrosoftUnavailable("MICROSOFT_CLIENT_ID is not configured")
    try:
        # The constructor fetches the authority's OpenID configuration.
        return msal.ConfidentialClientApplication(
            settings.MICROSOFT_CLIENT_ID,
            client_credential=settings.MICROSOFT_CLIENT_SECRET,
            authority=settings.MICROSOFT_AUTHORITY,
            # Instance discovery would ask login.microsoftonline.com about any other host;
            # the public cloud needs none of it (brief §3).
            instance_discovery=False,
            http_client=shared_session(),
            http_cache=_http_cache,
            token_cache=cache,
        )
    except (requests.RequestException, msal.exceptions.MsalServiceError, ValueError) as exc:
        logger.warning("microsoft authority unusable: %s", exc)
        raise MicrosoftUnavailable(str(exc)) from exc


def start_sign_in(redirect_uri: str) -> dict:
    """Begin the auth-code flow: the dict goes into the session, its `auth_uri` to the browser.

    form_post: Microsoft answers with a form the browser POSTs to `redirect_uri`, so the
    authorization code never appears in a URL (history, access logs, Referer).
    """
    return _application().initiate_auth_code_flow(
        SCOPES, redirect_uri=redirect_uri, prompt="select_account", response_mode="form_post"
    )


def finish_sign_in(flow: dict | None, params: dict) -> SignIn:
    """Redeem Microsoft's redirect answer against the flow started for this session."""
    if "error" in params:
        raise _redirect_error(params)
    if not flow or not params.get("state") or params.get("state") != flow.get("state"):
        raise SignInFailed("state")
    cache = msal.SerializableTokenCache()
    app = _application(cache)
    try:
        result = app.acquire_token_by_auth_code_flow(flow, params)
    except (requests.RequestException, msal.exceptions.MsalServiceError) as exc:
        raise MicrosoftUnavailable(str(exc)) from exc
    except (ValueError, RuntimeError) as exc:
        # State was checked above, so this is a garbled answer or a wrong nonce.
        raise SignInFailed("invalid_response", str(exc)) from exc
    if "error" in result:
        if _needs_admin_approval(result):
            raise AdminApprovalRequired(result.get("error_description", ""))
        raise SignInFailed("rejected", _first_line(result.get("error_description", "")))

    claims = result.get("id_token_claims") or {}
    oid, tid = claims.get("oid") or claims.get("sub"), claims.get("tid")
    account = next((a for a in app.get_accounts() if a.get("local_account_id") == oid), None)
    if not (oid and tid and account and result.get("access_token")):
        raise SignInFailed("invalid_response", "token answer lacks account or access token")
    return SignIn(
        oid=oid,
        tid=tid,
        home_account_id=account["home_account_id"],
        username=claims.get("preferred_username", ""),
        name=claims.get("name", ""),
        access_token=result["access_token"],
        token_cache=cache.serialize(),
    )


def cached_access_token(token_cache: str, home_account_id: str, *, now: float) -> str | None:
    """The cached access token if it serves at least five more minutes, else None.

    Only reads the cache, as MSAL's acquire_token_silent does first (same five-minute margin,
    same `refresh_on`), but without building an application: a sync that finds its token
    here needs no lock on the connection, since only a refresh rotates what is stored.
    """
    cache = msal.SerializableTokenCache()
    try:
        cache.deserialize(token_cache)
    except ValueError:
        return None
    entries = cache.search(
        msal.TokenCache.CredentialType.ACCESS_TOKEN,
        target=SCOPES,
        query={"client_id": settings.MICROSOFT_CLIENT_ID, "home_account_id": home_account_id},
    )
    for entry in entries:
        try:
            expires_on = int(entry["expires_on"])
            refresh_on = int(entry.get("refresh_on", expires_on))
        except (KeyError, TypeError, ValueError):
            continue
        if expires_on - now >= 5 * 60 and refresh_on >= now:
            return entry["secret"]
    return None


def acquire_access_token(
    token_cache: str, home_account_id: str, *, force_refresh: bool = False
) -> tuple[str, str | None]:
    """Return an access token and the updated cache (None when the cache is unchanged)."""
    cache = msal.SerializableTokenCache()
    try:
        cache.deserialize(token_cache)
    except ValueError as exc:
        raise ReconnectNeeded("stored token cache is unreadable") from exc
    app = _application(cache)
    account = next(
        (a for a in app.get_accounts() if a.get("home_account_id") == home_account_id), None
    )
    if account is None:
        raise ReconnectNeeded("account missing from token cache")
    try:
        result = app.acquire_token_silent_with_error(
            SCOPES, account=account, force_refresh=force_refresh
        )
    except (requests.RequestException, msal.exceptions.MsalServiceError, ValueError) as exc:
        raise MicrosoftUnavailable(str(exc)) from exc
    if not result:
        raise ReconnectNeeded("no usable refresh token")
    if "error" in result:
        detail = _first_line(result.get("error_description", "")) or result["error"]
        if result["error"] in RECONNECT_ERRORS:
            raise ReconnectNeeded(detail)
        raise MicrosoftUnavailable(detail)
    return result["access_token"], cache.serialize() if cache.has_state_changed else None


def admin_consent_url(redirect_uri: str) -> str:
    """The link an expert forwards to their Office 365 administrator (v2 admin consent)."""
    try:
        endpoint = _application().authority.authorization_endpoint
    except MicrosoftUnavailable:
        endpoint = settings.MICROSOFT_AUTHORITY
    parts = urlsplit(endpoint)
    query = urlencode(
        {
            "client_id": settings.MICROSOFT_CLIENT_ID,
            "scope": ADMIN_CONSENT_SCOPES,
            "redirect_uri": redirect_uri,
        }
    )
    # The blocked sign-in tells us no tenant; "organizations" lands the consent in the
    # signing-in administrator's home tenant ("common" is not allowed here).
    return f"{parts.scheme}://{parts.netloc}/organizations/v2.0/adminconsent?{query}"


def _redirect_error(params):
    if _needs_admin_approval(params):
        return AdminApprovalRequired(params.get("error_description", ""))
    if params["error"] == "access_denied":
        return SignInCancelled(params.get("error_description", ""))
    return SignInFailed("rejected", _first_line(params.get("error_description", "")))


def _needs_admin_approval(answer):
    if answer.get("error") == "consent_required" or answer.get("suberror") == "consent_required":
        return True
    codes = set(answer.get("error_codes") or [])
    codes.update(
        int(code) for code in re.findall(r"AADSTS(\d+)", answer.get("error_description", ""))
    )
    return bool(codes & ADMIN_APPROVAL_CODES)


def _first_line(text):
    return text.splitlines()[0] if text else ""

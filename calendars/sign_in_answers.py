"""Microsoft's sign-in answer, parked for a minute between its POST and the expert's GET.

With response_mode=form_post Microsoft's page POSTs the answer (code, state, ...) to our
redirect URI from login.microsoftonline.com. That is a cross-site POST: the browser leaves out
the SameSite=Lax session cookie, so the request knows neither the expert nor the MSAL flow in
their session. The POST therefore only parks the answer here under a random handle and sends
the browser on with a 303 to a GET URL that carries the handle; that top-level GET comes with
the session, and MSAL checks state, nonce and PKCE against the session's flow there. The code
is never in a URL, and SameSite stays Lax for every cookie.
"""

import logging
import secrets

from django.core.cache import cache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Long enough for one redirect, short enough that a parked code is useless when found later
# (it also needs the PKCE verifier in the session and the client secret).
PARK_SECONDS = 60
# The fields Microsoft's answer can carry; anything else is dropped, and long values refused.
FIELDS = (
    "code",
    "state",
    "client_info",
    "session_state",
    "error",
    "error_description",
    "error_subcode",
    "error_uri",
)
MAX_FIELD_LENGTH = 8192
# What Django's RedisCache raises when Redis is down or slower than its socket timeouts.
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


class CacheUnavailable(Exception):
    """The answer could not be parked or fetched: the cache (Redis) is down."""


def _key(handle):
    return f"microsoft-sign-in-answer:{handle}"


def answer_fields(posted) -> dict | None:
    """The known fields of a posted answer; None when it is no answer at all."""
    answer = {name: posted[name] for name in FIELDS if posted.get(name)}
    if not ({"code", "error"} & answer.keys()):
        return None
    if any(len(value) > MAX_FIELD_LENGTH for value in answer.values()):
        return None
    return answer


def park(answer: dict) -> str:
    """Keep the answer for a minute; return the handle that fetches it (once)."""
    handle = secrets.token_urlsafe(24)
    try:
        cache.set(_key(handle), answer, timeout=PARK_SECONDS)
    except UNAVAILABLE as exc:
        logger.warning("cannot park the sign-in answer: %s", exc)
        raise CacheUnavailable() from exc
    return handle


def take(handle: str) -> dict | None:
    """The parked answer (removed, so it is used once); None when unknown or expired."""
    if not handle or len(handle) > 64:
        return None
    try:
        answer = cache.get(_key(handle))
        if answer is not None:
            cache.delete(_key(handle))
    except UNAVAILABLE as exc:
        logger.warning("cannot fetch the parked sign-in answer: %s", exc)
        raise CacheUnavailable() from exc
    return answer

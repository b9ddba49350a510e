"""Production as deploy/okomo.env.example documents it: `check --deploy` is clean, and a real
gunicorn serves the booking page with its CSS and JS to Chromium under the
Content-Security-Policy, and answers /readyz."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from bookings.tests.conftest import a_day_ahead, open_every_day
from conftest import ARTIFACTS

from .conftest import closed_port

ROOT = Path(__file__).resolve().parent.parent.parent
ENV_EXAMPLE = ROOT / "deploy" / "okomo.env.example"
# What an operator fills into the empty (secret) lines of the example.
SECRETS = {
    "DJANGO_SECRET_KEY": "a-production-like-secret-key-" + "k" * 40,
    "MICROSOFT_CLIENT_ID": "11111111-2222-3333-4444-555555555555",
    "MICROSOFT_CLIENT_SECRET": "a-client-secret",
}


def documented_environment():
    """The variables of deploy/okomo.env.example, the empty secrets filled in."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    for name, secret in SECRETS.items():
        values[name] = values[name] or secret
    values["TOKEN_ENCRYPTION_KEY"] = values["TOKEN_ENCRYPTION_KEY"] or Fernet.generate_key().decode(
        "ascii"
    )
    return values


def production_process_environment(**overrides):
    """A clean environment: the documented variables only (nothing from the test run's)."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(ROOT)),
        "DJANGO_SETTINGS_MODULE": "okomo.settings",
        **documented_environment(),
        **overrides,
    }


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_example_sets_every_variable_the_deploy_check_needs():
    values = documented_environment()

    assert values["DJANGO_DEBUG"] == "0"
    assert values["DJANGO_SECURE_PROXY_SSL_HEADER"] == "1"
    assert values["DJANGO_CSRF_TRUSTED_ORIGINS"].startswith("https://")


def test_check_deploy_is_clean_in_the_documented_environment():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_process_environment()
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_without_hsts_and_https_redirect():
    env = production_process_environment(
        DJANGO_SECURE_SSL_REDIRECT="0", DJANGO_SECURE_HSTS_SECONDS="0"
    )

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode != 0
    assert "security.W004" in result.stderr
    assert "security.W008" in result.stderr


def test_production_refuses_to_start_without_the_token_key():
    env = production_process_environment(TOKEN_ENCRYPTION_KEY="")

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "TOKEN_ENCRYPTION_KEY is not set" in result.stderr


def test_production_defaults_are_https_only_and_hashed_static_files():
    env = production_process_environment()
    for name in (
        "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "DJANGO_SECURE_HSTS_PRELOAD",
        "DJANGO_SECURE_PROXY_SSL_HEADER",
    ):
        env.pop(name)
    code = (
        "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_PROXY_SSL_HEADER, "
        "s.STORAGES['staticfiles']['BACKEND'], s.LOG_FORMAT)"
    )

    result = manage("shell", "-v", "0", "-c", code, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "31536000",
        "False",
        "None",  # the proxy header is trusted only when told
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "json",
    ]


@pytest.fixture
def production_web(web_process, tmp_path):
    """gunicorn in the documented environment, static files collected into tmp_path."""
    static_root = tmp_path / "static"

    def start(**overrides):
        env = production_process_environment(DJANGO_STATIC_ROOT=str(static_root))
        collected = manage("collectstatic", "--no-input", "-v0", env=env)
        assert collected.returncode == 0, collected.stderr
        documented = documented_environment()
        # The database and Redis are the test run's, and the test talks to 127.0.0.1.
        for name in ("DATABASE_URL", "REDIS_URL", "CACHE_URL"):
            documented.pop(name)
        return web_process(
            **{
                **documented,
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                "DJANGO_CSRF_TRUSTED_ORIGINS": "https://127.0.0.1",
                "DJANGO_STATIC_ROOT": str(static_root),
                # Nothing from the test run's plain-HTTP settings (okomo/local_keys.py).
                "DJANGO_SECURE_SSL_REDIRECT": "1",
                "DJANGO_SECURE_COOKIES": "1",
                "DJANGO_SECURE_HSTS_SECONDS": str(365 * 86400),
                "DJANGO_STATIC_MANIFEST": "1",
                **overrides,
            }
        )

    return start


# What Caddy or nginx adds in front (deploy/): the client spoke HTTPS.
BEHIND_PROXY = {"X-Forwarded-Proto": "https"}


def heartbeat_now():
    """What beat's heartbeat task does, written into the Redis the web process reads."""
    from django.core.cache.backends.redis import RedisCache

    from okomo.heartbeat import record_heartbeat

    location = os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/1")
    record_heartbeat(to=RedisCache(location, {"KEY_PREFIX": "okomo"}))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_the_booking_page_with_css_and_js_under_the_csp(
    production_web, browser, expert
):
    open_every_day(expert)
    heartbeat_now()
    web = production_web()

    # Plain HTTP straight to gunicorn is sent to HTTPS; the probes are not.
    insecure = requests.get(f"{web.url}/book/jana/", allow_redirects=False, timeout=20)
    assert insecure.status_code == 301
    assert insecure.headers["Location"] == f"https://{web.url[len('http://') :]}/book/jana/"
    ready = requests.get(f"{web.url}/readyz", timeout=20)
    assert ready.status_code == 200, ready.text + web.log()[-3000:]
    assert ready.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok", "beat": "ok"},
    }

    page = requests.get(f"{web.url}/book/jana/", headers=BEHIND_PROXY, timeout=20)
    assert page.status_code == 200, web.log()[-3000:]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert page.headers["X-Request-ID"]
    # Hashed names, with a far-future lifetime.
    css = page.text.split('<link rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert css.startswith("/static/css/okomo.")
    assert css != "/static/css/okomo.css"
    served = requests.get(f"{web.url}{css}", headers=BEHIND_PROXY, timeout=20)
    assert served.status_code == 200
    assert "max-age=315360000" in served.headers["Cache-Control"]

    context = browser.new_context(
        locale="en-US", timezone_id="Europe/Zurich", extra_http_headers=BEHIND_PROXY
    )
    tab = context.new_page()
    problems = []
    tab.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
    tab.on("pageerror", lambda error: problems.append(str(error)))
    try:
        tab.goto(f"{web.url}/book/jana/")
        day = a_day_ahead(3)
        # JS ran: the month grid is built and the slots JSON fetched and shown.
        tab.locator(f'[data-day="{day}"]').click()
        tab.locator("#time-list .slot").first.wait_for()
        # CSS applied: the stylesheet's layout, not the browser's defaults.
        assert tab.locator("header.topbar").evaluate("e => getComputedStyle(e).display") == "flex"
        assert (
            tab.locator(".avatar-initials").evaluate("e => getComputedStyle(e).borderRadius")
            == "50%"
        )
        assert tab.locator(".avatar-initials").evaluate(
            "e => e.style.getPropertyValue('--avatar-hue')"
        ) == str(expert.avatar_hue)
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=ARTIFACTS / "production-booking-page.png", full_page=True)
    finally:
        context.close()
    assert problems == []


@pytest.mark.fault
@pytest.mark.django_db(transaction=True)
def test_readyz_names_the_cache_and_broker_when_redis_is_unreachable(production_web):
    heartbeat_now()
    port = closed_port()
    web = production_web(
        REDIS_URL=f"redis://127.0.0.1:{port}/0", CACHE_URL=f"redis://127.0.0.1:{port}/1"
    )

    ready = requests.get(f"{web.url}/readyz", timeout=20)

    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["cache", "broker", "beat"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"].startswith("failing: ")
    assert requests.get(f"{web.url}/healthz", timeout=20).json() == {"status": "ok"}


@pytest.mark.fault
@pytest.mark.django_db(transaction=True)
def test_readyz_names_the_broker_alone_when_only_it_is_unreachable(production_web):
    heartbeat_now()

    web = production_web(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    ready = requests.get(f"{web.url}/readyz", timeout=20)

    assert ready.status_code == 503
    assert ready.json()["failing"] == ["broker"]

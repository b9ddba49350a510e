"""Shared fixtures: experts, and one real Microsoft simulator process per test session."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from simulator.process import start_simulator, stop_simulator

CLIENT_ID = "11111111-2222-3333-4444-555555555555"
CLIENT_SECRET = "test-client-secret"
REDIRECT_URIS = [
    "http://testserver/calendars/microsoft/callback/",
    "http://testserver/calendars/microsoft/admin-consent/",
    "http://localhost/calendars/microsoft/callback/",
    "http://localhost/calendars/microsoft/admin-consent/",
]
WORK = "anna.berger@contoso.example"
PERSONAL = "max.muster@outlook.com"
BLOCKED = "lena.vogt@fabrikam.example"


@pytest.fixture(scope="session")
def simulator_process(tmp_path_factory):
    process, client = start_simulator(
        state_dir=tmp_path_factory.mktemp("simulator"),
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=REDIRECT_URIS,
    )
    yield client
    stop_simulator(process)


@pytest.fixture
def simulator(simulator_process, settings):
    """The simulator, reset, with the app's Microsoft settings pointing at it."""
    from calendars import identity

    simulator_process.reset()
    # MSAL remembers Retry-After answers per process and holds back similar token requests
    # (brief §3); each test starts as a fresh process would.
    identity._http_cache.clear()
    settings.MICROSOFT_CLIENT_ID = CLIENT_ID
    settings.MICROSOFT_CLIENT_SECRET = CLIENT_SECRET
    settings.MICROSOFT_AUTHORITY = f"{simulator_process.https_base}/common"
    # The sign-in pages are on the simulator's http port: the Content-Security-Policy's
    # form-action must let "Connect" redirect there, as it lets it to Microsoft.
    settings.MICROSOFT_SIGN_IN_ORIGINS = [simulator_process.http_base]
    settings.MICROSOFT_GRAPH_URL = f"{simulator_process.https_base}/v1.0"
    settings.MICROSOFT_CA_BUNDLE = str(simulator_process.ca_path)
    return simulator_process


@pytest.fixture
def run_effects():
    """Carry out, in this process, every outbox effect due by now (or by `later`): what a
    worker would do after the commit. Returns how many were taken."""
    from django.utils import timezone

    from outbox.services import perform_due

    def run(later=None):
        return perform_due(now=later or timezone.now())

    return run


CLOSED_PORT_REDIS = "redis://127.0.0.1:9/0"  # port 9 (discard): nothing listens there


def use_broker(url):
    """Point this process's Celery app at another broker (its pools are rebuilt lazily)."""
    from kombu import pools

    from okomo.celery import app
    from outbox import tasks

    app.conf.broker_url = url
    tasks._broker_down_until = 0.0  # a new broker: try it at once
    pools.reset()  # kombu's producer pools are global, keyed by connection
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_down(settings):
    """Redis unreachable for this process, as cache and as broker, until the test ends
    (or calls the returned function to bring it back)."""
    from okomo.celery import app

    working_broker = app.conf.broker_url
    working_caches = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "okomo.cache.RedisCache",
            "LOCATION": CLOSED_PORT_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    use_broker(CLOSED_PORT_REDIS)

    def back():
        settings.CACHES = working_caches
        use_broker(working_broker)

    yield back
    use_broker(working_broker)


@pytest.fixture
def expert(django_user_model):
    return django_user_model.objects.create_user(
        "expert@example.com",
        "pw-expert-1",
        display_name="Jana Expert",
        time_zone="Europe/Zurich",
        slug="jana",
    )


@pytest.fixture
def other_expert(django_user_model):
    return django_user_model.objects.create_user(
        "other@example.com", "pw-other-1", display_name="Otto Other", slug="otto"
    )


@pytest.fixture
def expert_client(client, expert):
    client.force_login(expert)
    return client


def local_path(url):
    """The path and query of an absolute URL, for Django's test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@pytest.fixture
def connect_calendar(simulator):
    """Walk the connect flow for the signed-in test client: POST, Microsoft's pages, and the
    answer form Microsoft's page posts to the callback (response_mode=form_post)."""

    def connect(client, persona=WORK, decision="accept"):
        start = client.post(reverse("calendars:connect"))
        assert start.status_code == 302, start
        callback, fields = simulator.sign_in_answer(start["Location"], persona, decision)
        return client.post(local_path(callback), fields, follow=True)

    return connect


ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, driven by Playwright (no browser is ever downloaded)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # test itself between browser steps are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser tab; `page.shot(name)` keeps a screenshot in test-artifacts/."""
    context = browser.new_context(
        locale="en-US", timezone_id="Europe/Zurich", viewport={"width": 1200, "height": 900}
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    ARTIFACTS.mkdir(exist_ok=True)

    def shot(name):
        tab.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)

    tab.shot = shot
    tab.artifacts = ARTIFACTS
    yield tab
    context.close()


def _database_url(settings_dict):
    """The URL of the database the tests run on (the test database, not the configured one)."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or "postgres"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture(scope="session", autouse=True)
def celery_queue():
    """Tasks the tests queue go to a queue of this session's own, deleted at the end, so a
    `make run` worker on the same Redis never sees them."""
    from okomo.celery import app

    queue = f"okomo-test-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue
    yield queue
    with app.connection_for_write() as connection:
        connection.default_channel.queue_delete(queue)


def start_celery_worker(settings, queue, *, concurrency=2, environment=None):
    """Start a real Celery worker with an embedded beat, on Redis, on `queue`.

    Sync intervals are shortened to seconds unless `environment` (variables for the worker)
    says otherwise; the worker talks to the test database and to the simulator exactly as a
    production worker talks to its database and to Microsoft. `process.log_path` is its log;
    stop it with stop_celery_worker().
    """
    from django.db import connection

    workdir = Path(tempfile.mkdtemp(prefix="okomo-worker-"))
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CELERY_QUEUE": queue,
        "CALENDAR_SYNC_INTERVAL": "4",
        "CALENDAR_SYNC_DISPATCH_INTERVAL": "0.5",
        "OUTBOX_REPAIR_INTERVAL": "1",
        "MICROSOFT_CLIENT_ID": settings.MICROSOFT_CLIENT_ID,
        "MICROSOFT_CLIENT_SECRET": settings.MICROSOFT_CLIENT_SECRET,
        "MICROSOFT_AUTHORITY": settings.MICROSOFT_AUTHORITY,
        "MICROSOFT_GRAPH_URL": settings.MICROSOFT_GRAPH_URL,
        "MICROSOFT_CA_BUNDLE": settings.MICROSOFT_CA_BUNDLE,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        **(environment or {}),
    }
    log = (workdir / "worker.log").open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "okomo",
            "worker",
            "--beat",
            "--schedule",
            str(workdir / "beat-schedule"),
            "--concurrency",
            str(concurrency),
            "--pool",
            "threads",
            "--loglevel",
            "INFO",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parent,
        # A process group of its own, so the embedded beat (a child process) can be stopped
        # with the worker even after the worker itself was killed.
        start_new_session=True,
    )
    process.log_path = workdir / "worker.log"
    process.log_file = log
    return process


def stop_celery_worker(process):
    """Stop a worker from start_celery_worker() and its embedded beat, which outlives a
    worker killed with SIGKILL."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    process.log_file.close()


@pytest.fixture
def celery_worker(simulator, settings, celery_queue):
    """A real Celery worker with an embedded beat, on Redis, on a queue of its own."""
    process = start_celery_worker(settings, celery_queue)
    yield process
    stop_celery_worker(process)


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """Each test gets an empty in-process cache (the rate limit lives there)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": uuid.uuid4().hex,
        }
    }

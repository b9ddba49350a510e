"""Log lines: JSON in production with the request id, the expert's id and the caller's extra
fields; the request id echoed to the client; never a token."""

import io
import json
import logging
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils import timezone
from pythonjsonlogger.json import JsonFormatter

from calendars import sync
from calendars.encryption import decrypt
from calendars.models import CalendarConnection
from conftest import WORK
from okomo.log_context import RequestContextFilter, RequestIdMiddleware

from .test_production import ROOT, production_process_environment


def json_handler():
    """A handler formatting as production's console does (settings.LOGGING)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    options = dict(settings.LOGGING["formatters"]["json"])
    options.pop("()")
    options["fmt"] = options.pop("format")
    handler.setFormatter(JsonFormatter(**options))
    handler.addFilter(RequestContextFilter())
    return handler, stream


@pytest.fixture
def json_lines():
    handler, stream = json_handler()
    logger = logging.getLogger("okomo.tests")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_production_logs_one_json_line_per_record_with_the_callers_fields(json_lines):
    logging.getLogger("okomo.tests").info(
        "booking accepted", extra={"booking_id": 42, "graph_status": 201, "duration_ms": 87}
    )

    [line] = json_lines()
    assert line["message"] == "booking accepted"
    assert line["level"] == "INFO"
    assert line["logger"] == "okomo.tests"
    assert line["time"]
    assert (line["booking_id"], line["graph_status"], line["duration_ms"]) == (42, 201, 87)
    assert line["request_id"] == "-"  # outside a request


def test_a_request_s_records_carry_its_id_and_the_signed_in_expert(json_lines, expert):
    request = RequestFactory().get("/")
    request._cached_user = expert  # as AuthenticationMiddleware leaves a loaded user

    def view(request):
        logging.getLogger("okomo.tests").info("inside")
        from django.http import HttpResponse

        return HttpResponse()

    response = RequestIdMiddleware(view)(request)

    [line] = json_lines()
    assert line["request_id"] == response["X-Request-ID"] == request.request_id
    assert line["expert_id"] == expert.pk


def test_an_anonymous_request_has_no_expert_id(json_lines):
    def view(request):
        logging.getLogger("okomo.tests").info("inside")
        from django.http import HttpResponse

        return HttpResponse()

    RequestIdMiddleware(view)(RequestFactory().get("/"))

    [line] = json_lines()
    assert "expert_id" not in line
    assert len(line["request_id"]) == 32


def test_every_response_carries_a_new_request_id(client):
    first = client.get("/healthz", HTTP_X_REQUEST_ID="chosen-by-the-client")
    second = client.get("/healthz")

    assert first["X-Request-ID"] != "chosen-by-the-client"  # no trusted proxy
    assert len({first["X-Request-ID"], second["X-Request-ID"]}) == 2


@pytest.mark.parametrize(
    ("given", "kept"),
    [("req-7f3a.1:x", True), ("has space", False), ("x" * 65, False), ("a\nb", False)],
)
def test_a_trusted_proxy_s_request_id_is_kept_when_sane(client, settings, given, kept):
    settings.TRUSTED_PROXIES = 1

    response = client.get("/healthz", HTTP_X_REQUEST_ID=given)

    assert (response["X-Request-ID"] == given) is kept


def test_make_run_logs_plain_text_and_production_json():
    code = (
        "from django.conf import settings as s; "
        "print(s.LOG_FORMAT, s.LOGGING['handlers']['console']['formatter'])"
    )

    def formats(**variables):
        env = production_process_environment(**variables)
        env.pop("LOG_FORMAT")  # the default
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return result.stdout.split()

    assert formats(DJANGO_DEBUG="1") == ["text", "text"]
    assert formats() == ["json", "json"]


@pytest.mark.django_db
def test_no_token_reaches_the_logs_during_connect_and_sync(
    expert_client, expert, connect_calendar, simulator, caplog
):
    caplog.set_level(logging.DEBUG)  # everything, msal's and urllib3's debug lines too
    connect_calendar(expert_client, WORK)
    connection = CalendarConnection.objects.get(expert=expert)
    sync.sync_connection(connection, now=timezone.now())

    handler, stream = json_handler()
    for record in caplog.records:
        handler.handle(record)
    logged = stream.getvalue() + caplog.text
    cache = json.loads(decrypt(connection.token_cache))
    secrets = [
        entry["secret"]
        for kind in ("AccessToken", "RefreshToken", "IdToken")
        for entry in cache.get(kind, {}).values()
    ]
    assert secrets  # the check below looks for something real
    assert len(caplog.records) > 5
    for secret in secrets:
        assert secret not in logged
    # No Authorization header in any form ("token_type": "Bearer" in MSAL's redacted debug
    # lines is no token).
    assert "Authorization" not in logged
    assert not re.search(r"Bearer\s+[A-Za-z0-9._~+/-]{8,}", logged)
    # The sync's records ran outside a request; the connect flow's carry the expert.
    assert any(f'"expert_id": {expert.pk}' in line for line in stream.getvalue().splitlines())

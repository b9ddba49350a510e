"""The Content-Security-Policy: on every page, strict (no inline script or style), with
Microsoft's sign-in allowed as the "Connect" form's redirect; and no markup that breaks it."""

import re
from pathlib import Path

import pytest

from bookings.tests.conftest import open_every_day

ROOT = Path(__file__).resolve().parent.parent.parent

ANONYMOUS_PAGES = [
    "/",
    "/sign-in/",
    "/book/jana/",
    "/book/jana/slots.json",
    "/book/nobody/",
    "/no-such-page/",
    "/healthz",
    "/admin/login/",
]
EXPERT_PAGES = [
    "/settings/calendars/",
    "/settings/bookings/",
    "/settings/profile/",
    "/settings/availability/",
    "/settings/booking-page/",
    "/admin/",
]


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


@pytest.mark.django_db
def test_every_page_carries_the_policy(client, expert, django_user_model):
    open_every_day(expert)
    expert.is_staff = expert.is_superuser = True
    expert.save()
    answered = []
    for path in ANONYMOUS_PAGES:
        answered.append(client.get(path))
    client.force_login(expert)
    for path in EXPERT_PAGES:
        answered.append(client.get(path))

    assert [r.status_code for r in answered[:3]] == [200, 200, 200]
    assert {r.status_code for r in answered[-len(EXPERT_PAGES) :]} == {200}
    for response in answered:
        policy = directives(response)
        assert policy["script-src"] == ["'self'"], response.request["PATH_INFO"]
        assert policy["style-src"] == ["'self'"]
        assert policy["default-src"] == ["'self'"]
        assert policy["img-src"] == ["'self'", "data:"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]


def test_forms_may_lead_to_microsoft_s_sign_in_only(client, settings):
    settings.MICROSOFT_AUTHORITY = "https://login.microsoftonline.com/common"
    settings.MICROSOFT_SIGN_IN_ORIGINS = []

    policy = directives(client.get("/healthz"))

    assert policy["form-action"] == ["'self'", "https://login.microsoftonline.com"]


def test_the_simulator_s_sign_in_pages_are_allowed_when_configured(client, settings):
    settings.MICROSOFT_AUTHORITY = "https://127.0.0.1:8443/common"
    settings.MICROSOFT_SIGN_IN_ORIGINS = ["http://127.0.0.1:8080/", "not a url"]

    policy = directives(client.get("/healthz"))

    assert policy["form-action"] == ["'self'", "https://127.0.0.1:8443", "http://127.0.0.1:8080"]


# Markup the policy blocks: style attributes, inline event handlers, javascript: URLs,
# and <script> elements with code in them (JSON data blocks are not executed, and allowed).
FORBIDDEN = [
    (re.compile(r"\sstyle\s*="), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "an inline event handler"),
    (re.compile(r"javascript:", re.IGNORECASE), "a javascript: URL"),
    (re.compile(r"<style[\s>]", re.IGNORECASE), "a <style> element"),
]
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def test_no_template_holds_markup_the_policy_would_block():
    found = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        if "email" in template.parts:
            continue  # mails are read in mail programs, not under this policy
        text = template.read_text()
        for pattern, what in FORBIDDEN:
            found += [f"{template.relative_to(ROOT)}: {what}" for _ in pattern.finditer(text)]
        for tag in SCRIPT_TAG.findall(text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                found.append(f"{template.relative_to(ROOT)}: an inline script {tag}")
    assert found == []


def test_no_script_writes_style_attributes_or_evaluates_strings():
    found = []
    for script in sorted((ROOT / "static" / "js").rglob("*.js")):
        text = script.read_text()
        for pattern in (r"style=", r"setAttribute\(\s*[\"']style", r"\beval\(", r"new Function"):
            if re.search(pattern, text):
                found.append(f"{script.relative_to(ROOT)}: {pattern}")
    assert found == []

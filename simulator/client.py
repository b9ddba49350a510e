"""A small client for the simulator's control API and its sign-in pages (tests use it)."""

import re
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import requests


class SimulatorClient:
    def __init__(self, http_base: str, https_base: str, ca_path: Path):
        self.http_base = http_base.rstrip("/")
        self.https_base = https_base.rstrip("/")
        self.ca_path = Path(ca_path)
        self.session = requests.Session()
        self.session.trust_env = False

    # --- control API ---------------------------------------------------------------------

    def _call(self, method, path, **kwargs):
        response = self.session.request(
            method, f"{self.http_base}/_sim{path}", timeout=30, **kwargs
        )
        response.raise_for_status()
        return response.json()

    def health(self):
        return self._call("GET", "/health")

    def reset(self):
        return self._call("POST", "/reset")

    def settings(self, **values):
        return self._call("POST", "/settings", json=values)

    def add_persona(self, username, **fields):
        return self._call("POST", "/personas", json={"username": username, **fields})

    def revoke(self, username):
        return self._call("POST", f"/users/{username}/revoke")

    def withdraw_consent(self, username):
        return self._call("POST", f"/users/{username}/withdraw-consent")

    def expire_access_tokens(self, username):
        return self._call("POST", f"/users/{username}/expire-access-tokens")

    def add_events(self, username, events, calendar=None):
        """Add events to the default calendar, or to the calendar with id `calendar`."""
        body = {"events": events, **({"calendar": calendar} if calendar else {})}
        return self._call("POST", f"/users/{username}/events", json=body)["ids"]

    def events(self, username, calendar=None):
        """Every event of the mailbox (each with its "calendar_id"), or of one calendar."""
        found = self._call("GET", f"/users/{username}/events")["events"]
        return [e for e in found if calendar is None or e["calendar_id"] == calendar]

    def add_calendar(self, username, name, *, can_edit=True, owner=None):
        """Make a calendar in the mailbox besides the default one; returns its id."""
        spec = {"name": name, "can_edit": can_edit, **({"owner": owner} if owner else {})}
        body = {"add_calendar": spec, "events": []}
        return self._call("POST", f"/users/{username}/events", json=body)["calendar_id"]

    def calendars(self, username):
        return self._call("GET", f"/users/{username}/events")["calendars"]

    def delete_calendar(self, username, calendar_id):
        """Delete a calendar with its events, as the person can in Outlook."""
        return self._call("DELETE", f"/users/{username}/events", params={"calendar": calendar_id})

    def clear_events(self, username):
        return self._call("DELETE", f"/users/{username}/events")

    def seed_demo(self, username):
        return self._call("POST", f"/users/{username}/demo")["ids"]

    def bulk_events(self, username, *, count, start, end, seed=1, marker=""):
        payload = {"count": count, "start": start, "end": end, "seed": seed, "marker": marker}
        return self._call("POST", f"/users/{username}/events/bulk", json=payload)["ids"]

    def fault(self, **fault):
        return self._call("POST", "/faults", json=fault)

    def clear_faults(self):
        return self._call("DELETE", "/faults")

    def requests(self, path_contains=None):
        params = {"path_contains": path_contains} if path_contains else None
        return self._call("GET", "/requests", params=params)["requests"]

    def clear_requests(self):
        return self._call("DELETE", "/requests")

    def subscriptions(self):
        """Every live change-notification subscription (clientState included)."""
        return self._call("GET", "/subscriptions")["subscriptions"]

    def deliveries(self):
        """The notifications sent so far: url, kind, count, status, changeTypes."""
        return self._call("GET", "/subscriptions")["deliveries"]

    def clear_deliveries(self):
        return self._call("DELETE", "/subscriptions")

    def lifecycle(self, subscription_id, event):
        """Send a lifecycle notification: reauthorizationRequired, subscriptionRemoved
        (which also removes the subscription) or missed."""
        return self._call(
            "POST", f"/subscriptions/{subscription_id}/lifecycle", json={"event": event}
        )

    def expire_subscription(self, subscription_id):
        return self._call("POST", f"/subscriptions/{subscription_id}/expire")

    # --- the browser pages, driven as a browser would ------------------------------------

    def sign_in(self, auth_uri, persona, decision="accept"):
        """Walk Microsoft's pages from `auth_uri`; return where they send the browser back."""
        browser = requests.Session()
        browser.trust_env = False
        page = browser.get(auth_uri, allow_redirects=False, timeout=30)
        if 'name="persona"' in page.text:
            page = self._submit(browser, page, {"persona": persona})
        final = self._submit(browser, page, {"decision": decision})
        if final.status_code != 302:
            raise AssertionError(
                f"sign-in did not redirect back: {final.status_code} {final.text[:300]}"
            )
        return final.headers["Location"]

    def sign_in_answer(self, auth_uri, persona, decision="accept"):
        """Walk Microsoft's pages from `auth_uri` (response_mode=form_post); return the form
        its last page would post to the app, as (action URL, fields)."""
        browser = requests.Session()
        browser.trust_env = False
        page = browser.get(auth_uri, allow_redirects=False, timeout=30)
        if 'name="persona"' in page.text:
            page = self._submit(browser, page, {"persona": persona})
        final = self._submit(browser, page, {"decision": decision})
        return self.form_post_answer(final)

    @staticmethod
    def form_post_answer(page):
        """(action, fields) of Microsoft's self-submitting form_post page."""
        form = re.search(r'<form method="post" name="hiddenform" action="([^"]+)">', page.text)
        if page.status_code != 200 or not form:
            raise AssertionError(
                f"no form_post answer: {page.status_code} {page.headers.get('Location')} "
                f"{page.text[:300]}"
            )
        fields = {
            unescape(name): unescape(value)
            for name, value in re.findall(
                r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text
            )
        }
        return unescape(form.group(1)), fields

    def approve_tenant_as_admin(self, admin_consent_url, admin_username, decision="accept"):
        browser = requests.Session()
        browser.trust_env = False
        page = browser.get(admin_consent_url, allow_redirects=False, timeout=30)
        page = self._submit(browser, page, {"persona": admin_username})
        return self._submit(browser, page, {"decision": decision})

    @staticmethod
    def _submit(browser, page, fields):
        if page.status_code != 200:
            raise AssertionError(f"unexpected page {page.status_code}: {page.text[:300]}")
        action = re.search(r"<form method='post' action='([^']+)'", page.text)
        request_id = re.search(r"name='sim_request' value='([^']+)'", page.text)
        if not (action and request_id):
            raise AssertionError(f"no sign-in form on the page: {page.text[:300]}")
        return browser.post(
            urljoin(page.url, unescape(action.group(1))),
            data={"sim_request": unescape(request_id.group(1)), **fields},
            allow_redirects=False,
            timeout=30,
        )

"""The simulator refuses what Graph refuses: bad query options, bad event bodies, stale
etags, tampered paging tokens (issue 13: a laxer simulator would hide the app's bugs)."""

import pytest

from conftest import WORK
from simulator.tests.conftest import graph, sign_in

WINDOW = {"startDateTime": "2026-11-01T00:00:00Z", "endDateTime": "2027-01-01T00:00:00Z"}
FIVE = "start,end,showAs,isAllDay,isCancelled"


@pytest.fixture
def token(sim):
    return sign_in(sim, WORK)[1]["access_token"]


def event(start="2026-12-01T09:00:00", end="2026-12-01T10:00:00", zone="UTC", **extra):
    return {
        "subject": "Meeting",
        "start": {"dateTime": start, "timeZone": zone},
        "end": {"dateTime": end, "timeZone": zone},
        **extra,
    }


def error_of(answer):
    assert answer.headers["Content-Type"].startswith("application/json"), answer.text
    return answer.json()["error"]


def calendar_id(sim, token):
    return graph(sim, token, "/me/calendar").json()["id"]


# --- query options -------------------------------------------------------------------------

READ_PATHS = [
    ("/me", {}),
    ("/me/calendars", {}),
    ("/me/calendar", {}),
    ("/me/calendarView", WINDOW),
    ("/me/calendar/calendarView", WINDOW),
    ("/me/events", {}),
]


@pytest.mark.parametrize(("path", "params"), READ_PATHS)
def test_an_unknown_select_field_is_refused_everywhere(sim, token, path, params):
    answer = graph(sim, token, path, params={**params, "$select": "id,shwoAs"})

    assert answer.status_code == 400
    error = error_of(answer)
    assert error["code"] in ("BadRequest", "RequestBroker--ParseUri")
    assert "Could not find a property named 'shwoAs'" in error["message"]


def test_a_typo_in_the_five_field_select_never_yields_busy_defaults(sim, token):
    sim.add_events(WORK, [event(showAs="free", isAllDay=False)])

    answer = graph(
        sim,
        token,
        "/me/calendarView",
        params={**WINDOW, "$select": FIVE.replace("showAs", "showAS_")},
    )

    assert answer.status_code == 400


def test_select_field_names_are_matched_case_insensitively_and_answered_canonically(sim, token):
    sim.add_events(WORK, [event(showAs="free")])

    answer = graph(sim, token, "/me/calendarView", params={**WINDOW, "$select": "ShowAs"})

    assert answer.status_code == 200
    assert answer.json()["value"][0]["showAs"] == "free"


def test_the_per_calendar_view_and_a_single_event_validate_select(sim, token):
    (event_id,) = sim.add_events(WORK, [event()])
    per_calendar = f"/me/calendars/{calendar_id(sim, token)}/calendarView"

    view = graph(sim, token, per_calendar, params={**WINDOW, "$select": "nope"})
    item = graph(sim, token, f"/me/events/{event_id}", params={"$select": "nope"})

    assert view.status_code == 400
    assert item.status_code == 400


@pytest.mark.parametrize("top", ["ten", "-1", "1.5", ""])
def test_an_invalid_top_is_refused(sim, token, top):
    answer = graph(sim, token, "/me/calendarView", params={**WINDOW, "$top": top})

    assert answer.status_code == 400
    assert "$top" in error_of(answer)["message"]


def test_a_huge_top_is_capped_at_graphs_page_limit_not_refused(sim, token):
    """Graph answers calendarView?$top=1000000 with a page (microsoft-graph-docs#12653)."""
    sim.add_events(WORK, [event()])

    answer = graph(sim, token, "/me/calendarView", params={**WINDOW, "$top": "1000000"})

    assert answer.status_code == 200
    assert len(answer.json()["value"]) == 1


def test_top_on_a_single_item_is_refused(sim, token):
    answer = graph(sim, token, "/me", params={"$top": "5"})

    assert answer.status_code == 400
    assert "not a collection" in error_of(answer)["message"]


def test_a_duplicate_option_is_refused(sim, token):
    window = f"startDateTime={WINDOW['startDateTime']}&endDateTime={WINDOW['endDateTime']}"
    answer = graph(sim, token, f"/me/calendarView?$select=start&$select=end&{window}")

    assert answer.status_code == 400
    assert error_of(answer)["message"] == (
        "Query option '$select' was specified more than once, but it must be specified at most "
        "once."
    )


@pytest.mark.parametrize("option", ["$selct", "$foo"])
def test_an_unknown_dollar_option_is_refused(sim, token, option):
    answer = graph(sim, token, "/me/calendarView", params={**WINDOW, option: "start"})

    assert answer.status_code == 400
    assert option in error_of(answer)["message"]


def test_a_negative_skip_is_refused(sim, token):
    answer = graph(sim, token, "/me/calendarView", params={**WINDOW, "$skip": "-3"})

    assert answer.status_code == 400


# --- paging --------------------------------------------------------------------------------


def test_a_tampered_skiptoken_is_refused(sim, token):
    answer = graph(sim, token, "/me/calendarView", params={**WINDOW, "$skiptoken": "garbage"})

    assert answer.status_code == 400


def test_maxpagesize_is_honoured_up_to_graphs_limit(sim, token):
    sim.bulk_events(
        WORK, count=1005, start="2026-11-02T00:00:00Z", end="2026-12-30T00:00:00Z", seed=3
    )

    answer = graph(
        sim, token, "/me/calendarView", params=WINDOW, headers={"Prefer": "odata.maxpagesize=5000"}
    )

    assert answer.status_code == 200
    assert len(answer.json()["value"]) == 1000
    assert "@odata.nextLink" in answer.json()
    assert "odata.maxpagesize=1000" in answer.headers["Preference-Applied"]


def test_odata_context_reflects_the_select(sim, token):
    answer = graph(sim, token, "/me/calendarView", params={**WINDOW, "$select": FIVE})

    assert answer.json()["@odata.context"] == (
        "https://graph.microsoft.com/v1.0/$metadata#users('"
        + graph(sim, token, "/me").json()["id"]
        + f"')/calendarView({FIVE})"
    )


def test_request_ids_on_every_answer_and_the_client_request_id_echoed(sim, token):
    plain = graph(sim, token, "/me")
    echoed = graph(sim, token, "/me", headers={"client-request-id": "abc-123"})
    failed = graph(sim, token, "/me/events/missing", headers={"client-request-id": "def-456"})

    assert plain.headers["request-id"]
    assert plain.headers["client-request-id"]
    assert echoed.headers["client-request-id"] == "abc-123"
    assert failed.headers["client-request-id"] == "def-456"
    assert failed.json()["error"]["innerError"]["client-request-id"] == "def-456"
    assert failed.json()["error"]["innerError"]["request-id"] == failed.headers["request-id"]


# --- event bodies --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/me/events", "/me/calendar/events"])
def test_an_unknown_event_property_is_refused(sim, token, path):
    answer = graph(sim, token, path, method="POST", json=event(shwoAs="free"))

    assert answer.status_code == 400
    error = error_of(answer)
    assert error["code"] == "RequestBodyRead"
    assert "The property 'shwoAs' does not exist on type" in error["message"]
    assert sim.events(WORK) == []


def test_an_unknown_property_in_a_patch_is_refused(sim, token):
    (event_id,) = sim.add_events(WORK, [event()])

    answer = graph(sim, token, f"/me/events/{event_id}", method="PATCH", json={"sowAs": "free"})

    assert answer.status_code == 400
    assert error_of(answer)["code"] == "RequestBodyRead"


def test_a_non_json_content_type_is_refused(sim, token):
    answer = graph(
        sim,
        token,
        "/me/events",
        method="POST",
        data='{"subject": "x"}',
        headers={"Content-Type": "text/plain"},
    )

    assert answer.status_code == 415
    assert sim.events(WORK) == []


def test_a_datetime_with_an_offset_is_refused(sim, token):
    body = event(start="2026-12-01T09:00:00+01:00", end="2026-12-01T10:00:00+01:00")

    answer = graph(sim, token, "/me/events", method="POST", json=body)

    assert answer.status_code == 400
    assert sim.events(WORK) == []


@pytest.mark.parametrize(
    "zone", ["W. Europe Standard Time", "Europe/Berlin", "Tokyo Standard Time"]
)
def test_windows_and_iana_zone_names_are_accepted_in_bodies(sim, token, zone):
    answer = graph(sim, token, "/me/events", method="POST", json=event(zone=zone))

    assert answer.status_code == 201, answer.text


def test_an_unknown_zone_name_in_a_body_is_refused(sim, token):
    answer = graph(sim, token, "/me/events", method="POST", json=event(zone="Mars/Olympus"))

    assert answer.status_code == 400
    assert error_of(answer)["code"] == "TimeZoneNotSupportedException"


@pytest.mark.parametrize("label", ["utc", "w. europe standard time", "europe/berlin"])
def test_prefer_zone_names_are_case_insensitive(sim, token, label):
    sim.add_events(WORK, [event()])

    answer = graph(
        sim,
        token,
        "/me/calendarView",
        params=WINDOW,
        headers={"Prefer": f'outlook.timezone="{label}"'},
    )

    assert answer.status_code == 200, answer.text


def test_if_match_with_a_stale_etag_is_refused_and_changes_nothing(sim, token):
    created = graph(sim, token, "/me/events", method="POST", json=event()).json()
    first_etag = created["@odata.etag"]
    changed = graph(
        sim,
        token,
        f"/me/events/{created['id']}",
        method="PATCH",
        json={"subject": "Moved"},
        headers={"If-Match": first_etag},
    )
    assert changed.status_code == 200
    assert changed.json()["@odata.etag"] != first_etag
    assert changed.json()["changeKey"] != created["changeKey"]

    stale = graph(
        sim,
        token,
        f"/me/events/{created['id']}",
        method="PATCH",
        json={"subject": "Lost update"},
        headers={"If-Match": first_etag},
    )
    stale_delete = graph(
        sim, token, f"/me/events/{created['id']}", method="DELETE", headers={"If-Match": first_etag}
    )

    assert stale.status_code == 412
    assert stale_delete.status_code == 412
    assert graph(sim, token, f"/me/events/{created['id']}").json()["subject"] == "Moved"

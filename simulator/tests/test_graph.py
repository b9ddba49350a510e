"""The simulator's Graph side: calendarView semantics, events, errors."""

import pytest

from conftest import PERSONAL, WORK
from simulator.tests.conftest import graph, sign_in

WINDOW = {"startDateTime": "2026-11-01T00:00:00Z", "endDateTime": "2027-01-01T00:00:00Z"}


@pytest.fixture
def token(sim):
    return sign_in(sim, WORK)[1]["access_token"]


def event(start, end, zone="UTC", **extra):
    return {
        "subject": "Secret subject",
        "start": {"dateTime": start, "timeZone": zone},
        "end": {"dateTime": end, "timeZone": zone},
        **extra,
    }


def test_me_differs_for_personal_accounts(sim):
    personal = graph(sim, sign_in(sim, PERSONAL)[1]["access_token"], "/me").json()

    assert personal["mail"] is None
    assert personal["userPrincipalName"] == PERSONAL
    assert len(personal["id"]) == 16


def test_calendar_view_requires_a_window(sim, token):
    answer = graph(sim, token, "/me/calendarView")

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "ErrorInvalidParameter"


def test_select_returns_only_the_selected_fields(sim, token):
    sim.add_events(WORK, [event("2026-12-01T09:00:00", "2026-12-01T10:00:00")])

    answer = graph(sim, token, "/me/calendarView", params={**WINDOW, "$select": "start,end"})

    (item,) = answer.json()["value"]
    assert set(item) == {"id", "@odata.etag", "start", "end"}


def test_pages_of_ten_by_default_and_the_preferred_size(sim, token):
    sim.add_events(
        WORK,
        [event(f"2026-12-{d:02d}T09:00:00", f"2026-12-{d:02d}T10:00:00") for d in range(1, 26)],
    )

    first = graph(sim, token, "/me/calendarView", params=WINDOW).json()
    big = graph(
        sim, token, "/me/calendarView", params=WINDOW, headers={"Prefer": "odata.maxpagesize=20"}
    ).json()

    assert len(first["value"]) == 10
    assert "$skip=10" in first["@odata.nextLink"]
    assert len(big["value"]) == 20
    rest = graph(sim, token, big["@odata.nextLink"].split("/v1.0")[1]).json()
    assert len(rest["value"]) == 5
    assert "@odata.nextLink" not in rest


def test_weekly_series_keeps_wall_clock_across_dst_with_exception_and_deletion(sim, token):
    series = event(
        "2026-10-19T09:00:00",
        "2026-10-19T10:00:00",
        zone="Europe/Berlin",
        recurrence={
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
            "range": {"type": "numbered", "startDate": "2026-10-19", "numberOfOccurrences": 4},
        },
        exceptions={
            "2026-11-02": {
                "start": {"dateTime": "2026-11-02T11:00:00", "timeZone": "Europe/Berlin"},
                "end": {"dateTime": "2026-11-02T12:00:00", "timeZone": "Europe/Berlin"},
            }
        },
        deletedOccurrences=["2026-11-09"],
    )
    sim.add_events(WORK, [series])
    window = {"startDateTime": "2026-10-01T00:00:00Z", "endDateTime": "2026-12-01T00:00:00Z"}

    items = graph(sim, token, "/me/calendarView", params=window).json()["value"]

    starts = [(i["start"]["dateTime"], i["type"]) for i in items]
    assert starts == [
        ("2026-10-19T07:00:00.0000000", "occurrence"),  # summer time: UTC+2
        ("2026-10-26T08:00:00.0000000", "occurrence"),  # winter time: UTC+1
        ("2026-11-02T10:00:00.0000000", "exception"),
    ]


def test_all_day_events_stay_at_midnight_in_any_zone(sim, token):
    sim.add_events(
        WORK,
        [event("2026-12-08T00:00:00", "2026-12-09T00:00:00", zone="Europe/Berlin", isAllDay=True)],
    )

    items = graph(
        sim,
        token,
        "/me/calendarView",
        params=WINDOW,
        headers={"Prefer": 'outlook.timezone="Pacific Standard Time"'},
    ).json()["value"]

    assert items[0]["start"] == {
        "dateTime": "2026-12-08T00:00:00.0000000",
        "timeZone": "Pacific Standard Time",
    }


def test_event_creation_is_idempotent_per_transaction_and_delete_is_final(sim, token):
    body = event(
        "2026-12-03T14:00:00",
        "2026-12-03T14:30:00",
        zone="Europe/Berlin",
        transactionId="booking-1",
    )

    first = graph(sim, token, "/me/events", method="POST", json=body)
    again = graph(sim, token, "/me/events", method="POST", json=body)

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert len(sim.events(WORK)) == 1
    event_id = first.json()["id"]
    assert graph(sim, token, f"/me/events/{event_id}", method="DELETE").status_code == 204
    gone = graph(sim, token, f"/me/events/{event_id}", method="DELETE")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "ErrorItemNotFound"


def test_expired_token_gets_401_with_www_authenticate(sim, token):
    sim.expire_access_tokens(WORK)

    answer = graph(sim, token, "/me")

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert "WWW-Authenticate" in answer.headers


def test_injected_throttling_carries_retry_after(sim, token):
    sim.fault(path="/v1.0/me", status=429, retry_after="2")

    throttled = graph(sim, token, "/me")
    then = graph(sim, token, "/me")

    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "2"
    assert then.status_code == 200

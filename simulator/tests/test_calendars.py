"""The simulator's mailboxes with several calendars: listing, reading, writing, deleting."""

import pytest

from conftest import WORK
from simulator.tests.conftest import graph, sign_in

WINDOW = {"startDateTime": "2026-11-01T00:00:00Z", "endDateTime": "2027-01-01T00:00:00Z"}


@pytest.fixture
def token(sim):
    return sign_in(sim, WORK)[1]["access_token"]


def event(start, end, **extra):
    return {
        "subject": "Secret subject",
        "start": {"dateTime": start, "timeZone": "UTC"},
        "end": {"dateTime": end, "timeZone": "UTC"},
        **extra,
    }


def test_calendars_are_listed_with_only_the_selected_fields(sim, token):
    shared = sim.add_calendar(
        WORK, "Team", can_edit=False, owner={"name": "Max Muster", "address": "max@contoso.example"}
    )

    answer = graph(
        sim, token, "/me/calendars", params={"$select": "id,name,isDefaultCalendar,canEdit,owner"}
    )

    assert answer.status_code == 200
    listed = {c["name"]: c for c in answer.json()["value"]}
    assert set(listed) == {"Calendar", "Private", "Holidays in Germany", "Team"}
    assert set(listed["Team"]) == {"id", "name", "isDefaultCalendar", "canEdit", "owner"}
    assert listed["Calendar"]["isDefaultCalendar"] is True
    assert listed["Team"]["id"] == shared
    assert listed["Team"]["canEdit"] is False
    assert listed["Team"]["owner"]["name"] == "Max Muster"


def test_an_unknown_selected_property_is_refused_as_graph_does(sim, token):
    answer = graph(sim, token, "/me/calendars", params={"$select": "id,foo"})

    assert answer.status_code == 400
    error = answer.json()["error"]
    # Outlook's resources answer from its request broker (microsoft-graph-docs#2018).
    assert error["code"] == "RequestBroker--ParseUri"
    assert error["message"] == (
        "Could not find a property named 'foo' on type 'Microsoft.OutlookServices.Calendar'."
    )


def test_the_calendar_list_pages_with_next_links(sim, token):
    for n in range(3):
        sim.add_calendar(WORK, f"Extra {n}")

    first = graph(sim, token, "/me/calendars", params={"$top": "2", "$select": "id,name"}).json()
    names = [c["name"] for c in first["value"]]
    link = first["@odata.nextLink"]
    while link:
        page = graph(sim, token, link.split("/v1.0")[1]).json()
        names += [c["name"] for c in page["value"]]
        link = page.get("@odata.nextLink")

    assert len(names) == 6
    assert len(set(names)) == 6


def test_each_calendar_view_shows_only_its_own_events(sim, token):
    private = sim.add_calendar(WORK, "Hobby")
    sim.add_events(WORK, [event("2026-12-01T09:00:00", "2026-12-01T10:00:00")])
    sim.add_events(WORK, [event("2026-12-02T09:00:00", "2026-12-02T10:00:00")], calendar=private)
    default_id = sim.calendars(WORK)[0]["id"]

    def starts(path):
        answer = graph(sim, token, path, params={**WINDOW, "$select": "start,end"})
        return [item["start"]["dateTime"][:10] for item in answer.json()["value"]]

    assert starts(f"/me/calendars/{private}/calendarView") == ["2026-12-02"]
    assert starts("/me/calendarView") == ["2026-12-01"]
    assert starts("/me/calendar/calendarView") == ["2026-12-01"]
    assert starts(f"/me/calendars/{default_id}/calendarView") == ["2026-12-01"]


def test_unknown_calendar_is_item_not_found(sim, token):
    view = graph(sim, token, "/me/calendars/AAMkNOPE/calendarView", params=WINDOW)
    write = graph(
        sim,
        token,
        "/me/calendars/AAMkNOPE/events",
        method="POST",
        json=event("2026-12-01T09:00:00", "2026-12-01T10:00:00"),
    )

    for answer in (view, write):
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "ErrorItemNotFound"


def test_events_are_written_into_the_calendar_posted_to_and_read_only_ones_refuse(sim, token):
    private = sim.add_calendar(WORK, "Hobby")
    holidays = next(c["id"] for c in sim.calendars(WORK) if not c["can_edit"])
    body = event("2026-12-03T14:00:00", "2026-12-03T14:30:00", transactionId="booking-7")

    first = graph(sim, token, f"/me/calendars/{private}/events", method="POST", json=body)
    again = graph(sim, token, f"/me/calendars/{private}/events", method="POST", json=body)
    refused = graph(sim, token, f"/me/calendars/{holidays}/events", method="POST", json=body)

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert [e["id"] for e in sim.events(WORK, calendar=private)] == [first.json()["id"]]
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "ErrorAccessDenied"
    # Event ids are mailbox-wide: the event is moved and removed at /me/events/{id}.
    event_id = first.json()["id"]
    moved = graph(
        sim,
        token,
        f"/me/events/{event_id}",
        method="PATCH",
        json={
            "start": {"dateTime": "2026-12-03T15:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-12-03T15:30:00", "timeZone": "UTC"},
        },
    )
    assert moved.status_code == 200
    assert sim.events(WORK, calendar=private)[0]["start"]["dateTime"].startswith("2026-12-03T15")
    assert graph(sim, token, f"/me/events/{event_id}", method="DELETE").status_code == 204
    assert sim.events(WORK, calendar=private) == []


def test_a_deleted_calendar_takes_its_events_and_then_is_not_found(sim, token):
    private = sim.add_calendar(WORK, "Hobby")
    sim.add_events(WORK, [event("2026-12-02T09:00:00", "2026-12-02T10:00:00")], calendar=private)
    sim.add_events(WORK, [event("2026-12-01T09:00:00", "2026-12-01T10:00:00")])

    sim.delete_calendar(WORK, private)

    assert len(sim.events(WORK)) == 1
    gone = graph(sim, token, f"/me/calendars/{private}/calendarView", params=WINDOW)
    assert gone.status_code == 404


def test_the_demo_seeds_private_and_holiday_calendars(sim):
    sim.clear_events(WORK)
    sim.seed_demo(WORK)

    by_name = {c["name"]: c for c in sim.calendars(WORK)}
    assert by_name["Holidays in Germany"]["can_edit"] is False
    assert len(sim.events(WORK, calendar=by_name["Private"]["id"])) == 3
    assert sim.events(WORK, calendar=by_name["Calendar"]["id"])

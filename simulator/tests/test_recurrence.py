"""Monthly and yearly series, and occurrences as Graph gives them (own ids, own iCalUIds)."""

import pytest

from conftest import WORK
from simulator.tests.conftest import graph, sign_in

YEAR = {"startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2028-01-01T00:00:00Z"}


@pytest.fixture
def token(sim):
    return sign_in(sim, WORK)[1]["access_token"]


def series(start, pattern, rng):
    day = start[:10]
    return {
        "subject": "Series",
        "start": {"dateTime": start, "timeZone": "Europe/Berlin"},
        "end": {"dateTime": day + "T10:00:00", "timeZone": "Europe/Berlin"},
        "recurrence": {"pattern": pattern, "range": {"startDate": day, **rng}},
    }


def starts(sim, token, window=YEAR):
    answer = graph(
        sim, token, "/me/calendarView", params=window, headers={"Prefer": "odata.maxpagesize=999"}
    )
    assert answer.status_code == 200, answer.text
    return [item["start"]["dateTime"][:10] for item in answer.json()["value"]]


def test_absolute_monthly_series(sim, token):
    sim.add_events(
        WORK,
        [
            series(
                "2026-01-31T09:00:00",
                {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
                {"type": "numbered", "numberOfOccurrences": 4},
            )
        ],
    )

    # "Some months have fewer than 31 days. For these months, the occurrence will fall on the
    # last day of the month." (Outlook)
    assert starts(sim, token) == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]


def test_relative_monthly_series_first_and_last_weekday(sim, token):
    sim.add_events(
        WORK,
        [
            series(
                "2026-01-06T09:00:00",
                {
                    "type": "relativeMonthly",
                    "interval": 2,
                    "daysOfWeek": ["tuesday"],
                    "index": "first",
                },
                {"type": "endDate", "endDate": "2026-07-31"},
            ),
            series(
                "2026-01-30T09:00:00",
                {
                    "type": "relativeMonthly",
                    "interval": 1,
                    "daysOfWeek": ["friday"],
                    "index": "last",
                },
                {"type": "numbered", "numberOfOccurrences": 3},
            ),
        ],
    )

    assert starts(sim, token) == [
        "2026-01-06",
        "2026-01-30",
        "2026-02-27",
        "2026-03-03",
        "2026-03-27",
        "2026-05-05",
        "2026-07-07",
    ]


def test_yearly_series_absolute_and_relative(sim, token):
    sim.add_events(
        WORK,
        [
            series(
                "2026-03-15T09:00:00",
                {"type": "absoluteYearly", "interval": 1, "month": 3, "dayOfMonth": 15},
                {"type": "noEnd"},
            ),
            series(
                "2026-11-26T09:00:00",
                {
                    "type": "relativeYearly",
                    "interval": 1,
                    "month": 11,
                    "daysOfWeek": ["thursday"],
                    "index": "fourth",
                },
                {"type": "noEnd"},
            ),
        ],
    )

    assert starts(sim, token) == ["2026-03-15", "2026-11-26", "2027-03-15", "2027-11-25"]


def test_an_unsimulated_pattern_never_breaks_the_whole_mailbox(sim, token):
    """A series the simulator cannot expand is refused when stored, not at read time."""
    single = {
        "subject": "Single",
        "start": {"dateTime": "2026-05-01T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-05-01T10:00:00", "timeZone": "UTC"},
    }
    sim.add_events(WORK, [single])
    bad = series("2026-01-01T09:00:00", {"type": "hourly", "interval": 1}, {"type": "noEnd"})

    answer = graph(sim, token, "/me/events", method="POST", json=bad)

    assert answer.status_code == 400
    assert starts(sim, token) == ["2026-05-01"]


def test_occurrences_have_their_own_ids_and_icaluids_and_can_be_read_and_deleted(sim, token):
    (master_id,) = sim.add_events(
        WORK,
        [
            series(
                "2026-02-10T09:00:00",
                {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 10},
                {"type": "numbered", "numberOfOccurrences": 3},
            )
        ],
    )
    view = graph(sim, token, "/me/calendarView", params=YEAR).json()["value"]
    master = graph(sim, token, f"/me/events/{master_id}").json()

    ids = [item["id"] for item in view]
    assert len(set(ids)) == 3
    assert master_id not in ids
    assert all(item["seriesMasterId"] == master_id for item in view)
    assert all(item["type"] == "occurrence" for item in view)
    # Graph: "This ID is different for each occurrence in a recurring series"; Exchange's
    # occurrence ids carry the occurrence date where the master's carry zeros.
    uids = [item["iCalUId"] for item in view]
    assert len(set(uids)) == 3
    assert master["iCalUId"] not in uids
    assert uids[0][32:40] == "07EA020A"
    assert master["iCalUId"][32:40] == "00000000"
    assert all(uid[40:] == master["iCalUId"][40:] for uid in uids)
    assert master["type"] == "seriesMaster"

    second = graph(sim, token, f"/me/events/{ids[1]}")
    assert second.status_code == 200
    assert second.json()["start"]["dateTime"].startswith("2026-03-10T08:00:00")
    assert second.json()["type"] == "occurrence"

    assert graph(sim, token, f"/me/events/{ids[1]}", method="DELETE").status_code == 204
    assert graph(sim, token, f"/me/events/{ids[1]}").status_code == 404
    assert starts(sim, token) == ["2026-02-10", "2026-04-10"]
    assert graph(sim, token, f"/me/events/{master_id}_20260311").status_code == 404

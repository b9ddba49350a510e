"""Which calendars block times and which receives appointments: listing, sync, writes, form."""

from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings import outlook, services
from bookings.models import Booking
from bookings.tests.conftest import a_day_ahead, busy_in_zurich, open_every_day, zurich
from calendars import graph, sync
from calendars import services as calendar_services
from calendars.models import BusyInterval, Calendar, CalendarConnection
from calendars.tokens import call_with_token
from conftest import WORK
from okomo.intervals import Interval

pytestmark = pytest.mark.django_db

SELECT = "start,end,showAs,isAllDay,isCancelled"


@pytest.fixture
def connection(expert, expert_client, connect_calendar, simulator):
    """The work persona's mailbox: "Calendar" (default), "Private", "Holidays in Germany"
    (read only), listed at connect."""
    open_every_day(expert)
    connect_calendar(expert_client, WORK)
    simulator.clear_requests()
    return CalendarConnection.objects.get(expert=expert)


def calendar(connection, name):
    return Calendar.objects.get(connection=connection, name=name)


def tick(connection, *names, receiving=None):
    """Save the choice as the expert's form would."""
    chosen = Calendar.objects.filter(connection=connection, name__in=names)
    calendar_services.save_calendar_choice(
        connection,
        blocking=list(chosen),
        receiving=calendar(connection, receiving) if receiving else None,
        treat_tentative_as_busy=False,
        treat_out_of_office_as_busy=False,
    )


def resync(connection, django_capture_on_commit_callbacks):
    # On commit, busy_times_changed clears the cached slot answers.
    with django_capture_on_commit_callbacks(execute=True):
        return sync.sync_connection(connection, now=timezone.now())


def slot_times(client, expert, day):
    answer = client.get(
        reverse("bookings:slots", args=[expert.slug]),
        {"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat(), "tz": "UTC"},
    )
    assert answer.status_code == 200
    return {slot["start"] for slot in answer.json()["days"].get(day.isoformat(), [])}


def utc_text(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def seed_three_calendars(simulator, day):
    """A busy hour in each calendar of the mailbox: 10:00 default, 12:00 Private, 14:00
    Holidays (Zurich time)."""
    by_name = {c["name"]: c["id"] for c in simulator.calendars(WORK)}
    simulator.add_events(WORK, [busy_in_zurich(day, 10, 11)])
    simulator.add_events(WORK, [busy_in_zurich(day, 12, 13)], calendar=by_name["Private"])
    simulator.add_events(
        WORK, [busy_in_zurich(day, 14, 15)], calendar=by_name["Holidays in Germany"]
    )


def test_the_calendars_are_listed_at_connect_with_the_default_one_blocking(connection):
    listed = {
        c.name: (c.is_default, c.can_edit, c.blocks, c.receives_appointments)
        for c in Calendar.objects.filter(connection=connection)
    }

    assert listed == {
        "Calendar": (True, True, True, True),
        "Private": (False, True, False, False),
        "Holidays in Germany": (False, False, False, False),
    }


def test_two_ticked_calendars_block_and_the_third_never_does(
    client, expert, connection, simulator, django_capture_on_commit_callbacks
):
    day = a_day_ahead()
    seed_three_calendars(simulator, day)
    tick(connection, "Calendar", "Private")

    result = resync(connection, django_capture_on_commit_callbacks)

    assert result.outcome == "changed"
    offered = slot_times(client, expert, day)
    for hour in (10, 12):  # busy in a ticked calendar
        assert utc_text(zurich(day, hour)) not in offered
        assert utc_text(zurich(day, hour, 30)) not in offered
    assert utc_text(zurich(day, 14)) in offered  # busy only in the unticked calendar
    assert utc_text(zurich(day, 16)) in offered
    stored = {
        (i.calendar.name, i.start) for i in BusyInterval.objects.filter(connection=connection)
    }
    assert stored == {("Calendar", zurich(day, 10)), ("Private", zurich(day, 12))}
    reads = simulator.requests(path_contains="calendarView")
    assert len(reads) == 2
    assert {r["path"].split("/")[-2] for r in reads} == {
        "me",
        calendar(connection, "Private").graph_id,
    }
    for read in reads:
        assert read["query"]["$select"] == SELECT
        assert read["status"] == 200


def test_unticking_a_calendar_removes_its_busy_times_at_the_next_sync(
    client, expert, connection, simulator, django_capture_on_commit_callbacks
):
    day = a_day_ahead()
    seed_three_calendars(simulator, day)
    tick(connection, "Calendar", "Private")
    resync(connection, django_capture_on_commit_callbacks)
    assert utc_text(zurich(day, 12)) not in slot_times(client, expert, day)

    tick(connection, "Calendar")
    resync(connection, django_capture_on_commit_callbacks)

    assert [i.calendar.name for i in BusyInterval.objects.filter(connection=connection)] == [
        "Calendar"
    ]
    assert utc_text(zurich(day, 12)) in slot_times(client, expert, day)


def test_an_unchanged_set_of_calendars_is_recognised_without_reading_rows_back(
    connection, simulator, django_capture_on_commit_callbacks
):
    seed_three_calendars(simulator, a_day_ahead())
    tick(connection, "Calendar", "Private")
    resync(connection, django_capture_on_commit_callbacks)

    with CaptureQueriesContext(db_connection) as queries:
        result = sync.sync_connection(connection, now=timezone.now())

    assert result.outcome == "unchanged"
    assert not [q for q in queries.captured_queries if "calendars_busyinterval" in q["sql"]]


def test_a_calendar_deleted_in_outlook_is_dropped_not_a_failed_sync(
    connection, simulator, django_capture_on_commit_callbacks
):
    day = a_day_ahead()
    seed_three_calendars(simulator, day)
    tick(connection, "Calendar", "Private", receiving="Private")
    resync(connection, django_capture_on_commit_callbacks)
    simulator.delete_calendar(WORK, calendar(connection, "Private").graph_id)

    result = resync(connection, django_capture_on_commit_callbacks)

    assert result.outcome == "changed"
    assert not Calendar.objects.filter(connection=connection, name="Private").exists()
    assert [i.calendar.name for i in BusyInterval.objects.filter(connection=connection)] == [
        "Calendar"
    ]
    # New appointments fall back to the default calendar.
    assert calendar(connection, "Calendar").receives_appointments
    connection.refresh_from_db()
    assert connection.last_problem_kind == ""


def test_a_failed_read_of_one_calendar_writes_nothing(
    connection, simulator, django_capture_on_commit_callbacks
):
    day = a_day_ahead()
    seed_three_calendars(simulator, day)
    tick(connection, "Calendar")
    resync(connection, django_capture_on_commit_callbacks)
    tick(connection, "Calendar", "Private")
    simulator.fault(path="/calendarView", status=400, regex=True, skip=1)

    result = resync(connection, django_capture_on_commit_callbacks)

    assert result.outcome == "failed"
    assert [i.calendar.name for i in BusyInterval.objects.filter(connection=connection)] == [
        "Calendar"
    ]


def test_without_a_list_the_default_calendar_is_read_as_before(
    expert, expert_client, connect_calendar, simulator, django_capture_on_commit_callbacks
):
    simulator.fault(path="/v1.0/me/calendars", status=503, times=100)
    connect_calendar(expert_client, WORK)
    connection = CalendarConnection.objects.get(expert=expert)
    simulator.add_events(WORK, [busy_in_zurich(a_day_ahead(), 10, 11)])
    simulator.clear_requests()

    result = resync(connection, django_capture_on_commit_callbacks)

    assert result.outcome == "changed"
    assert not Calendar.objects.filter(connection=connection).exists()
    assert [(i.calendar_id) for i in BusyInterval.objects.filter(connection=connection)] == [None]
    (read,) = simulator.requests(path_contains="calendarView")
    assert read["path"] == "/v1.0/me/calendarView"
    assert read["query"]["$select"] == SELECT


def test_the_first_sync_lists_the_calendars_once_when_connect_could_not(
    expert, expert_client, connect_calendar, simulator, django_capture_on_commit_callbacks
):
    simulator.fault(path="/v1.0/me/calendars", status=400, times=100)
    connect_calendar(expert_client, WORK)
    connection = CalendarConnection.objects.get(expert=expert)
    assert not Calendar.objects.filter(connection=connection).exists()
    simulator.clear_faults()
    simulator.clear_requests()

    resync(connection, django_capture_on_commit_callbacks)
    resync(connection, django_capture_on_commit_callbacks)

    assert Calendar.objects.filter(connection=connection).count() == 3
    listings = [r for r in simulator.requests() if r["path"] == "/v1.0/me/calendars"]
    assert len(listings) == 1


def accepted(expert, day, hour=14):
    booking = Booking.objects.create(
        expert=expert,
        start=zurich(day, hour),
        end=zurich(day, hour, 30),
        status=Booking.Status.REQUESTED,
        customer_name="Jane Doe",
        customer_email="jane@example.com",
        customer_language="en",
        customer_time_zone="Europe/Zurich",
        meeting="link",
        join_url="https://meet.example/jana",
        expires_at=zurich(day, hour),
    )
    services.accept_booking(booking, now=timezone.now())
    return booking


def test_appointments_are_written_into_the_chosen_calendar_and_moved_by_event_id(
    expert, connection, simulator
):
    tick(connection, "Calendar", receiving="Private")
    private = calendar(connection, "Private").graph_id
    booking = accepted(expert, a_day_ahead())

    outlook.write_event(booking.pk)

    booking.refresh_from_db()
    assert booking.outlook_state == "written"
    (written,) = simulator.events(WORK, calendar=private)
    assert written["id"] == booking.outlook_event_id
    posts = [r["path"] for r in simulator.requests() if r["method"] == "POST"]
    assert posts == [f"/v1.0/me/calendars/{private}/events"]


def test_a_lost_write_is_looked_for_in_the_calendar_it_was_sent_to(expert, connection, simulator):
    tick(connection, "Calendar", receiving="Private")
    private = calendar(connection, "Private").graph_id
    booking = accepted(expert, a_day_ahead())
    # The write reached Outlook but its answer never came back.
    call_with_token(
        connection,
        lambda token: graph.create_event(
            token, outlook.event_payload(booking, teams=False), calendar_id=private
        ),
    )
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)

    outlook.remove_event(booking.pk, write_unanswered=True)

    assert simulator.events(WORK) == []


def test_a_chosen_calendar_deleted_in_outlook_hands_the_appointment_to_the_default(
    expert, connection, simulator
):
    tick(connection, "Calendar", receiving="Private")
    simulator.delete_calendar(WORK, calendar(connection, "Private").graph_id)
    booking = accepted(expert, a_day_ahead())

    outlook.write_event(booking.pk)

    default = calendar(connection, "Calendar")
    (written,) = simulator.events(WORK)
    assert written["calendar_id"] == default.graph_id
    assert default.receives_appointments


def choice_form(connection, *names, receiving="Calendar", **toggles):
    return {
        "blocking": [calendar(connection, name).pk for name in names],
        "receiving": calendar(connection, receiving).pk,
        **toggles,
    }


def test_the_settings_page_offers_the_calendars_by_name(expert_client, connection):
    page = expert_client.get(reverse("calendars:settings")).content.decode()

    assert "Calendars that block booking times" in page
    assert "Calendar (default)" in page
    assert "Holidays in Germany (read only)" in page
    assert "Write new appointments into" in page
    receiving = page[page.index('name="receiving"') :]
    receiving = receiving[: receiving.index("</select>")]
    assert "Private" in receiving
    assert "Holidays" not in receiving  # read only: it can block but not receive


def test_saving_the_choice_stores_it_queues_a_sync_and_returns_to_the_section(
    expert_client, connection, monkeypatch
):
    queued = []
    monkeypatch.setattr("calendars.tasks.queue_sync", queued.append)
    form = choice_form(
        connection,
        "Private",
        "Holidays in Germany",
        receiving="Private",
        treat_tentative_as_busy="on",
    )

    answer = expert_client.post(reverse("calendars:preferences", args=[connection.uuid]), form)

    assert answer.status_code == 302
    assert answer["Location"] == reverse("calendars:settings") + "#calendar-choice"
    blocking = set(
        Calendar.objects.filter(connection=connection, blocks=True).values_list("name", flat=True)
    )
    assert blocking == {"Private", "Holidays in Germany"}
    assert calendar(connection, "Private").receives_appointments
    assert not calendar(connection, "Calendar").receives_appointments
    connection.refresh_from_db()
    assert connection.treat_tentative_as_busy
    assert not connection.treat_out_of_office_as_busy
    assert queued == [connection.pk]
    page = expert_client.get(answer["Location"]).content.decode()
    assert "Saved. Your busy times are being synchronised again." in page


def test_no_blocking_calendar_is_allowed_with_a_warning(expert_client, connection, monkeypatch):
    monkeypatch.setattr("calendars.tasks.queue_sync", lambda pk: None)

    answer = expert_client.post(
        reverse("calendars:preferences", args=[connection.uuid]),
        choice_form(connection),
        follow=True,
    )

    assert not Calendar.objects.filter(connection=connection, blocks=True).exists()
    page = answer.content.decode()
    assert "No calendar blocks times: customers can book any time within your hours." in page


def test_a_read_only_calendar_cannot_receive_appointments(expert_client, connection):
    form = choice_form(connection, "Calendar", receiving="Holidays in Germany")

    answer = expert_client.post(
        reverse("calendars:preferences", args=[connection.uuid]), form, follow=True
    )

    assert calendar(connection, "Calendar").receives_appointments
    assert not calendar(connection, "Holidays in Germany").receives_appointments
    assert "no longer in your list" in answer.content.decode()


def test_the_form_needs_its_csrf_token(expert, connection):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(expert)

    answer = strict.post(
        reverse("calendars:preferences", args=[connection.uuid]), choice_form(connection)
    )

    assert answer.status_code == 403
    assert calendar(connection, "Calendar").blocks


@pytest.mark.parametrize("bad", ["abc", "99999999", "", "1.5", "-1"])
def test_unusable_calendar_ids_are_refused_with_a_sentence(expert_client, connection, bad):
    form = {**choice_form(connection, "Calendar"), "blocking": [bad]}

    answer = expert_client.post(
        reverse("calendars:preferences", args=[connection.uuid]), form, follow=True
    )

    assert answer.status_code == 200
    if bad:
        assert "no longer in your list" in answer.content.decode()
    assert calendar(connection, "Calendar").blocks


def test_another_experts_calendar_can_be_neither_seen_nor_chosen(
    expert_client, connection, other_expert, simulator
):
    theirs = CalendarConnection.objects.create(
        expert=other_expert,
        account_oid="other-oid",
        account_tid="other-tid",
        home_account_id="other.home",
        account_address="otto@example.com",
        account_kind="work",
        token_cache="x",
    )
    their_calendar = Calendar.objects.create(
        connection=theirs, graph_id="AAMkOTHER", name="Otto's secrets", can_edit=True
    )
    form = {**choice_form(connection, "Calendar"), "blocking": [their_calendar.pk]}

    mine = expert_client.post(reverse("calendars:preferences", args=[connection.uuid]), form)
    other = expert_client.post(reverse("calendars:preferences", args=[theirs.uuid]), form)
    refresh = expert_client.post(reverse("calendars:refresh_calendars", args=[theirs.uuid]))
    page = expert_client.get(reverse("calendars:settings")).content.decode()

    assert mine.status_code == 302
    assert (other.status_code, refresh.status_code) == (404, 404)
    their_calendar.refresh_from_db()
    assert not their_calendar.blocks
    assert calendar(connection, "Calendar").blocks
    assert "Otto&#x27;s secrets" not in page
    assert "Otto's secrets" not in page


def test_refreshing_the_list_adds_new_calendars_unticked_and_drops_deleted_ones(
    expert_client, connection, simulator, monkeypatch
):
    monkeypatch.setattr("calendars.tasks.queue_sync", lambda pk: None)
    tick(connection, "Calendar", "Private", receiving="Private")
    BusyInterval.objects.create(
        connection=connection,
        calendar=calendar(connection, "Private"),
        start=timezone.now() + timedelta(days=1),
        end=timezone.now() + timedelta(days=1, hours=1),
    )
    simulator.add_calendar(WORK, "Sports club")
    simulator.delete_calendar(WORK, calendar(connection, "Private").graph_id)

    answer = expert_client.post(
        reverse("calendars:refresh_calendars", args=[connection.uuid]), follow=True
    )

    names = set(Calendar.objects.filter(connection=connection).values_list("name", flat=True))
    assert names == {"Calendar", "Holidays in Germany", "Sports club"}
    assert not calendar(connection, "Sports club").blocks
    assert calendar(connection, "Calendar").receives_appointments
    assert not BusyInterval.objects.filter(connection=connection).exists()
    assert "The list of your calendars is up to date." in answer.content.decode()
    (listing,) = [r for r in simulator.requests() if r["path"] == "/v1.0/me/calendars"]
    assert listing["query"]["$select"] == "id,name,isDefaultCalendar,canEdit,owner"


def test_refreshing_while_microsoft_is_down_keeps_the_list_and_says_so(
    expert_client, connection, simulator
):
    simulator.fault(path="/v1.0/me/calendars", status=400)

    answer = expert_client.post(
        reverse("calendars:refresh_calendars", args=[connection.uuid]), follow=True
    )

    assert Calendar.objects.filter(connection=connection).count() == 3
    assert "Microsoft cannot be reached right now" in answer.content.decode()


def test_what_we_store_names_the_calendar_of_each_block(
    expert_client, connection, simulator, django_capture_on_commit_callbacks
):
    seed_three_calendars(simulator, a_day_ahead())
    tick(connection, "Calendar", "Private")
    resync(connection, django_capture_on_commit_callbacks)

    page = expert_client.get(reverse("calendars:stored")).content.decode()

    rows = page[page.index("<tbody>") : page.index("</tbody>")]
    assert rows.count('class="calendar-name">Calendar<') == 1
    assert rows.count('class="calendar-name">Private<') == 1
    assert "Holidays" not in rows


def test_the_just_in_time_read_covers_every_ticked_calendar(connection, simulator):
    day = a_day_ahead()
    seed_three_calendars(simulator, day)
    tick(connection, "Calendar", "Private")
    window = Interval(zurich(day, 0), zurich(day, 23))

    busy = sync.read_busy(connection, window)

    assert busy == [
        Interval(zurich(day, 10), zurich(day, 11)),
        Interval(zurich(day, 12), zurich(day, 13)),
    ]
    for read in simulator.requests(path_contains="calendarView"):
        assert read["query"]["$select"] == SELECT

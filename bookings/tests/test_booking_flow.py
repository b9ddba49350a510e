"""Customers request slots; experts answer; Outlook follows. Real simulator, real database."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings import outlook, services
from bookings.cancel_links import cancel_url
from bookings.models import Booking
from bookings.tests.conftest import a_day_ahead, busy_in_zurich, zurich
from conftest import WORK, local_path

pytestmark = pytest.mark.django_db


def request_form(when, **overrides):
    return {
        "start": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "time_zone": "America/New_York",
        "name": "Jane Doe",
        "email": "jane@example.com",
        "message": "About my pension.",
        "language": "de",
        **overrides,
    }


def slots(client, expert, day, tz="America/New_York"):
    answer = client.get(
        reverse("bookings:slots", args=[expert.slug]),
        {"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat(), "tz": tz},
    )
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_busy_outlook_times_are_not_offered_in_the_customers_zone(
    client, connected, simulator, expert
):
    day = a_day_ahead()
    simulator.add_events(WORK, [busy_in_zurich(day, 10, 11)])
    connected.resync()

    answer = slots(client, expert, day, tz="Europe/Zurich")

    times = [s["time"] for s in answer["days"][day.isoformat()]]
    assert "09:30" in times
    assert "10:00" not in times
    assert "10:30" not in times
    assert "11:00" in times
    assert answer["expert"] == {"name": "Jana Expert", "time_zone": "Europe/Zurich"}


def test_slots_are_grouped_by_the_customers_local_day(client, bookable, expert):
    day = a_day_ahead()

    answer = slots(client, expert, day, tz="America/New_York")

    first = answer["days"][day.isoformat()][0]
    # 09:00 in Zurich is 03:00 in New York (six hours behind, in both winter and summer).
    assert first["time"] in ("03:00", "04:00")
    assert first["start"].endswith("Z")


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"tz": "Mars/Olympus"}, "invalid_time_zone"),
        ({"from": "2026-13-01"}, "invalid_date"),
        ({"from": "2026-12-01", "to": "2027-06-01"}, "invalid_range"),
        ({"from": "2026-12-02", "to": "2026-12-01"}, "invalid_range"),
    ],
)
def test_slots_endpoint_explains_bad_parameters(client, bookable, expert, params, error):
    answer = client.get(reverse("bookings:slots", args=[expert.slug]), params)

    assert answer.status_code == 400
    assert answer.json()["error"] == error


def test_unknown_expert_is_404(client, db):
    assert client.get(reverse("bookings:slots", args=["nobody"])).status_code == 404


def test_request_holds_the_slot_and_mails_both_in_their_language(
    client, bookable, expert, run_effects
):
    day = a_day_ahead()
    start = zurich(day, 14)

    response = client.post(reverse("bookings:submit", args=[expert.slug]), request_form(start))
    assert mail.outbox == []  # no mail is sent inside the web request
    assert run_effects() == 2

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("bookings:requested", args=[booking.uuid])
    assert (booking.status, booking.start, booking.end) == (
        "requested",
        start,
        start + timedelta(minutes=30),
    )
    assert [s["start"] for s in slots(client, expert, day)["days"][day.isoformat()]].count(
        start.strftime("%Y-%m-%dT%H:%M:%SZ")
    ) == 0
    customer, to_expert = mail.outbox
    assert customer.to == ["jane@example.com"]
    assert customer.subject == "Ihre Anfrage an Jana Expert ist eingegangen"
    assert to_expert.to == [expert.email]
    assert "Jane Doe" in to_expert.subject


@pytest.mark.parametrize(
    "start_of",
    [
        lambda day: zurich(day, 7),  # outside the weekly hours
        lambda day: zurich(day, 14, 7),  # not on the 15-minute grid
        lambda day: timezone.now() - timedelta(days=1),  # in the past
        lambda day: zurich(day + timedelta(days=200), 10),  # beyond the synced window
    ],
)
def test_a_time_that_is_not_offered_is_refused_and_nothing_stored(
    client, bookable, expert, start_of
):
    response = client.post(
        reverse("bookings:submit", args=[expert.slug]), request_form(start_of(a_day_ahead()))
    )

    assert response.status_code == 409
    assert "no longer available" in response.content.decode()
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"start": "tomorrow at ten"},
        {"time_zone": "Mars/Olympus"},
        {"name": "<script>alert(1)</script>"},
        {"name": "x" * 101},
        {"message": "y" * 1001},
        {"email": "not-an-address"},
    ],
)
def test_malformed_input_gets_a_clear_error_and_stores_nothing(client, bookable, expert, overrides):
    form = request_form(zurich(a_day_ahead(), 14), **overrides)

    response = client.post(reverse("bookings:submit", args=[expert.slug]), form)

    assert response.status_code == 400
    assert "Please check the marked fields." in response.content.decode()
    assert not Booking.objects.exists()


def test_a_taken_slot_is_refused_with_a_sentence(client, bookable, expert):
    start = zurich(a_day_ahead(), 14)
    client.post(reverse("bookings:submit", args=[expert.slug]), request_form(start))

    second = client.post(
        reverse("bookings:submit", args=[expert.slug]), request_form(start, email="tom@example.com")
    )

    assert second.status_code == 409
    assert Booking.objects.count() == 1


def test_double_submit_keeps_the_first_request(client, bookable, expert):
    start = zurich(a_day_ahead(), 14)
    first = client.post(reverse("bookings:submit", args=[expert.slug]), request_form(start))
    again = client.post(reverse("bookings:submit", args=[expert.slug]), request_form(start))

    assert again["Location"] == first["Location"]
    assert Booking.objects.count() == 1


def test_time_that_became_busy_since_the_sync_is_refused(client, connected, simulator, expert):
    day = a_day_ahead()
    simulator.add_events(WORK, [busy_in_zurich(day, 14, 15, subject="Just booked in Outlook")])
    simulator.clear_requests()

    response = client.post(
        reverse("bookings:submit", args=[expert.slug]), request_form(zurich(day, 14))
    )

    assert response.status_code == 409
    assert "just become busy" in response.content.decode()
    assert not Booking.objects.exists()
    (read,) = simulator.requests(path_contains="calendarView")
    assert read["query"]["$select"] == "start,end,showAs,isAllDay,isCancelled"


def test_microsoft_down_at_submit_decides_on_stored_data(client, connected, simulator, expert):
    simulator.fault(path="/v1.0/me/calendarView", status=400)

    response = client.post(
        reverse("bookings:submit", args=[expert.slug]), request_form(zurich(a_day_ahead(), 14))
    )

    assert response.status_code == 302
    assert Booking.objects.count() == 1


def accepted_booking(client, expert, expert_client, day_hour=14):
    client.post(
        reverse("bookings:submit", args=[expert.slug]),
        request_form(zurich(a_day_ahead(), day_hour)),
    )
    booking = Booking.objects.get()
    services.accept_booking(booking, now=timezone.now())
    booking.refresh_from_db()
    return booking


def test_accepting_writes_exactly_one_outlook_event_even_when_the_write_runs_twice(
    client, connected, simulator, expert, expert_client
):
    booking = accepted_booking(client, expert, expert_client)
    assert booking.outlook_state == "writing"

    outlook.write_event(booking.pk)
    Booking.objects.filter(pk=booking.pk).update(outlook_state="writing")  # as if retried
    outlook.write_event(booking.pk)

    booking.refresh_from_db()
    assert booking.outlook_state == "written"
    events = [e for e in simulator.events(WORK) if "Jane Doe" in e["subject"]]
    assert len(events) == 1
    assert events[0]["id"] == booking.outlook_event_id
    assert events[0]["attendees"] == []
    assert events[0]["showAs"] == "busy"
    assert events[0]["transactionId"] == f"okomo-booking-{booking.uuid}"


def test_cancelling_removes_the_outlook_event(client, connected, simulator, expert, expert_client):
    booking = accepted_booking(client, expert, expert_client)
    outlook.write_event(booking.pk)

    services.cancel_booking(booking, now=timezone.now(), by_customer=False)
    outlook.remove_event(booking.pk)

    booking.refresh_from_db()
    assert booking.outlook_state == "removed"
    assert not [e for e in simulator.events(WORK) if "Jane Doe" in e["subject"]]


def test_write_with_a_revoked_token_fails_honestly_and_is_retried_after_reconnecting(
    client, connected, simulator, expert, expert_client, connect_calendar, run_effects
):
    booking = accepted_booking(client, expert, expert_client)
    simulator.revoke(WORK)

    run_effects()

    booking.refresh_from_db()
    assert booking.outlook_state == "write_failed"
    page = expert_client.get(reverse("bookings:expert_list")).content.decode()
    assert "could not be written to your Outlook calendar" in page
    assert "reconnect your calendar" in page

    connect_calendar(expert_client, WORK)
    booking.refresh_from_db()
    assert booking.outlook_state == "writing"
    run_effects()  # the write was recorded again with the reconnect
    booking.refresh_from_db()
    assert booking.outlook_state == "written"
    assert len([e for e in simulator.events(WORK) if "Jane Doe" in e["subject"]]) == 1


def test_customer_cancels_through_the_link_in_the_mail(client, bookable, expert, run_effects):
    client.post(
        reverse("bookings:submit", args=[expert.slug]), request_form(zurich(a_day_ahead(), 14))
    )
    run_effects()
    booking = Booking.objects.get()
    # The mailed link (its signature carries a timestamp, so it is read from the mail).
    link = re.search(r"http\S+/booking/cancel/\S+/", mail.outbox[0].body).group(0)
    assert local_path(link).startswith(local_path(cancel_url(booking)).split(":")[0])

    confirm = client.get(local_path(link))
    done = client.post(local_path(link))

    assert "Cancel this appointment?" in confirm.content.decode()
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert done.status_code == 200


def test_tampered_cancel_link_is_refused_and_changes_nothing(client, bookable, expert):
    client.post(
        reverse("bookings:submit", args=[expert.slug]), request_form(zurich(a_day_ahead(), 14))
    )
    booking = Booking.objects.get()
    link = local_path(cancel_url(booking))
    tampered = link[:-3] + ("x" if link[-3] != "x" else "y") + link[-2:]

    answer = client.post(tampered)

    assert answer.status_code == 400
    assert "not valid" in answer.content.decode()
    booking.refresh_from_db()
    assert booking.status == "requested"


def test_other_expert_can_neither_see_nor_act_on_my_bookings(
    client, bookable, expert, other_expert
):
    client.post(
        reverse("bookings:submit", args=[expert.slug]), request_form(zurich(a_day_ahead(), 14))
    )
    booking = Booking.objects.get()
    client.force_login(other_expert)

    listing = client.get(reverse("bookings:expert_list"))
    accept = client.post(reverse("bookings:accept", args=[booking.uuid]))
    cancel = client.post(reverse("bookings:cancel", args=[booking.uuid]))

    assert "Jane Doe" not in listing.content.decode()
    assert (accept.status_code, cancel.status_code) == (404, 404)
    booking.refresh_from_db()
    assert booking.status == "requested"


def test_expert_accepts_and_declines_from_the_list(
    client, bookable, expert, expert_client, run_effects
):
    day = a_day_ahead()
    client.post(reverse("bookings:submit", args=[expert.slug]), request_form(zurich(day, 14)))
    client.post(
        reverse("bookings:submit", args=[expert.slug]),
        request_form(zurich(day, 15), email="tom@example.com", name="Tom"),
    )
    jane, tom = Booking.objects.order_by("start")

    expert_client.post(reverse("bookings:accept", args=[jane.uuid]))
    expert_client.post(reverse("bookings:decline", args=[tom.uuid]))
    run_effects()

    jane.refresh_from_db()
    tom.refresh_from_db()
    assert (jane.status, tom.status) == ("accepted", "declined")
    accepted_mail = next(m for m in mail.outbox if m.to == ["jane@example.com"] and m.attachments)
    assert accepted_mail.attachments[0][0] == "okomo-appointment.ics"
    assert "BEGIN:VEVENT" in accepted_mail.attachments[0][1]


def test_slots_stay_on_the_grid_when_the_notice_cuts_into_the_day(client, bookable, expert):
    today = timezone.now().astimezone(expert.zone).date()

    answer = slots(client, expert, today, tz="Europe/Zurich")

    for slot in answer["days"].get(today.isoformat(), []):
        assert slot["time"][-2:] in ("00", "15", "30", "45"), slot
        assert slot["start"].endswith(":00Z")


def test_cached_slots_follow_a_new_booking_and_new_hours_at_once(
    client, bookable, expert, expert_client, django_capture_on_commit_callbacks
):
    day = a_day_ahead()
    before = slots(client, expert, day, tz="Europe/Zurich")["days"][day.isoformat()]
    assert "14:00" in [s["time"] for s in before]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("bookings:submit", args=[expert.slug]), request_form(zurich(day, 14)))
    after_booking = slots(client, expert, day, tz="Europe/Zurich")["days"][day.isoformat()]
    week = {}
    for d in range(7):
        week |= {f"day_{d}_on": "on", f"day_{d}_start": "09:00", f"day_{d}_end": "10:00"}
    expert_client.post(reverse("bookings:save_weekly"), week)
    after_hours = slots(client, expert, day, tz="Europe/Zurich")["days"][day.isoformat()]

    assert "14:00" not in [s["time"] for s in after_booking]
    assert [s["time"] for s in after_hours] == ["09:00", "09:15", "09:30"]

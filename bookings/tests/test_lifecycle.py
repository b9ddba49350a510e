"""An appointment's life against the real Microsoft simulator: how to meet (Teams or the
expert's own link), instant confirmation, reschedule, cancel with a reason, the reminder, and
a switch of Microsoft accounts (issue 9, "Done when")."""

from datetime import time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from bookings import services
from bookings.cancel_links import booking_uuid_from, cancel_url, reschedule_url
from bookings.models import Booking, BookingSettings
from bookings.offer import offered_slots
from bookings.tests.conftest import a_day_ahead, open_every_day, zurich
from bookings.tests.test_booking_flow import request_form, slots
from calendars.models import CalendarConnection
from conftest import PERSONAL, WORK, local_path
from okomo.intervals import Interval
from outbox.models import Effect

pytestmark = pytest.mark.django_db

OWN_LINK = "https://meet.jit.si/jana-expert"
PROVIDERS_SELECT = {"$select": "allowedOnlineMeetingProviders,defaultOnlineMeetingProvider"}
CONFIRMED = "Confirmed: your appointment with Jana Expert"
REMINDER = "Reminder: your appointment with Jana Expert"


# --- helpers ---------------------------------------------------------------------------------


def meet(expert, **changes):
    BookingSettings.objects.filter(expert=expert).update(**changes)


def submit(client, expert, when, **overrides):
    return client.post(
        reverse("bookings:submit", args=[expert.slug]),
        request_form(when, **{"language": "en", **overrides}),
    )


def iso(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def requested(client, expert, when, **overrides):
    answer = submit(client, expert, when, **overrides)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    return Booking.objects.get(start=when)


def accepted(client, expert, when, run_effects):
    """Requested by Jane, accepted by the expert, and everything that follows carried out."""
    booking = requested(client, expert, when)
    services.accept_booking(booking, now=timezone.now())
    run_effects()
    booking.refresh_from_db()
    return booking


def jane_events(simulator, persona=WORK):
    return [e for e in simulator.events(persona) if "Jane Doe" in e["subject"]]


def sent(subject, to=None):
    return [m for m in mail.outbox if m.subject == subject and (to is None or m.to == [to])]


def calendar_file(message):
    """The message's .ics parsed with icalendar, its one event, and its Content-Type."""
    [(name, text, content_type)] = message.attachments
    assert name == "okomo-appointment.ics"
    calendar = Calendar.from_ical(text)
    [event] = calendar.walk("VEVENT")
    return calendar, event, content_type


def metadata_requests(simulator):
    return [r for r in simulator.requests("/v1.0/me/calendar") if r["path"] == "/v1.0/me/calendar"]


def event_requests(simulator, method):
    return [r for r in simulator.requests("/v1.0/me/events") if r["method"] == method]


def links(body, path):
    """The booking uuids behind the signed links in `body` that lead to `path`."""
    prefix = f"/booking/{path}/"
    found = []
    for word in body.split():
        if prefix in word:
            token = word.split(prefix, 1)[1].rstrip("/")
            found.append(booking_uuid_from(token))
    return found


def expert_page(expert_client):
    return expert_client.get(reverse("bookings:expert_list")).content.decode()


@pytest.fixture
def personal(bookable, expert_client, connect_calendar, simulator):
    """The expert is bookable and connected to a personal Microsoft account."""
    connect_calendar(expert_client, PERSONAL)
    return CalendarConnection.objects.get(expert=bookable)


# --- 1. how to meet: Teams in a work account ---------------------------------------------------


def test_a_work_account_gets_a_teams_link_into_the_event_the_mail_and_the_calendar_file(
    client, connected, simulator, expert, expert_client, run_effects
):
    booking = requested(client, expert, zurich(a_day_ahead(), 14))
    simulator.fault(path="/v1.0/me/events", method="POST", status=503)

    expert_client.post(reverse("bookings:accept", args=[booking.uuid]))
    run_effects()

    # Outlook did not answer yet: the confirmation waits for the link Outlook brings.
    assert sent(CONFIRMED) == []
    assert jane_events(simulator) == []

    run_effects(later=timezone.now() + timedelta(minutes=1))

    booking.refresh_from_db()
    [event] = jane_events(simulator)
    assert event["isOnlineMeeting"] is True
    assert event["onlineMeetingProvider"] == "teamsForBusiness"
    assert booking.join_url == event["onlineMeeting"]["joinUrl"]
    assert booking.join_url.startswith("https://teams.microsoft.com/l/meetup-join/")
    assert (booking.outlook_state, booking.meeting_problem) == ("written", "")

    [confirmation] = sent(CONFIRMED, to="jane@example.com")
    assert f"Join: {booking.join_url}" in confirmation.body
    calendar, ics_event, content_type = calendar_file(confirmation)
    assert content_type == "text/calendar; method=REQUEST"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(ics_event["LOCATION"]) == booking.join_url
    assert str(ics_event["URL"]) == booking.join_url
    assert booking.join_url in str(ics_event["DESCRIPTION"])
    # The confirmation page and the expert's list show it too.
    page = client.get(reverse("bookings:requested", args=[booking.uuid])).content.decode()
    assert booking.join_url.replace("&", "&amp;") in page
    assert booking.join_url.replace("&", "&amp;") in expert_page(expert_client)


# --- 2. how to meet: a personal account falls back ---------------------------------------------


def test_a_personal_account_falls_back_to_the_experts_own_link_and_says_so(
    client, personal, simulator, expert, expert_client, run_effects
):
    meet(expert, meeting="teams", meeting_link=OWN_LINK)
    booking = accepted(client, expert, zurich(a_day_ahead(), 14), run_effects)

    assert booking.join_url == OWN_LINK
    assert "your own video link was sent instead" in booking.meeting_problem
    [event] = jane_events(simulator, PERSONAL)
    assert event["isOnlineMeeting"] is False
    assert event["onlineMeeting"] is None
    # The expert's calendar says how to meet, as the customer's does.
    assert event["location"]["displayName"] == OWN_LINK
    [confirmation] = sent(CONFIRMED, to="jane@example.com")
    assert f"Join: {OWN_LINK}" in confirmation.body
    _, ics_event, _ = calendar_file(confirmation)
    assert str(ics_event["LOCATION"]) == OWN_LINK
    assert "your own video link was sent instead" in expert_page(expert_client)


def test_a_personal_account_without_an_own_link_still_confirms_and_asks_the_expert_for_one(
    client, personal, simulator, expert, expert_client, run_effects
):
    meet(expert, meeting="teams", meeting_link="")
    booking = accepted(client, expert, zurich(a_day_ahead(), 14), run_effects)

    assert booking.join_url == ""
    assert booking.outlook_state == "written"
    assert "Please send the customer a link" in booking.meeting_problem
    [confirmation] = sent(CONFIRMED, to="jane@example.com")
    assert "The expert will send you the link." in confirmation.body
    assert "Please send the customer a link" in expert_page(expert_client)


def test_the_provider_check_reads_only_calendar_metadata(
    client, personal, simulator, expert, run_effects
):
    accepted(client, expert, zurich(a_day_ahead(), 14), run_effects)

    checks = metadata_requests(simulator)
    assert len(checks) >= 2, "the connect and the write ask which online meetings it allows"
    assert [r["query"] for r in checks] == [PROVIDERS_SELECT] * len(checks)


# --- 3. instant confirmation --------------------------------------------------------------------


def test_an_instant_confirmation_writes_the_event_and_tells_the_expert(
    client, connected, simulator, expert, run_effects
):
    meet(expert, confirm_automatically=True)

    answer = submit(client, expert, zurich(a_day_ahead(), 14))

    assert answer.status_code == 302
    booking = Booking.objects.get()
    assert (booking.status, booking.outlook_state) == ("accepted", "writing")
    run_effects()
    booking.refresh_from_db()
    [event] = jane_events(simulator)
    assert event["id"] == booking.outlook_event_id
    assert booking.join_url == event["onlineMeeting"]["joinUrl"]
    [expert_mail] = sent("New appointment with Jane Doe (confirmed automatically)")
    assert expert_mail.to == ["expert@example.com"]
    assert "Accept or decline" not in expert_mail.body
    [confirmation] = sent(CONFIRMED, to="jane@example.com")
    assert booking.join_url in confirmation.body
    # Nothing waits for an answer: no "request received" mail.
    assert sorted(m.subject for m in mail.outbox) == sorted(
        [CONFIRMED, "New appointment with Jane Doe (confirmed automatically)"]
    )


# --- 4. reschedule --------------------------------------------------------------------------------


def test_a_customer_moves_the_appointment_and_outlook_keeps_one_event_at_the_new_time(
    client,
    connected,
    simulator,
    expert,
    run_effects,
    django_capture_on_commit_callbacks,
):
    day = a_day_ahead()
    booking = accepted(client, expert, zurich(day, 14), run_effects)
    [before] = jane_events(simulator)
    _, first_file, _ = calendar_file(sent(CONFIRMED)[0])
    offered = [s["time"] for s in slots(client, expert, day, tz="Europe/Zurich")["days"][str(day)]]
    assert "14:00" not in offered
    assert "16:00" in offered
    simulator.clear_requests()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        moved = client.post(
            local_path(reschedule_url(booking)),
            {"start": iso(zurich(day, 16)), "time_zone": "America/New_York"},
        )
    run_effects()

    assert moved.status_code == 302
    assert moved["Location"] == reverse("bookings:requested", args=[booking.uuid]) + "?moved=1"
    booking.refresh_from_db()
    assert (booking.start, booking.sequence) == (zurich(day, 16), 1)
    assert booking.outlook_state == "written"
    [after] = jane_events(simulator)
    assert after["id"] == before["id"] == booking.outlook_event_id
    assert after["start"] == {"dateTime": f"{day}T16:00:00", "timeZone": "Europe/Zurich"}
    assert len(event_requests(simulator, "PATCH")) == 1
    assert event_requests(simulator, "POST") == []
    # Both sides are told; the customer's calendar file replaces the first one.
    [to_customer] = sent("New time: your appointment with Jana Expert", to="jane@example.com")
    [to_expert] = sent("Jane Doe chose a new time", to="expert@example.com")
    assert "The old time is free again." in to_expert.body
    _, moved_file, _ = calendar_file(to_customer)
    assert str(moved_file["UID"]) == str(first_file["UID"]) == f"{booking.uuid}@okomo"
    assert (first_file["SEQUENCE"], moved_file["SEQUENCE"]) == (0, 1)
    assert moved_file.decoded("DTSTART") == zurich(day, 16)
    # The old time is offered again at once, the new one no longer.
    offered = [s["time"] for s in slots(client, expert, day, tz="Europe/Zurich")["days"][str(day)]]
    assert "14:00" in offered
    assert "16:00" not in offered


def test_a_move_to_a_time_just_taken_is_refused_and_the_appointment_keeps_its_time(
    client, connected, simulator, expert, run_effects
):
    day = a_day_ahead()
    booking = accepted(client, expert, zurich(day, 14), run_effects)
    [before] = jane_events(simulator)
    requested(client, expert, zurich(day, 16), name="Max Other", email="max@example.com")
    run_effects()
    simulator.clear_requests()
    mail.outbox.clear()

    refused = client.post(
        local_path(reschedule_url(booking)),
        {"start": iso(zurich(day, 16)), "time_zone": "America/New_York"},
    )
    run_effects()

    assert refused.status_code == 409
    text = refused.content.decode()
    assert "That time is no longer available. Please pick another one." in text
    assert "Your appointment keeps its time." in text
    booking.refresh_from_db()
    assert (booking.start, booking.sequence, booking.status) == (zurich(day, 14), 0, "accepted")
    assert booking.outlook_state == "written"
    assert jane_events(simulator) == [before]
    assert event_requests(simulator, "PATCH") == []
    assert mail.outbox == []


def test_a_move_that_loses_the_race_for_the_new_time_keeps_the_old_one(
    client, connected, simulator, expert, run_effects, monkeypatch
):
    day = a_day_ahead()
    booking = accepted(client, expert, zurich(day, 14), run_effects)
    [before] = jane_events(simulator)
    checked = services._became_busy

    def another_customer_books_meanwhile(expert, offer, start, end):
        Booking.objects.create(
            expert=expert,
            start=start,
            end=end,
            customer_name="Max Other",
            customer_email="max@example.com",
            expires_at=start,
        )
        return checked(expert, offer, start, end)

    monkeypatch.setattr(services, "_became_busy", another_customer_books_meanwhile)
    mail.outbox.clear()

    refused = client.post(
        local_path(reschedule_url(booking)),
        {"start": iso(zurich(day, 16)), "time_zone": "America/New_York"},
    )
    run_effects()

    assert refused.status_code == 409
    assert "That time was just taken, please pick another." in refused.content.decode()
    booking.refresh_from_db()
    assert (booking.start, booking.sequence, booking.outlook_state) == (
        zurich(day, 14),
        0,
        "written",
    )
    assert jane_events(simulator) == [before]
    assert not Effect.objects.filter(kind="bookings.outlook_move").exists()
    assert mail.outbox == []


# --- 5. cancel --------------------------------------------------------------------------------


def test_a_customer_cancel_with_a_reason_mails_the_expert_and_cancels_the_calendar_entry(
    client, connected, simulator, expert, expert_client, run_effects
):
    booking = accepted(client, expert, zurich(a_day_ahead(), 14), run_effects)
    _, first_file, _ = calendar_file(sent(CONFIRMED)[0])
    mail.outbox.clear()

    page = client.post(local_path(cancel_url(booking)), {"reason": "My train was cancelled."})
    run_effects()

    assert page.status_code == 200
    assert "Your appointment is cancelled" in page.content.decode()
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by_customer) == ("cancelled", True)
    assert booking.cancel_reason == "My train was cancelled."
    assert (booking.outlook_state, jane_events(simulator)) == ("removed", [])
    [to_expert] = sent("Jane Doe cancelled the appointment", to="expert@example.com")
    assert "Reason: My train was cancelled." in to_expert.body
    assert "The time is free again." in to_expert.body
    [to_customer] = sent("Your appointment was cancelled", to="jane@example.com")
    calendar, cancelling, content_type = calendar_file(to_customer)
    assert content_type == "text/calendar; method=CANCEL"
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(cancelling["UID"]) == str(first_file["UID"])
    assert str(cancelling["STATUS"]) == "CANCELLED"
    assert cancelling["SEQUENCE"] > first_file["SEQUENCE"]
    assert "My train was cancelled." in expert_page(expert_client)


def test_an_appointment_that_is_over_cannot_be_cancelled(client, bookable, expert, run_effects):
    start = timezone.now() - timedelta(hours=2)
    booking = Booking.objects.create(
        expert=expert,
        start=start,
        end=start + timedelta(minutes=30),
        status=Booking.Status.ACCEPTED,
        customer_name="Jane Doe",
        customer_email="jane@example.com",
        customer_language="en",
        expires_at=start,
    )

    page = client.post(local_path(cancel_url(booking)), {"reason": "Too late."})
    run_effects()

    assert page.status_code == 410
    assert "This appointment is over" in page.content.decode()
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == ("accepted", "")
    assert mail.outbox == []
    with pytest.raises(services.TransitionError):
        services.cancel_booking(booking, now=timezone.now(), by_customer=False)


def test_a_request_is_held_at_most_until_its_start_and_cannot_be_accepted_after(
    client, bookable, expert
):
    BookingSettings.objects.filter(expert=expert).update(request_hold_hours=336)
    booking = requested(client, expert, zurich(a_day_ahead(), 14))

    assert booking.expires_at == booking.start
    with pytest.raises(services.TransitionError):
        services.accept_booking(booking, now=booking.start)
    booking.refresh_from_db()
    assert booking.status == "requested"


def test_an_expired_request_cannot_be_accepted_and_the_expert_is_told_why(
    client, bookable, expert, expert_client, run_effects
):
    booking = requested(client, expert, zurich(a_day_ahead(), 14))
    run_effects()
    mail.outbox.clear()
    Booking.objects.filter(pk=booking.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(services.TransitionError):
        services.accept_booking(booking, now=timezone.now())
    answer = expert_client.post(reverse("bookings:accept", args=[booking.uuid]), follow=True)
    run_effects()

    assert "This request has expired; it can no longer be accepted." in answer.content.decode()
    booking.refresh_from_db()
    assert booking.status in ("requested", "expired")
    assert booking.outlook_state == ""
    assert mail.outbox == []


# --- 6. reminder ----------------------------------------------------------------------------


def reminders():
    return sent(REMINDER)


def test_the_reminder_goes_out_once_a_day_before_with_the_link_and_both_ways_out(
    client, bookable, expert, run_effects
):
    meet(expert, meeting="link", meeting_link=OWN_LINK, reminder_hours=24)
    booking = accepted(client, expert, zurich(a_day_ahead(3), 14), run_effects)

    assert reminders() == []
    run_effects(later=booking.start - timedelta(hours=25))
    assert reminders() == []

    run_effects(later=booking.start - timedelta(hours=23))
    [reminder] = reminders()
    assert reminder.to == ["jane@example.com"]
    assert f"Join: {OWN_LINK}" in reminder.body
    assert links(reminder.body, "reschedule") == [str(booking.uuid)]
    assert links(reminder.body, "cancel") == [str(booking.uuid)]

    run_effects(later=booking.start - timedelta(hours=1))
    assert len(reminders()) == 1


def test_after_a_move_only_the_reminder_for_the_new_time_is_sent(
    client, bookable, expert, run_effects
):
    meet(expert, meeting="link", meeting_link=OWN_LINK)
    old = zurich(a_day_ahead(3), 14)
    new = zurich(a_day_ahead(4), 14)
    booking = accepted(client, expert, old, run_effects)

    services.reschedule_booking(booking, start=new, now=timezone.now(), by_customer=True)
    run_effects(later=old - timedelta(hours=23))
    assert reminders() == []

    run_effects(later=new - timedelta(hours=23))
    run_effects(later=new - timedelta(hours=1))
    assert len(reminders()) == 1
    done = Effect.objects.filter(args__mail="reminder", status="done")
    assert sorted(e.args["start"] for e in done) == sorted([old.isoformat(), new.isoformat()])


def test_an_appointment_booked_closer_than_the_reminder_gets_none(client, expert, run_effects):
    open_every_day(expert, start=time(0), end=time(23, 59))
    meet(expert, meeting="link", meeting_link=OWN_LINK, confirm_automatically=True)
    now = timezone.now()
    start = offered_slots(
        expert, Interval(now + timedelta(hours=2), now + timedelta(hours=6)), now=now
    )[0]
    assert start - now < timedelta(hours=24)

    booking = requested(client, expert, start)
    run_effects(later=start - timedelta(minutes=5))

    assert booking.status == "accepted"
    assert sent(CONFIRMED)
    assert reminders() == []
    assert not Effect.objects.filter(args__mail="reminder").exists()


def test_a_cancelled_appointment_gets_no_reminder(client, bookable, expert, run_effects):
    meet(expert, meeting="link", meeting_link=OWN_LINK)
    booking = accepted(client, expert, zurich(a_day_ahead(3), 14), run_effects)

    services.cancel_booking(booking, now=timezone.now(), by_customer=True)
    run_effects(later=booking.start - timedelta(hours=23))

    assert reminders() == []
    assert sent("Your appointment was cancelled")


# --- 7. a switch of Microsoft accounts -----------------------------------------------------------


def test_after_switching_accounts_upcoming_appointments_are_written_into_the_new_one(
    client, connected, simulator, expert, expert_client, connect_calendar, run_effects
):
    meet(expert, meeting_link=OWN_LINK)
    booking = accepted(client, expert, zurich(a_day_ahead(), 14), run_effects)
    [in_work] = jane_events(simulator, WORK)
    teams_link = booking.join_url
    mail.outbox.clear()

    connect_calendar(expert_client, PERSONAL)
    run_effects()

    booking.refresh_from_db()
    [in_personal] = jane_events(simulator, PERSONAL)
    assert booking.outlook_event_id == in_personal["id"] != in_work["id"]
    assert booking.outlook_state == "written"
    assert booking.previous_outlook_address == WORK
    assert WORK in expert_page(expert_client)
    # No Teams in the personal account: the customer is sent the expert's own link instead.
    assert (booking.join_url, in_personal["location"]["displayName"]) == (OWN_LINK, OWN_LINK)
    [told] = sent("New link: your appointment with Jana Expert", to="jane@example.com")
    assert f"Join: {OWN_LINK}" in told.body
    assert teams_link not in told.body
    _, updated, _ = calendar_file(told)
    assert (str(updated["LOCATION"]), updated["SEQUENCE"]) == (OWN_LINK, 1)

    expert_client.post(reverse("bookings:cancel", args=[booking.uuid]))
    run_effects()

    booking.refresh_from_db()
    assert jane_events(simulator, PERSONAL) == []
    # The copy in the account no longer connected stays, and the expert is told where.
    assert jane_events(simulator, WORK) == [in_work]
    assert (booking.outlook_state, booking.outlook_problem) == ("left_behind", WORK)
    page = expert_page(expert_client)
    assert "still in your previous Outlook calendar: please delete it there" in page
    assert WORK in page


def test_cancelling_after_the_account_was_disconnected_ends_left_behind_never_removed(
    client, connected, simulator, expert, expert_client, run_effects
):
    booking = accepted(client, expert, zurich(a_day_ahead(), 14), run_effects)
    [in_work] = jane_events(simulator, WORK)

    expert_client.post(reverse("calendars:disconnect", args=[connected.uuid]))
    expert_client.post(reverse("bookings:cancel", args=[booking.uuid]))
    run_effects()

    booking.refresh_from_db()
    assert (booking.outlook_state, booking.outlook_problem) == ("left_behind", WORK)
    assert jane_events(simulator, WORK) == [in_work]
    page = expert_page(expert_client)
    assert "still in your previous Outlook calendar: please delete it there" in page
    assert "removed from your Outlook calendar" not in page


def test_a_cancel_before_the_new_account_got_the_event_names_the_old_account(
    client, connected, simulator, expert, expert_client, connect_calendar, run_effects
):
    booking = accepted(client, expert, zurich(a_day_ahead(), 14), run_effects)
    [in_work] = jane_events(simulator, WORK)
    simulator.clear_requests()

    connect_calendar(expert_client, PERSONAL)  # the rewrite into PERSONAL is not done yet
    expert_client.post(reverse("bookings:cancel", args=[booking.uuid]))
    run_effects()

    booking.refresh_from_db()
    assert jane_events(simulator, PERSONAL) == []
    assert jane_events(simulator, WORK) == [in_work]
    assert (booking.outlook_state, booking.outlook_problem) == ("left_behind", WORK)
    # Nothing was deleted with the old account's event id in the new account's mailbox.
    assert event_requests(simulator, "DELETE") == []
    assert "still in your previous Outlook calendar: please delete it there" in expert_page(
        expert_client
    )


def test_reconnecting_the_account_that_holds_the_events_catches_up_what_was_left_behind(
    client, connected, simulator, expert, expert_client, connect_calendar, run_effects
):
    day = a_day_ahead()
    moved = accepted(client, expert, zurich(day, 10), run_effects)
    gone = Booking.objects.get(pk=accepted(client, expert, zurich(day, 14), run_effects).pk)
    [gone_event] = [e for e in jane_events(simulator) if e["id"] == gone.outlook_event_id]
    expert_client.post(reverse("calendars:disconnect", args=[connected.uuid]))
    services.reschedule_booking(moved, start=zurich(day, 11), now=timezone.now(), by_customer=True)
    services.cancel_booking(gone, now=timezone.now(), by_customer=False)
    run_effects()
    assert set(Booking.objects.values_list("outlook_state", flat=True)) == {"left_behind"}

    connect_calendar(expert_client, WORK)
    run_effects()

    moved.refresh_from_db()
    gone.refresh_from_db()
    [event] = jane_events(simulator)
    assert event["id"] == moved.outlook_event_id != gone_event["id"]
    assert event["start"] == {"dateTime": f"{day}T11:00:00", "timeZone": "Europe/Zurich"}
    assert (moved.outlook_state, moved.outlook_problem) == ("written", "")
    assert (gone.outlook_state, gone.outlook_problem) == ("removed", "")


def test_a_teams_link_made_only_after_reconnecting_is_sent_to_the_customer(
    client, connected, simulator, expert, expert_client, connect_calendar, run_effects
):
    simulator.revoke(WORK)
    booking = accepted(client, expert, zurich(a_day_ahead(), 14), run_effects)
    assert (booking.outlook_state, booking.join_url) == ("write_failed", "")
    [confirmation] = sent(CONFIRMED, to="jane@example.com")
    assert "The expert will send you the link." in confirmation.body

    connect_calendar(expert_client, WORK)
    run_effects()

    booking.refresh_from_db()
    [event] = jane_events(simulator)
    assert booking.join_url == event["onlineMeeting"]["joinUrl"]
    [told] = sent("New link: your appointment with Jana Expert", to="jane@example.com")
    assert f"Join: {booking.join_url}" in told.body
    assert len(sent(CONFIRMED)) == 1

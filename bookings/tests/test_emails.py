"""The mails about a booking and the calendar file they carry, as the recipient reads them."""

from datetime import UTC, datetime, timedelta
from functools import partial
from urllib.parse import urlsplit

import pytest
from django.urls import resolve
from icalendar import Calendar

from bookings import emails
from bookings.cancel_links import booking_uuid_from
from bookings.models import Booking
from bookings.tests.conftest import booking_at

pytestmark = pytest.mark.django_db

# Wednesday 12 March 2031: New York already on summer time (EDT, UTC-4), Zurich not (CET).
START = datetime(2031, 3, 12, 14, 0, tzinfo=UTC)
TEAMS_LINK = (
    "https://teams.microsoft.com/l/meetup-join/19%3ameeting_Zm9v%40thread.v2/0?context=%7b%7d"
)
OWN_LINK = "https://meet.jit.si/okomo-jana"

CUSTOMER_MAILS = [
    "request_received",
    "accepted",
    "declined",
    "cancelled",
    "rescheduled",
    "reminder",
]
EXPERT_MAILS = ["new_request", "cancelled_by_customer", "rescheduled_expert"]
# The ones that tell the customer how to meet: the appointment stands.
APPOINTMENT_MAILS = ["accepted", "rescheduled", "reminder"]


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://okomo.example"
    settings.DEFAULT_FROM_EMAIL = "Okomo <no-reply@okomo.example>"


a_booking = partial(booking_at, start=START, join_url=OWN_LINK)


def calendar_of(message):
    """The message's .ics, parsed, and the method in its Content-Type."""
    [(name, text, content_type)] = message.attachments
    assert name == "okomo-appointment.ics"
    parsed = Calendar.from_ical(text)
    return parsed, content_type


def the_event(calendar):
    [event] = calendar.walk("VEVENT")
    return event


def path_of(url):
    return urlsplit(url).path


def links_in(body, prefix):
    return [word for word in body.split() if word.startswith(prefix)]


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("name", CUSTOMER_MAILS)
def test_each_customer_mail_goes_to_the_customer_in_their_language_and_time_zone(
    expert, name, language
):
    booking = a_booking(expert, customer_language=language)

    message = emails.MAILS[name](booking)

    assert message.to == ["jane@example.com"]
    assert message.subject
    body = message.body
    assert "New York (UTC" in body
    if language == "en":
        assert "Hello Jane Doe," in body
        assert "Wednesday, March 12, 2031, 10 a.m.–10:30 a.m." in body
    else:
        assert "Hallo Jane Doe," in body
        assert "Mittwoch, 12. März 2031, 10:00–10:30" in body


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("name", EXPERT_MAILS)
def test_each_expert_mail_goes_to_the_expert_in_their_language_and_time_zone(
    expert, name, language
):
    expert.language = language
    expert.save()
    booking = a_booking(expert, cancel_reason="I found another advisor.")

    message = emails.MAILS[name](booking)

    assert message.to == ["expert@example.com"]
    assert "Jane Doe" in message.subject
    assert "jane@example.com" in message.body
    assert "· Zurich (UTC+1)" in message.body or "· Zürich (UTC+1)" in message.body
    assert "https://okomo.example/settings/bookings/" in message.body
    if language == "en":
        assert "Hello Jana Expert," in message.body
        assert "Wednesday, March 12, 2031, 3 p.m.–3:30 p.m." in message.body
    else:
        assert "Hallo Jana Expert," in message.body
        assert "Mittwoch, 12. März 2031, 15:00–15:30" in message.body


@pytest.mark.parametrize(
    ("meeting", "join_url", "phone", "says"),
    [
        ("teams", TEAMS_LINK, "", f"Join: {TEAMS_LINK}"),
        ("link", OWN_LINK, "", f"Join: {OWN_LINK}"),
        ("phone", "", "+41 44 123 45 67", "Jana Expert will call you at +41 44 123 45 67."),
        ("teams", "", "", "The expert will send you the link."),
    ],
)
@pytest.mark.parametrize("name", APPOINTMENT_MAILS)
def test_every_appointment_mail_says_how_to_meet(expert, name, meeting, join_url, phone, says):
    booking = a_booking(expert, meeting=meeting, join_url=join_url, customer_phone=phone)

    message = emails.MAILS[name](booking)

    assert says in message.body


def test_a_teams_request_promises_the_link_with_the_confirmation(expert):
    booking = a_booking(expert, status=Booking.Status.REQUESTED, meeting="teams", join_url="")

    message = emails.request_received(booking)

    assert "The link to join follows with the confirmation." in message.body
    assert "The expert will send you the link." not in message.body


@pytest.mark.parametrize("name", ["request_received", *APPOINTMENT_MAILS])
def test_customer_mails_carry_a_working_reschedule_link_beside_the_cancel_link(expert, name):
    booking = a_booking(expert)

    body = emails.MAILS[name](booking).body

    [move] = links_in(body, "https://okomo.example/booking/reschedule/")
    [cancel] = links_in(body, "https://okomo.example/booking/cancel/")
    moving, cancelling = resolve(path_of(move)), resolve(path_of(cancel))
    assert moving.view_name == "bookings:customer_reschedule"
    assert cancelling.view_name == "bookings:customer_cancel"
    assert booking_uuid_from(moving.kwargs["token"]) == str(booking.uuid)
    assert "Need another time?" in body


def test_an_automatic_confirmation_tells_the_expert_there_is_nothing_to_answer(expert):
    booking = a_booking(expert)

    message = emails.new_request(booking, confirmed=True)

    assert message.subject == "New appointment with Jane Doe (confirmed automatically)"
    assert "New appointment (confirmed automatically) with Jane Doe (jane@example.com):" in (
        message.body
    )
    assert "Accept or decline" not in message.body


def test_a_request_asks_the_expert_to_accept_or_decline(expert):
    booking = a_booking(expert, status=Booking.Status.REQUESTED, customer_message="About taxes")

    message = emails.new_request(booking)

    assert message.subject == "New appointment request from Jane Doe"
    assert "Accept or decline: https://okomo.example/settings/bookings/" in message.body
    assert "About taxes" in message.body


def test_the_expert_who_calls_is_given_the_number(expert):
    booking = a_booking(expert, meeting="phone", join_url="", customer_phone="+1 212 555 0100")

    for message in (emails.new_request(booking), emails.rescheduled_expert(booking)):
        assert "Please call them at +1 212 555 0100." in message.body


def test_the_expert_learns_who_cancelled_and_why(expert):
    booking = a_booking(
        expert,
        status=Booking.Status.CANCELLED,
        cancelled_by_customer=True,
        cancel_reason="I found another advisor.",
        sequence=1,
    )

    message = emails.cancelled_by_customer(booking)

    assert message.to == ["expert@example.com"]
    assert message.subject == "Jane Doe cancelled the appointment"
    assert "Jane Doe (jane@example.com) cancelled this appointment:" in message.body
    assert "Reason: I found another advisor." in message.body
    assert not message.attachments


def test_a_customer_move_tells_the_expert_only_the_new_time(expert):
    booking = a_booking(expert, sequence=1)

    message = emails.rescheduled_expert(booking)

    assert message.subject == "Jane Doe chose a new time"
    assert "Jane Doe (jane@example.com) chose a new time:" in message.body
    assert "3 p.m.–3:30 p.m." in message.body


def test_a_cancelled_appointment_mail_gives_the_reason_and_a_cancelling_calendar_file(expert):
    booking = a_booking(
        expert, status=Booking.Status.CANCELLED, cancel_reason="I am ill, sorry.", sequence=1
    )

    message = emails.cancelled(booking, by_customer=False, was_appointment=True)

    assert message.subject == "Your appointment was cancelled"
    assert "Jana Expert had to cancel this appointment:" in message.body
    assert "Reason: I am ill, sorry." in message.body
    calendar, content_type = calendar_of(message)
    assert content_type == "text/calendar; method=CANCEL"
    assert calendar["METHOD"] == "CANCEL"
    event = the_event(calendar)
    assert event["STATUS"] == "CANCELLED"
    assert event["UID"] == f"{booking.uuid}@okomo"
    assert event["SEQUENCE"] == 1
    assert event["DESCRIPTION"] == "Reason: I am ill, sorry."


def test_a_cancelled_request_carries_no_calendar_file(expert):
    booking = a_booking(expert, status=Booking.Status.CANCELLED, sequence=1)

    message = emails.cancelled(booking, by_customer=True, was_appointment=False)

    assert message.subject == "Your request was cancelled"
    assert "As you asked, your request was cancelled:" in message.body
    assert "Reason" not in message.body
    assert not message.attachments


def test_a_moved_request_carries_no_calendar_file(expert):
    booking = a_booking(expert, status=Booking.Status.REQUESTED, sequence=1)

    message = emails.rescheduled(booking)

    assert "Your request to Jana Expert has a new time:" in message.body
    assert not message.attachments


def test_a_reminder_carries_time_link_and_both_ways_out(expert):
    booking = a_booking(expert, meeting="teams", join_url=TEAMS_LINK)

    message = emails.reminder(booking)

    assert message.subject == "Reminder: your appointment with Jana Expert"
    assert "A reminder of your appointment with Jana Expert:" in message.body
    assert f"Join: {TEAMS_LINK}" in message.body
    assert "/booking/reschedule/" in message.body
    assert "/booking/cancel/" in message.body


def test_one_calendar_entry_follows_the_appointment_from_accept_through_move_to_cancel(expert):
    booking = a_booking(expert, meeting="teams", join_url=TEAMS_LINK)

    accepted = emails.accepted(booking)
    booking.start, booking.end = START + timedelta(days=1), START + timedelta(days=1, minutes=30)
    booking.sequence += 1
    booking.save()
    moved = emails.rescheduled(booking)
    booking.status = Booking.Status.CANCELLED
    booking.sequence += 1
    booking.save()
    cancelled = emails.cancelled(booking, by_customer=True, was_appointment=True)

    files = [calendar_of(m) for m in (accepted, moved, cancelled)]
    assert [content_type for _, content_type in files] == [
        "text/calendar; method=REQUEST",
        "text/calendar; method=REQUEST",
        "text/calendar; method=CANCEL",
    ]
    assert [c["METHOD"] for c, _ in files] == ["REQUEST", "REQUEST", "CANCEL"]
    events = [the_event(c) for c, _ in files]
    assert {e["UID"] for e in events} == {f"{booking.uuid}@okomo"}
    assert [e["SEQUENCE"] for e in events] == [0, 1, 2]
    assert [e["STATUS"] for e in events] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert [e.decoded("DTSTART") for e in events] == [
        START,
        START + timedelta(days=1),
        START + timedelta(days=1),
    ]
    assert "Your appointment with Jana Expert has a new time:" in moved.body
    assert "Thursday, March 13, 2031, 10 a.m." in moved.body


def test_the_calendar_file_carries_the_join_link_people_and_links(expert):
    booking = a_booking(expert, meeting="teams", join_url=TEAMS_LINK, sequence=3)

    calendar, _ = calendar_of(emails.accepted(booking))

    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//Okomo//Bookings//EN"
    event = the_event(calendar)
    assert event["LOCATION"] == TEAMS_LINK
    assert event["URL"] == TEAMS_LINK
    assert event["SUMMARY"] == "Appointment with Jana Expert"
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + timedelta(minutes=30)
    assert event.decoded("DTSTART").tzinfo is not None
    assert event["DTSTAMP"]
    description = str(event["DESCRIPTION"])
    assert f"Join: {TEAMS_LINK}" in description
    assert "https://okomo.example/booking/reschedule/" in description
    assert "https://okomo.example/booking/cancel/" in description
    assert event["ORGANIZER"] == "mailto:no-reply@okomo.example"
    assert event["ORGANIZER"].params["CN"] == "Jana Expert"
    assert event["ATTENDEE"] == "mailto:jane@example.com"
    assert event["ATTENDEE"].params["CN"] == "Jane Doe"
    assert event["ATTENDEE"].params["RSVP"] == "FALSE"


@pytest.mark.parametrize(
    ("meeting", "join_url", "location"),
    [("phone", "", "Phone"), ("teams", "", "Online"), ("link", OWN_LINK, OWN_LINK)],
)
def test_the_calendar_file_says_where_without_a_teams_link(expert, meeting, join_url, location):
    booking = a_booking(expert, meeting=meeting, join_url=join_url, customer_phone="+1 555 0100")

    event = the_event(calendar_of(emails.accepted(booking))[0])

    assert event["LOCATION"] == location
    assert ("URL" in event) == bool(join_url)


def test_times_across_the_spring_change_are_local_in_the_mail_and_utc_in_the_file(expert):
    # Sunday 30 March 2031: Berlin moves from UTC+1 to UTC+2 at 01:00 UTC.
    start = datetime(2031, 3, 30, 9, 0, tzinfo=UTC)
    booking = a_booking(
        expert,
        start=start,
        end=start + timedelta(minutes=30),
        customer_language="de",
        customer_time_zone="Europe/Berlin",
    )

    message = emails.accepted(booking)

    assert "Sonntag, 30. März 2031, 11:00–11:30 · Berlin (UTC+2)" in message.body
    assert "DTSTART:20310330T090000Z" in message.attachments[0][1]


@pytest.mark.parametrize(
    ("name", "args"),
    [
        *[(name, {}) for name in emails.MAILS],
        ("new_request", {"confirmed": True}),
        ("cancelled", {"by_customer": True, "was_appointment": True}),
    ],
)
def test_line_breaks_in_names_reach_neither_a_subject_nor_the_calendar_file(expert, name, args):
    expert.display_name = "Jana\r\nBcc: victim@example.com"
    expert.save()
    booking = a_booking(
        expert,
        customer_name="Jane\r\nBcc: victim@example.com",
        cancel_reason="Sorry\r\nBcc: victim@example.com",
    )

    message = emails.MAILS[name](booking, **args)

    assert "\n" not in message.subject
    assert "\r" not in message.subject
    raw = message.message()  # raises BadHeaderError on a line break in a header
    assert "victim@example.com" not in raw.get_all("Bcc", [])
    for attachment in message.attachments:
        event = the_event(Calendar.from_ical(attachment[1]))
        assert event["ORGANIZER"].params["CN"] == "Jana Bcc: victim@example.com"
        assert event["ATTENDEE"].params["CN"] == "Jane Bcc: victim@example.com"


def test_the_calendar_part_of_the_mail_is_an_invitation_a_calendar_understands(expert):
    booking = a_booking(expert)

    raw = emails.accepted(booking).message()

    [part] = [p for p in raw.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "okomo-appointment.ics"
    assert Calendar.from_ical(part.get_payload(decode=True))["METHOD"] == "REQUEST"


def test_an_unknown_calendar_method_is_refused(expert):
    with pytest.raises(ValueError, match="PUBLISH"):
        emails.ics(a_booking(expert), method="PUBLISH")

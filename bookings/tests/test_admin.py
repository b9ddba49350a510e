"""Staff look bookings up in the admin, but change them only through the services."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from bookings.models import Booking
from bookings.tests.conftest import booking_at
from calendars.tests import test_admin_health

pytestmark = pytest.mark.django_db

# The staff member (Europe/Zurich) and their signed-in client, shared with the calendar admin.
staff = test_admin_health.staff
staff_client = test_admin_health.staff_client

BOOKINGS = reverse("admin:bookings_booking_changelist")
# The last Sunday of October 2026: Zurich goes back to winter time at 01:00 UTC.
BEFORE_SWITCH = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
AFTER_SWITCH = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET


@pytest.fixture
def bookings(expert, other_expert):
    return {
        "jane": booking_at(expert, start=BEFORE_SWITCH, outlook_state="written"),
        "max": booking_at(
            other_expert,
            start=AFTER_SWITCH,
            status=Booking.Status.REQUESTED,
            customer_name="Max Muster",
            customer_email="max@example.org",
            outlook_state="",
        ),
        "lea": booking_at(
            expert,
            start=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
            status=Booking.Status.CANCELLED,
            customer_name="Lea Lang",
            customer_email="lea@example.net",
            outlook_state="remove_failed",
        ),
    }


def rows(page):
    return page.split('id="result_list"', 1)[1].split("</table>", 1)[0]


def test_the_list_shows_customer_expert_start_in_the_staff_zone_status_and_outlook(
    staff_client, bookings
):
    page = staff_client.get(BOOKINGS).content.decode()

    listed = rows(page)
    assert "Jane Doe &lt;jane@example.com&gt;" in listed
    assert "Jana Expert" in listed or "expert@example.com" in listed
    assert "Start <br>(Europe/Zurich)" in listed
    # Both 02:30 local: once in summer time, once in winter time, an hour apart.
    assert listed.count("2026-10-25 02:30") == 2
    assert "in your Outlook calendar" in listed
    assert "could not be removed from your Outlook calendar" in listed


def test_search_by_customer_email_finds_only_that_customer(staff_client, bookings):
    listed = rows(staff_client.get(BOOKINGS, {"q": "max@example.org"}).content.decode())

    assert "Max Muster" in listed
    assert "Jane Doe" not in listed
    assert "Lea Lang" not in listed


@pytest.mark.parametrize(
    ("query", "found", "absent"),
    [
        ({"status__exact": "requested"}, "Max Muster", "Jane Doe"),
        ({"outlook_state__exact": "remove_failed"}, "Lea Lang", "Max Muster"),
        ({"outlook_state__exact": "written"}, "Jane Doe", "Lea Lang"),
    ],
)
def test_filters_by_status_and_outlook_state(staff_client, bookings, query, found, absent):
    listed = rows(staff_client.get(BOOKINGS, query).content.decode())

    assert found in listed
    assert absent not in listed


def test_a_booking_can_be_seen_but_not_changed_added_or_deleted(staff_client, bookings):
    booking = bookings["jane"]
    change = reverse("admin:bookings_booking_change", args=[booking.pk])

    page = staff_client.get(change).content.decode()
    posted = staff_client.post(change, {"status": "cancelled", "start_0": "2030-01-01"})

    assert "2026-10-25 02:30 (Europe/Zurich)" in page
    assert 'name="start' not in page
    assert 'name="status"' not in page
    assert posted.status_code == 403
    booking.refresh_from_db()
    assert (booking.status, booking.start) == (Booking.Status.ACCEPTED, BEFORE_SWITCH)
    delete = reverse("admin:bookings_booking_delete", args=[booking.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert staff_client.get(reverse("admin:bookings_booking_add")).status_code == 403
    listing = staff_client.get(BOOKINGS).content.decode()
    assert "delete_selected" not in listing
    assert Booking.objects.count() == 3


def test_an_expert_without_staff_rights_cannot_open_the_bookings_admin(client, expert, bookings):
    client.force_login(expert)

    response = client.get(BOOKINGS)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_outbox_effects_are_read_only_and_filter_by_status_and_kind(staff_client, bookings):
    from django.utils import timezone

    from outbox.models import Effect

    effect = Effect.objects.create(
        kind="bookings.outlook_remove",
        subject_id=bookings["lea"].pk,
        status="failed",
        next_attempt_at=timezone.now(),
        last_error="Microsoft answered 503",
    )
    Effect.objects.create(
        kind="bookings.mail", subject_id=1, status="done", next_attempt_at=timezone.now()
    )
    effects = reverse("admin:outbox_effect_changelist")

    failed = rows(staff_client.get(effects, {"status__exact": "failed"}).content.decode())
    mails = rows(staff_client.get(effects, {"kind": "bookings.mail"}).content.decode())
    change = reverse("admin:outbox_effect_change", args=[effect.pk])

    assert "Microsoft answered 503" in failed
    assert "bookings.mail" not in failed
    assert "bookings.mail" in mails
    assert "Next attempt <br>(Europe/Zurich)" in failed
    assert staff_client.post(change, {"status": "pending"}).status_code == 403
    delete = reverse("admin:outbox_effect_delete", args=[effect.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    effect.refresh_from_db()
    assert effect.status == "failed"

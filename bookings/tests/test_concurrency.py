"""Twenty customers race for one slot: the database lets exactly one of them have it."""

import threading

import pytest
from django.db import connections
from django.utils import timezone

from bookings import services
from bookings.models import Booking
from bookings.tests.conftest import a_day_ahead, zurich

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_parallel_requests_for_one_slot_hold_it_exactly_once(bookable):
    start = zurich(a_day_ahead(), 14)
    barrier = threading.Barrier(20)
    outcomes = []

    def customer(n):
        try:
            barrier.wait()
            services.request_booking(
                bookable,
                start=start,
                customer=services.Customer(
                    name=f"Customer {n}",
                    email=f"c{n}@example.com",
                    message="",
                    language="en",
                    time_zone="UTC",
                ),
                now=timezone.now(),
            )
            outcomes.append("held")
        except services.BookingError as exc:
            outcomes.append(exc.reason)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=customer, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("held") == 1
    assert set(outcomes) - {"held"} <= {"not_offered", "taken"}
    assert len(outcomes) == 20
    assert Booking.objects.filter(status="requested").count() == 1


@pytest.mark.skipif(
    connections["default"].vendor != "postgresql", reason="exclusion constraints are PostgreSQL's"
)
def test_postgresql_itself_refuses_overlapping_live_bookings(bookable):
    from datetime import timedelta

    from django.db import IntegrityError, transaction

    start = zurich(a_day_ahead(), 14)
    fields = {"expert": bookable, "customer_name": "A", "customer_email": "a@example.com"}
    Booking.objects.create(start=start, end=start + timedelta(minutes=30), **fields)
    Booking.objects.create(  # a declined one does not hold its time
        start=start, end=start + timedelta(minutes=30), status="declined", **fields
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            start=start + timedelta(minutes=15), end=start + timedelta(minutes=45), **fields
        )

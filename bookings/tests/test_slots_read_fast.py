"""The slots a customer sees are the same whether busy times come packed or from the rows,
and the answer's texts are those strftime would write."""

import json
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bookings.models import BookingSettings
from bookings.offer import offered_slots
from bookings.views import _SlotTexts
from calendars import sync
from calendars.models import BusyInterval, CalendarConnection
from okomo.intervals import Interval

from .conftest import booking_at, open_every_day


@pytest.fixture
def synced(expert):
    open_every_day(expert)
    BookingSettings.objects.filter(expert=expert).update(
        buffer_before_minutes=10, buffer_after_minutes=20, slot_step_minutes=10
    )
    connection = CalendarConnection.objects.create(
        expert=expert,
        account_oid="oid",
        account_tid="tid",
        home_account_id="oid.tid",
        account_address="jana@contoso.example",
        account_kind="work",
        token_cache="",
    )
    now = timezone.now()
    rng = random.Random(11)
    busy = []
    for _ in range(300):
        start = now + timedelta(minutes=5 * rng.randrange(12 * 24 * 30))
        busy.append(Interval(start, start + timedelta(minutes=5 * rng.randrange(1, 24))))
    sync.store_busy_intervals(connection, busy, now=now)
    for day in range(1, 20, 3):
        booking_at(expert, start=(now + timedelta(days=day)).replace(second=0, microsecond=0))
    return connection


@pytest.mark.django_db
def test_packed_busy_times_give_the_same_slots_as_the_rows(expert, synced):
    now = timezone.now()
    window = Interval(now, now + timedelta(days=40))
    expert = type(expert).objects.select_related("booking_settings").get(pk=expert.pk)

    from_packed = offered_slots(expert, window, now=now)
    CalendarConnection.objects.filter(pk=synced.pk).update(busy_fingerprint="")  # rows now
    from_rows = offered_slots(expert, window, now=now)
    BusyInterval.objects.filter(connection=synced).delete()
    without_busy = offered_slots(expert, window, now=now)

    assert from_packed == from_rows
    assert 0 < len(from_packed) < len(without_busy)  # the busy times did block some


@pytest.mark.django_db
def test_the_slots_answer_lists_what_offered_slots_finds(client, expert, synced):
    now = timezone.now()
    zone = ZoneInfo("America/New_York")
    first = now.astimezone(zone).date()
    answer = client.get(
        "/book/jana/slots.json",
        {
            "from": first.isoformat(),
            "to": (first + timedelta(days=30)).isoformat(),
            "tz": str(zone),
        },
    )
    body = json.loads(answer.content)
    expert = type(expert).objects.get(pk=expert.pk)  # with the buffers set above

    listed = [s["start"] for slots in body["days"].values() for s in slots]
    window = Interval(
        datetime.combine(first, datetime.min.time(), tzinfo=zone),
        datetime.combine(first + timedelta(days=30), datetime.min.time(), tzinfo=zone),
    )
    assert listed == [
        s.strftime("%Y-%m-%dT%H:%M:%SZ") for s in offered_slots(expert, window, now=now)
    ]
    assert body["expert"] == {"name": "Jana Expert", "time_zone": "Europe/Zurich"}


@pytest.mark.parametrize("zone_name", ["Europe/Zurich", "America/St_Johns", "Asia/Kathmandu"])
def test_slot_texts_match_strftime_across_daylight_saving_changes(zone_name):
    zone = ZoneInfo(zone_name)
    texts = _SlotTexts(zone)
    start = int(datetime(2026, 3, 1, tzinfo=UTC).timestamp())
    for seconds in range(start, start + 300 * 86400, 7 * 60 * 60 + 5 * 60):
        moment = datetime.fromtimestamp(seconds, UTC)
        local = moment.astimezone(zone)
        assert texts.utc(seconds) == moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert texts.local(seconds) == (local.date().isoformat(), local.strftime("%H:%M"))

"""The slots a customer sees are the same whether busy times come packed or from the rows,
whether the slots answer reads them in its one statement or offered_seconds reads them, and
the answer's texts are those json.dumps and strftime would write."""

import json
import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingSettings, DateException
from bookings.offer import offered_seconds, offered_slots, page_of
from bookings.views import _days_text
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


def _plain_days(seconds, zone):
    """The answer's "days" written the plain way, one datetime per start time."""
    days = {}
    for seconds_ in seconds:
        moment = datetime.fromtimestamp(seconds_, UTC)
        local = moment.astimezone(zone)
        days.setdefault(local.date().isoformat(), []).append(
            {"start": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "time": local.strftime("%H:%M")}
        )
    return json.dumps(days)


@pytest.mark.parametrize(
    "zone_name",
    # Daylight-saving changes; a half-hour offset; a 45-minute one; a change at midnight.
    ["Europe/Zurich", "America/St_Johns", "Asia/Kathmandu", "America/Santiago", "UTC"],
)
def test_the_days_text_is_what_json_dumps_writes_across_daylight_saving_changes(zone_name):
    zone = ZoneInfo(zone_name)
    start = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    grid = list(range(start, start + 400 * 86400, 15 * 60))  # every quarter hour for 400 days
    odd = list(range(start, start + 400 * 86400, 7 * 60 * 60 + 5 * 60 + 17))  # any second
    assert _days_text(grid, zone) == _plain_days(grid, zone)
    assert _days_text(odd, zone) == _plain_days(odd, zone)
    assert _days_text([], zone) == _plain_days([], zone) == "{}"


@pytest.fixture
def everything(expert, synced):
    """Beside the busy times and bookings of `synced`: date exceptions of every kind and
    bookings in every state, some of which hold their time and some not."""
    now = timezone.now()
    today = now.astimezone(expert.zone).date()
    DateException.objects.create(expert=expert, date=today + timedelta(days=2))  # day off
    for start, end in [(time(7), time(8)), (time(12), time(13, 10))]:
        DateException.objects.create(
            expert=expert, date=today + timedelta(days=5), start=start, end=end
        )
    DateException.objects.create(  # outside every window below
        expert=expert, date=today + timedelta(days=400), start=time(1), end=time(2)
    )
    # Past the synced busy times (30 days), on one open day.
    day = today + timedelta(days=35)
    for i, (status, expires) in enumerate(
        [
            (Booking.Status.REQUESTED, now + timedelta(hours=1)),  # holds its time
            (Booking.Status.REQUESTED, now - timedelta(minutes=1)),  # expired: does not
            (Booking.Status.REQUESTED, None),
            (Booking.Status.DECLINED, now + timedelta(days=9)),
            (Booking.Status.CANCELLED, now + timedelta(days=9)),
            (Booking.Status.EXPIRED, now + timedelta(days=9)),
            (Booking.Status.ACCEPTED, None),
        ]
    ):
        start = datetime.combine(day, time(9 + i, 7, 7), tzinfo=expert.zone)  # off the grid
        booking_at(expert, start=start, status=status, expires_at=expires)
    return synced


@pytest.mark.django_db
@pytest.mark.parametrize("trusted", [True, False], ids=["packed", "rows"])
@pytest.mark.parametrize("buffers", [(10, 20), (5000, 0), (0, 5000)])
def test_the_answers_one_statement_finds_what_offered_seconds_finds(
    expert, everything, trusted, buffers
):
    if not trusted:
        CalendarConnection.objects.filter(pk=everything.pk).update(busy_fingerprint="")
    # Buffers of three days and more: past the validators, not past the database.
    before, after = buffers
    BookingSettings.objects.filter(expert=expert).update(
        minimum_notice_minutes=600, buffer_before_minutes=before, buffer_after_minutes=after
    )
    expert = type(expert).objects.get(pk=expert.pk)
    now = timezone.now()
    today = now.date()
    windows = [
        (ZoneInfo(zone), today + timedelta(days=first), today + timedelta(days=last))
        for zone in ("Europe/Zurich", "Pacific/Kiritimati", "Pacific/Pago_Pago")
        for first, last in [
            (-1, 92),
            (0, 1),
            (2, 3),
            (5, 6),
            (3, 40),
            (33, 34),
            (35, 36),
            (38, 39),
            (32, 33),
        ]
    ]
    found = 0
    for zone, first, last in windows:
        window = Interval(
            datetime.combine(first, time(0), tzinfo=zone),
            datetime.combine(last, time(0), tzinfo=zone),
        )
        page = page_of(expert.pk, window, now=now)

        assert page.seconds == offered_seconds(expert, window, now=now), (zone, first, last)
        assert (page.name, page.time_zone) == ("Jana Expert", "Europe/Zurich")
        found += len(page.seconds)
    assert found > 500


@pytest.mark.django_db
def test_the_answers_one_statement_without_a_connection_or_settings(expert):
    now = timezone.now()
    window = Interval(now, now + timedelta(days=30))

    assert page_of(expert.pk, window, now=now).seconds == []  # no hours yet
    assert BookingSettings.objects.filter(expert=expert).exists()  # made, as settings_for does
    open_every_day(expert)
    assert page_of(expert.pk, window, now=now).seconds == offered_seconds(expert, window, now=now)
    page = page_of(expert.pk, window, now=now)
    assert len(page.seconds) > 100
    stored = BookingSettings.objects.get(expert=expert)
    assert (page.offer.settings.pk, page.offer.settings.expert_id) == (stored.pk, expert.pk)
    assert page.offer.settings.meeting == stored.meeting  # not read: loaded on access

    type(expert).objects.filter(pk=expert.pk).update(is_active=False)
    assert page_of(expert.pk, window, now=now) is None

"""Whatever a stranger sends, the answer is a 4xx with a sentence, never a 500."""

import random
import string
from datetime import date, timedelta
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings import emails
from bookings.models import Booking, DateException
from bookings.tests.conftest import a_day_ahead, zurich

pytestmark = pytest.mark.django_db

PICK = "Please pick a time from the list."
ONE_LINE = "Please write this on one line, without control characters."
SEED = 8_4  # issue 8, item 4: a fixed seed, so a failure repeats exactly


def request_form(when, **overrides):
    return {
        "start": when if isinstance(when, str) else when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "time_zone": "Europe/Zurich",
        "name": "Jane Doe",
        "email": "jane@example.com",
        "message": "About my pension.",
        "language": "en",
        **overrides,
    }


@pytest.fixture
def no_rate_limit(settings):
    """The fuzz loop sends hundreds of requests from one address to one page."""
    settings.BOOKING_REQUESTS_PER_HOUR = 1_000_000
    settings.BOOKING_REQUESTS_PER_EXPERT_PER_HOUR = 1_000_000


def today():
    return timezone.now().date()


# --- slots.json ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"from": "9999-12-31"}, "invalid_range"),
        ({"from": "9999-12-01", "to": "9999-12-31"}, "invalid_range"),
        ({"from": "0001-01-01"}, "invalid_range"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "invalid_range"),
        ({"to": "9999-12-31"}, "invalid_range"),
        ({"to": "0001-01-01"}, "invalid_range"),
        ({"from": "10000-01-01"}, "invalid_date"),
        ({"from": "0000-01-01"}, "invalid_date"),
        ({"from": "2026-02-30"}, "invalid_date"),
        ({"from": ""}, "invalid_date"),
        ({"from": "\x00"}, "invalid_date"),
        ({"from": "x" * 10_000}, "invalid_date"),
    ],
)
def test_slots_outside_any_sane_range_are_refused_with_a_reason(
    client, bookable, expert, params, error
):
    answer = client.get(reverse("bookings:slots", args=[expert.slug]), params)

    assert answer.status_code == 400
    assert answer.json()["error"] == error
    assert answer.json()["detail"]


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (-400, -380),  # more than a year back
        (2 * 366, 2 * 366 + 10),  # beyond two years ahead
        (2 * 366 - 10, 2 * 366 + 10),  # ends beyond two years ahead
    ],
)
def test_slots_far_from_today_are_refused(client, bookable, expert, first, last):
    params = {
        "from": (today() + timedelta(days=first)).isoformat(),
        "to": (today() + timedelta(days=last)).isoformat(),
    }

    answer = client.get(reverse("bookings:slots", args=[expert.slug]), params)

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_range"


def test_slots_for_longer_than_the_longest_horizon_are_refused(client, bookable, expert):
    # 93 days: today to the end of the second month after this one, from a day earlier.
    params = {"from": today().isoformat(), "to": (today() + timedelta(days=94)).isoformat()}

    answer = client.get(reverse("bookings:slots", args=[expert.slug]), params)

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_range"


@pytest.mark.parametrize(("first", "last"), [(-300, -280), (0, 93), (600, 620)])
def test_slots_within_the_bounds_are_answered(client, bookable, expert, first, last):
    params = {
        "from": (today() + timedelta(days=first)).isoformat(),
        "to": (today() + timedelta(days=last)).isoformat(),
    }

    answer = client.get(reverse("bookings:slots", args=[expert.slug]), params)

    assert answer.status_code == 200
    assert "days" in answer.json()


# --- the booking request ------------------------------------------------------------------


@pytest.mark.parametrize(
    "start",
    [
        "9999-12-31T23:45:00Z",
        "9999-12-31T23:45:00-05:00",
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+05:00",
        "0001-01-01T00:00:00-05:00",
        "2030-01-01T10:00:00",  # naive
        "2026-11-30",  # a date, no time
        "2099-01-01T10:00:00Z",  # far ahead
        "1999-01-01T10:00:00Z",  # far back
        "2026-11-30T10:00:00+24:00",
        "2026-11-30T10:00:00\r\nZ",
        "x" * 5_000,
    ],
)
def test_instants_that_cannot_be_offered_ask_to_pick_from_the_list(client, bookable, expert, start):
    response = client.post(reverse("bookings:submit", args=[expert.slug]), request_form(start))

    assert response.status_code == 400
    assert PICK in response.content.decode()
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("start", "sentence"),
    [("", "This field is required."), ("2026-11-30T10:00:00\x00Z", "Null characters")],
)
def test_an_empty_or_null_start_is_refused_by_the_field_itself(
    client, bookable, expert, start, sentence
):
    response = client.post(reverse("bookings:submit", args=[expert.slug]), request_form(start))

    assert response.status_code == 400
    assert sentence in response.content.decode()
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": "Jane\r\nBcc: victim@example.com"},
        {"name": "Jane\nDoe"},
        {"name": "Jane\rDoe"},
        {"name": "Jane\x1b[31mDoe"},
        {"name": "Jane\x7fDoe"},
        {"name": "Jane\x85Doe"},
        {"name": "Jane\u2028Doe"},
        {"email": "jane@example.com\r\nBcc: victim@example.com"},
        {"email": "ja\tne@example.com"},
    ],
)
def test_single_line_fields_refuse_control_characters_with_a_sentence(
    client, bookable, expert, overrides
):
    form = request_form(zurich(a_day_ahead(), 14), **overrides)

    response = client.post(reverse("bookings:submit", args=[expert.slug]), form)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Please check the marked fields." in page
    assert ONE_LINE in page or "Enter a valid email address." in page
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("message", "stored"),
    [
        ("Line one\r\nLine two", "Line one\nLine two"),
        ("Old\rMac", "Old\nMac"),
        ("Tab\tstays", "Tab\tstays"),
        ("Bell\x07 and escape\x1b[0m gone", "Bell and escape[0m gone"),
        ("No\x00 null", "No null"),
        ("Next\x85line", "Nextline"),
    ],
)
def test_the_message_keeps_lines_and_tabs_and_loses_other_control_characters(
    client, bookable, expert, message, stored
):
    form = request_form(zurich(a_day_ahead(), 14), message=message)

    response = client.post(reverse("bookings:submit", args=[expert.slug]), form)

    assert response.status_code == 302
    assert Booking.objects.get().customer_message == stored


@pytest.mark.parametrize("mail_name", sorted(emails.MAILS))
def test_a_line_break_in_a_name_never_reaches_a_mail_subject(bookable, expert, mail_name):
    # Names stored before control characters were refused, and an expert's display name,
    # still must not break a mail header.
    expert.display_name = "Jana\r\nBcc: victim@example.com"
    expert.save()
    start = zurich(a_day_ahead(), 14)
    booking = Booking.objects.create(
        expert=expert,
        start=start,
        end=start + timedelta(minutes=30),
        customer_name="Jane\r\nBcc: victim@example.com",
        customer_email="jane@example.com",
        customer_language="en",
        customer_time_zone="Europe/Zurich",
        expires_at=timezone.now() + timedelta(hours=48),
    )

    message = emails.MAILS[mail_name](booking)

    assert "\n" not in message.subject
    assert "\r" not in message.subject
    assert "Bcc: victim@example.com" in message.subject or mail_name == "cancelled"
    message.message()  # raises BadHeaderError on a line break in a header


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"name=%FF%FE&email=%C3%28@example.com", "application/x-www-form-urlencoded"),
        (b"name=\xff\xfe&start=\xc3\x28", "application/x-www-form-urlencoded; charset=utf-8"),
        (b"name=\xff\xfe&start=\xc3\x28", "application/x-www-form-urlencoded; charset=nonsense"),
        (b"\xff\xfe\x00\x00", "application/x-www-form-urlencoded; charset=utf-16"),
        (
            b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\n\xff\xfe\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
        (
            b'--b\r\nContent-Disposition: form-data; name="\xff"\r\n\r\nx\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
        (b"--b\r\n\xff\xfe\r\n", "multipart/form-data; boundary=b"),
        (b"anything", "multipart/form-data"),
        (b"anything", "multipart/form-data; boundary=\xff"),
    ],
)
def test_a_body_that_is_not_utf8_is_refused_not_a_500(client, bookable, expert, body, content_type):
    fragile = Client(raise_request_exception=False)

    response = fragile.generic(
        "POST", reverse("bookings:submit", args=[expert.slug]), body, content_type=content_type
    )

    assert 400 <= response.status_code < 500, response.content[:500]
    assert not Booking.objects.exists()


# --- the expert's date exceptions ---------------------------------------------------------


@pytest.mark.parametrize(
    "day", ["2026-13-45", "2026-02-30", "0000-01-01", "nonsense", "2026-1-1", "99999-01-01"]
)
def test_removing_a_malformed_date_is_404(expert_client, bookable, day):
    response = expert_client.post(f"/settings/availability/dates/{quote(day)}/delete/")

    assert response.status_code == 404


def test_removing_a_date_still_works(expert_client, bookable, expert):
    day = a_day_ahead()
    DateException.objects.create(expert=expert, date=day)

    response = expert_client.post(reverse("bookings:delete_exception", args=[day.isoformat()]))

    assert response.status_code == 302
    assert not DateException.objects.exists()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2000-01-01", "2100-01-01"])
def test_a_date_exception_out_of_range_is_refused_with_a_sentence(expert_client, bookable, day):
    response = expert_client.post(
        reverse("bookings:add_exception"),
        {"date": day, "kind": "hours", "date_start": "09:00", "date_end": "12:00"},
    )

    assert response.status_code == 400
    assert "Please pick a date from today up to two years ahead." in response.content.decode()
    assert not DateException.objects.exists()


def test_a_date_exception_within_range_is_saved(expert_client, bookable):
    day = a_day_ahead(days=400)

    response = expert_client.post(
        reverse("bookings:add_exception"), {"date": day.isoformat(), "kind": "off"}
    )

    assert response.status_code == 302
    assert DateException.objects.get().date == day


# --- fuzz ---------------------------------------------------------------------------------
# Each request starts valid and gets one to three corruptions, so a bad value meets code that
# runs only when everything else is fine (a valid form with a line break in the name used to
# be stored and then broke the mail). A few stay valid and create bookings.

CONTROL = [chr(c) for c in range(32)] + ["\x7f", "\x85", "\u2028", "\u2029", "\u202e", "\ufeff"]
ZONES = ["Mars/Olympus", "", "utc", "../../etc/passwd", "Etc/GMT+14", "Europe/Zurich\x00"]
OFFSETS = ["Z", "+00:00", "+05:00", "-05:00", "+23:59", "-23:59", "+24:00", "+14:00", "+05:30:15"]
RAW = [b"%FF%FE", b"\xff\xfe", b"%C3%28", b"%", b"&=&", b"\x00", b"%0D%0A", b"&&", b"=="]


def odd_text(rng, length=None):
    """A string mixing letters, control characters and the odd non-ASCII letter."""
    length = rng.randint(1, 40) if length is None else length
    alphabet = string.ascii_letters + " -:+.@" + "äß€𝄞" + "".join(CONTROL)
    return "".join(rng.choice(alphabet) for _ in range(length))


def spiked(rng, value):
    """`value` with a few control characters put in at random places."""
    for _ in range(rng.randint(1, 3)):
        at = rng.randint(0, len(value))
        value = value[:at] + rng.choice(CONTROL) + value[at:]
    return value


def odd_date(rng):
    kind = rng.randrange(7)
    if kind == 0:
        return rng.choice(
            ["9999-12-31", "9999-12-01", "0001-01-01", "0000-00-00", "10000-01-01", "-0001-01-01"]
        )
    if kind == 1:
        return date.fromordinal(rng.randint(1, date.max.toordinal())).isoformat()
    if kind == 2:
        return (today() + timedelta(days=rng.randint(-1_000, 1_000))).isoformat()
    if kind == 3:
        return rng.choice(["2026-W01-1", "20261125", "2026-334", "2026-02-30", "2026-1-1", ""])
    if kind == 4:
        return spiked(rng, (today() + timedelta(days=rng.randint(0, 30))).isoformat())
    if kind == 5:
        return str(rng.randint(-(10**30), 10**30))
    return "9" * rng.randint(11, 20_000)


def odd_instant(rng):
    kind = rng.randrange(5)
    if kind == 0:
        return rng.choice(
            [
                "9999-12-31T23:45:00Z",
                "9999-12-31T23:59:59.999999-23:59",
                "0001-01-01T00:00:00Z",
                "0001-01-01T00:00:00+05:00",
                "0001-01-01T00:00:00+23:59",
            ]
        )
    if kind in (1, 2):
        clock = f"{rng.randint(0, 25):02d}:{rng.choice(['00', '15', '30', '60'])}:00"
        return f"{odd_date(rng)}T{clock}{rng.choice([*OFFSETS, ''])}"
    if kind == 3:
        return spiked(rng, a_slot(rng))
    return odd_text(rng)


def a_slot(rng):
    """An offered start: the `bookable` expert is open 09:00-17:00 in Zurich every day."""
    when = zurich(a_day_ahead(rng.randint(1, 20)), rng.randint(9, 16), rng.choice([0, 15, 30]))
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def corrupt(rng, pairs, odd_value):
    """One corruption of a list of (key, value) pairs: a bad value, a lost or repeated key."""
    at = rng.randrange(len(pairs))
    key, value = pairs[at]
    kind = rng.randrange(6)
    if kind == 0:
        del pairs[at]
    elif kind == 1:
        pairs.insert(rng.randrange(len(pairs) + 1), (key, odd_value(key)))
    elif kind == 2:
        pairs[at] = (key, spiked(rng, value))
    elif kind == 3:
        pairs[at] = (key, ((value or "x") * 20_000)[: rng.randint(200, 20_000)])  # overlong
    else:
        pairs[at] = (key, odd_value(key))


def with_raw_bytes(rng, body):
    for _ in range(rng.randint(1, 3)):
        at = rng.randint(0, len(body))
        body = body[:at] + rng.choice(RAW) + body[at:]
    return body


def odd_query(rng):
    """A slots.json query string: a valid one, or one at the ends of time, then corrupted."""
    zone = rng.choice(["UTC", "Europe/Zurich", "America/New_York", "Pacific/Kiritimati"])
    if rng.random() < 0.3:
        first = rng.choice([date.min, date.max, date.fromordinal(rng.randint(1, 3_000_000))])
        first += timedelta(days=rng.randint(0, 40) if first == date.min else -rng.randint(0, 40))
        pairs = [("from", first.isoformat()), ("tz", zone)]
        if rng.random() < 0.5:  # without "to", the window is a month from "from"
            last = first + timedelta(days=min(rng.randint(1, 40), (date.max - first).days))
            pairs.append(("to", last.isoformat()))
        return urlencode(pairs)
    first = today() + timedelta(days=rng.randint(-5, 60))
    pairs = [
        ("from", first.isoformat()),
        ("to", (first + timedelta(days=rng.randint(1, 40))).isoformat()),
        ("tz", zone),
    ]

    def odd_value(key):
        return rng.choice(ZONES) if key == "tz" else odd_date(rng)

    for _ in range(rng.choice([1, 1, 2, 3])):
        corrupt(rng, pairs, odd_value)
    query = urlencode([(k, v.encode()) for k, v in pairs])
    return with_raw_bytes(rng, query.encode()).decode("latin-1") if rng.random() < 0.15 else query


def odd_request_body(rng):
    """A booking request body and its content type, from a valid request."""
    # A new address each time: open requests per customer address are capped.
    email = f"customer{rng.randrange(10**9)}@example.com"
    pairs = list(request_form(a_slot(rng), email=email, message="Hello.\nSee you.").items())
    odd_values = {
        "start": lambda: odd_instant(rng),
        "time_zone": lambda: rng.choice(ZONES),
        "name": lambda: rng.choice([odd_text(rng), "N" * rng.randint(90, 3_000)]),
        "email": lambda: rng.choice([odd_text(rng) + "@example.com", "jane@" + odd_text(rng)]),
        "message": lambda: rng.choice([odd_text(rng, 300), "M" * rng.randint(900, 30_000)]),
        "language": lambda: rng.choice(["fr", "", "EN", odd_text(rng, 3)]),
    }

    def odd_value(key):
        return odd_values.get(key, lambda: odd_text(rng))()

    for _ in range(rng.choice([0, 1, 1, 1, 2, 3])):
        corrupt(rng, pairs, odd_value)
    kind = rng.randrange(10)
    if kind < 6:
        body = urlencode([(k, v.encode()) for k, v in pairs]).encode()
        if kind == 5:
            body = with_raw_bytes(rng, body)
        charset = rng.choice(["", "; charset=utf-8", "; charset=latin-1", "; charset=bogus"])
        return body, f"application/x-www-form-urlencoded{charset}"
    if kind < 9:
        parts = []
        for key, value in pairs:
            raw = value.encode()
            if rng.random() < 0.2:
                raw = with_raw_bytes(rng, raw)
            parts.append(
                b'--fz\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
                % (key.encode(), raw)
            )
        body = b"".join(parts) + rng.choice([b"--fz--\r\n", b"--fz--\r\n", b"", b"--fz"])
        return body, "multipart/form-data; boundary=fz"
    return bytes(rng.randrange(256) for _ in range(rng.randint(0, 300))), rng.choice(
        ["application/x-www-form-urlencoded; charset=utf-8", "multipart/form-data; boundary=fz"]
    )


def first_failure(attempts):
    """Send each request; the first 5xx as a readable sentence, or None."""
    for send, described in attempts:
        try:
            response = send()
        except Exception as exc:  # noqa: BLE001 - an exception after the response counts too
            return f"{described} raised {exc!r}"
        if response.status_code >= 500:
            return f"{described} answered {response.status_code}: {response.exc_info!r}"
    return None


def test_fuzzed_slot_queries_never_answer_5xx(bookable, expert):
    rng = random.Random(SEED)
    fragile = Client(raise_request_exception=False)
    path = reverse("bookings:slots", args=[expert.slug])

    def attempt(query):
        return (lambda: fragile.generic("GET", path, QUERY_STRING=query)), f"GET {path}?{query}"

    failure = first_failure(attempt(odd_query(rng)) for _ in range(500))

    assert failure is None, failure


def test_fuzzed_booking_requests_never_answer_5xx(
    bookable, expert, no_rate_limit, django_capture_on_commit_callbacks
):
    rng = random.Random(SEED)
    fragile = Client(raise_request_exception=False)
    path = reverse("bookings:submit", args=[expert.slug])

    def attempt(body, content_type):
        def send():
            # Mails and cache updates run as they would after a real commit.
            with django_capture_on_commit_callbacks(execute=True):
                return fragile.generic("POST", path, body, content_type=content_type)

        return send, f"POST {path} ({content_type}) {body[:300]!r}"

    failure = first_failure(attempt(*odd_request_body(rng)) for _ in range(300))

    assert failure is None, failure

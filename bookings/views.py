"""The public booking pages: no customer account, the expert found by slug."""

import json
import zoneinfo
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from experts import time_zones
from okomo import errors, metrics
from okomo.intervals import Interval

from . import services, slot_cache
from .forms import BookingRequestForm, StartForm
from .models import BookingSettings
from .offer import active_expert_id, offer_for, page_of
from .ratelimit import Limit, count_booking_request

# The whole bookable horizon in one ask: today to the end of the second month after this
# one (calendars/window.py) is at most 92 days, and a customer's today may be a day before
# the expert's. Longer asks are refused rather than computed.
MAX_RANGE_DAYS = 93
# Slots are asked for around today: a year back (nothing there is bookable, but a calendar
# may page back) and two years ahead (past any booking horizon). The bounds also keep all
# date arithmetic far from year 1 and year 9999, where it would overflow.
DAYS_BACK = 366
DAYS_AHEAD = 2 * 366
REFUSALS = {
    "not_offered": gettext_lazy("That time is no longer available. Please pick another one."),
    "taken": gettext_lazy("That time was just taken, please pick another."),
    "busy_now": gettext_lazy(
        "That time has just become busy in the expert's calendar. Please pick another one."
    ),
    "phone_needed": gettext_lazy("Please give your phone number: the expert will call you."),
    "too_many_open": gettext_lazy(
        "You already have open requests with this expert. Please wait for an answer, "
        "or cancel one through the link in its mail."
    ),
}
NO_BOOKING_PAGE = gettext_lazy(
    "No booking page at this address. Please check the link you were given."
)
TOO_MANY = {
    Limit.ADDRESS: gettext_lazy(
        "Too many booking requests from your network. Please try again in an hour."
    ),
    Limit.PAGE: gettext_lazy(
        "This expert's booking page is receiving too many requests right now. "
        "Please try again in an hour."
    ),
}


def _expert(slug):
    """The active expert whose booking page `slug` is, or None."""
    experts = get_user_model().objects.select_related("booking_settings")
    return experts.filter(slug=slug, is_active=True).first()


def _no_booking_page(request):
    """The branded 404 (JSON for slots.json), returned rather than raised: an Http404 would
    show Django's technical page under DEBUG, and a customer's mistyped link deserves better."""
    return errors.page_not_found(request, detail=NO_BOOKING_PAGE)


@require_GET
def booking_page(request, slug):
    expert = _expert(slug)
    if expert is None:
        return _no_booking_page(request)
    return render_booking_page(request, expert)


def render_booking_page(request, expert, form=None, error=None, status=200, moving=None):
    """The booking page; `moving`: the booking being moved to another time (no details asked)."""
    offer = offer_for(expert, now=timezone.now())
    if form is None:
        initial = {"language": request.LANGUAGE_CODE, "time_zone": "UTC"}
        form = StartForm(initial=initial) if moving else _request_form(offer, initial=initial)
    context = {
        "expert": expert,
        "form": form,
        "error": error,
        "offer": offer,
        "moving": moving,
    }
    return render(request, "bookings/booking_page.html", context, status=status)


def _request_form(offer, **kwargs):
    phone = offer.settings.meeting == BookingSettings.Meeting.PHONE
    return BookingRequestForm(phone=phone, **kwargs)


@require_GET
def slots_json(request, slug):
    """Free start times, grouped by the customer's local day (see README, "Slots API")."""
    # Only the id is needed to find a cached answer; all else, in one statement, on a miss.
    expert_id = active_expert_id(slug)
    if expert_id is None:
        return _no_booking_page(request)
    zone_name = request.GET.get("tz", "UTC")
    if zone_name not in time_zones.known():
        return _refused("invalid_time_zone", "tz must be an IANA zone name")
    zone = zoneinfo.ZoneInfo(zone_name)
    now = timezone.now()
    today = now.astimezone(zone).date()
    earliest = today - timedelta(days=DAYS_BACK)
    latest = today + timedelta(days=DAYS_AHEAD)
    try:
        first = date.fromisoformat(request.GET["from"]) if "from" in request.GET else today
        last = date.fromisoformat(request.GET["to"]) if "to" in request.GET else None
    except ValueError:
        return _refused("invalid_date", "from and to are YYYY-MM-DD")
    if not earliest <= first <= latest or not earliest <= (last or first) <= latest:
        return _refused("invalid_range", f"from and to lie between {earliest} and {latest}")
    if last is None:
        last = min(first + timedelta(days=31), latest)
    if not first < last or (last - first).days > MAX_RANGE_DAYS:
        return _refused("invalid_range", f"to must be after from, at most {MAX_RANGE_DAYS} days")
    key = f"slots:{expert_id}:{first}:{last}:{zone_name}:{now:%Y%m%d%H%M}"
    body, version = slot_cache.get(expert_id, key)
    if body is None:
        body = _slots_answer(expert_id, zone, first, last, now=now)
        if body is None:  # deactivated since its id was read
            return _no_booking_page(request)
        slot_cache.put(key, version, body)
    return HttpResponse(body, content_type="application/json")


def _refused(error, detail):
    return JsonResponse({"error": error, "detail": detail}, status=400)


def _slots_answer(expert_id, zone, first, last, *, now):
    """The answer's text, None without an active expert of that id."""
    window = Interval(
        datetime.combine(first, time(0), tzinfo=zone),
        datetime.combine(last, time(0), tzinfo=zone),
    )
    page = page_of(expert_id, window, now=now)
    if page is None:
        return None
    offer = page.offer
    head = json.dumps(
        {
            "expert": {"name": page.name, "time_zone": page.time_zone},
            "time_zone": str(zone),
            "appointment_minutes": offer.settings.appointment_minutes,
            "bookable_from": offer.bookable.start.isoformat() if offer.bookable else None,
            "bookable_until": offer.bookable.end.isoformat() if offer.bookable else None,
        }
    )
    return f'{head[:-1]}, "days": {_days_text(page.seconds, zone)}}}'


_EPOCH_DAY = date(1970, 1, 1)
_CLOCK = [f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in range(60)]
_SECOND = [f"{second:02d}" for second in range(60)]


def _days_text(seconds, zone):
    """Sorted epoch seconds → the answer's "days", as json.dumps would write them:
    {"2026-11-26": [{"start": "2026-11-26T09:15:00Z", "time": "10:15"}, ...], ...}, grouped
    by the day in `zone`. Thousands of start times made only of digits and "-:TZ" need no
    escaping; they are written by table rather than strftime, and the zone's offset is
    looked up once a UTC day (for each start time on a day on which it changes)."""
    days = {}
    day_texts = {}
    utc_day = slots = local_day = None
    for moment in seconds:
        day, rest = divmod(moment, 86400)
        if day != utc_day:
            utc_day = day
            head = f'{{"start": "{_day_text(day_texts, day)}T'
            begin = day * 86400
            offset = _offset(zone, begin)
            if _offset(zone, begin + 86399) != offset:
                offset = None
        minute, second = divmod(rest, 60)
        local, clock = divmod(moment + (_offset(zone, moment) if offset is None else offset), 86400)
        if local != local_day:
            local_day = local
            slots = days.setdefault(_day_text(day_texts, local), [])
        slots.append(
            f'{head}{_CLOCK[minute]}:{_SECOND[second]}Z", "time": "{_CLOCK[clock // 60]}"}}'
        )
    listed = ", ".join(f'"{day}": [{", ".join(slots)}]' for day, slots in days.items())
    return f"{{{listed}}}"


def _day_text(texts, number):
    """'2026-11-26' for a day number since 1970-01-01, remembered in `texts`."""
    text = texts.get(number)
    if text is None:
        text = texts[number] = (_EPOCH_DAY + timedelta(days=number)).isoformat()
    return text


def _offset(zone, moment):
    """The zone's UTC offset in seconds at epoch second `moment`."""
    return int(datetime.fromtimestamp(moment, zone).utcoffset().total_seconds())


@require_POST
@metrics.counts_booking_requests
def submit(request, slug):
    expert = _expert(slug)
    if expert is None:
        return _no_booking_page(request)
    form = _request_form(offer_for(expert, now=timezone.now()), data=request.POST)
    if not form.is_valid():
        return render_booking_page(
            request, expert, form=form, status=400, error=_("Please check the marked fields.")
        )
    # Only valid requests count, so junk posts cannot use up the limits of real customers.
    limit = count_booking_request(request, expert_id=expert.pk)
    if limit:
        return render_booking_page(request, expert, form=form, status=429, error=TOO_MANY[limit])
    data = form.cleaned_data
    customer = services.Customer(
        name=data["name"].strip(),
        email=data["email"],
        message=data["message"].strip(),
        language=data["language"],
        time_zone=data["time_zone"],
        phone=data.get("phone", ""),
        clock=data["clock"],
    )
    try:
        booking = services.request_booking(
            expert, start=data["start"], customer=customer, now=timezone.now()
        )
    except services.BookingError as exc:
        return render_booking_page(
            request, expert, form=form, status=409, error=REFUSALS[exc.reason]
        )
    return redirect("bookings:requested", uuid=booking.uuid)

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
from .offer import offer_for, offered_seconds
from .ratelimit import Limit, count_booking_request

# A month view needs at most six weeks; longer asks are refused rather than computed.
MAX_RANGE_DAYS = 62
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
    # Only the id is needed to find a cached answer; the whole expert only on a miss.
    expert_id = (
        get_user_model()
        .objects.filter(slug=slug, is_active=True)
        .values_list("pk", flat=True)
        .first()
    )
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
        # The connection comes along for its packed busy times (not its tokens).
        expert = (
            get_user_model()
            .objects.select_related("booking_settings", "calendar_connection")
            .defer("calendar_connection__token_cache")
            .filter(pk=expert_id, is_active=True)
            .first()
        )
        if expert is None:  # deactivated since its id was read
            return _no_booking_page(request)
        body = _slots_answer(expert, zone, first, last, now=now)
        slot_cache.put(key, version, body)
    return HttpResponse(body, content_type="application/json")


def _refused(error, detail):
    return JsonResponse({"error": error, "detail": detail}, status=400)


def _slots_answer(expert, zone, first, last, *, now):
    window = Interval(
        datetime.combine(first, time(0), tzinfo=zone),
        datetime.combine(last, time(0), tzinfo=zone),
    )
    days = {}
    texts = _SlotTexts(zone)
    for start in offered_seconds(expert, window, now=now):
        day, clock = texts.local(start)
        days.setdefault(day, []).append(f'{{"start": "{texts.utc(start)}", "time": "{clock}"}}')
    offer = offer_for(expert, now=now)
    head = json.dumps(
        {
            "expert": {"name": expert.display_name, "time_zone": expert.time_zone},
            "time_zone": str(zone),
            "appointment_minutes": offer.settings.appointment_minutes,
            "bookable_from": offer.bookable.start.isoformat() if offer.bookable else None,
            "bookable_until": offer.bookable.end.isoformat() if offer.bookable else None,
        }
    )
    # The days as text, as json.dumps would write them: thousands of start times made only
    # of digits and "-:TZ" need no escaping, and are written three times faster so.
    listed = ", ".join(f'"{day}": [{", ".join(slots)}]' for day, slots in days.items())
    return f'{head[:-1]}, "days": {{{listed}}}}}'


_EPOCH_DAY = date(1970, 1, 1)
_CLOCK = [f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in range(60)]


class _SlotTexts:
    """Epoch seconds → the answer's texts, by table rather than strftime (an answer formats
    thousands of start times); the zone's offset is looked up once an hour."""

    def __init__(self, zone):
        self.zone = zone
        self.days = {}
        self.offsets = {}

    def _day(self, number):
        text = self.days.get(number)
        if text is None:
            text = self.days[number] = (_EPOCH_DAY + timedelta(days=number)).isoformat()
        return text

    def utc(self, seconds):
        """'2026-11-26T09:15:00Z'"""
        day, rest = divmod(seconds, 86400)
        minute, second = divmod(rest, 60)
        return f"{self._day(day)}T{_CLOCK[minute]}:{second:02d}Z"

    def local(self, seconds):
        """('2026-11-26', '10:15') in the zone."""
        hour = seconds // 3600
        offset = self.offsets.get(hour)
        if offset is None:
            first = datetime.fromtimestamp(hour * 3600, self.zone).utcoffset()
            last = datetime.fromtimestamp(hour * 3600 + 3599, self.zone).utcoffset()
            # An hour in which the offset changes is not remembered: looked up each time.
            offset = self.offsets[hour] = int(first.total_seconds()) if first == last else False
        if offset is False:
            offset = int(datetime.fromtimestamp(seconds, self.zone).utcoffset().total_seconds())
        day, rest = divmod(seconds + offset, 86400)
        return self._day(day), _CLOCK[rest // 60]


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

"""The settings tabs "Availability" and "Booking page", and the forms on them.

Every form posts to a URL of its own. Saved: without htmx, a redirect back to the tab with a
message (POST/redirect/GET); with htmx, the re-rendered form alone plus the messages region
out of band, so unsaved edits elsewhere on the page stay. Refused: the tab (or, with htmx, the
form) with the typed values and a sentence per problem, status 400. A GET of a form's URL (a
reload of such an answer, a bookmark) goes to its tab.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from calendars.models import CalendarConnection

from . import hours, slot_cache
from .forms import BookingSettingsForm
from .hours_forms import DateExceptionForm, WeeklyHoursForm
from .offer import settings_for

WEEKLY = "bookings/settings/_weekly_hours.html"
DATES = "bookings/settings/_dates.html"
DATE_LIST = "bookings/settings/_date_list.html"
BOOKING_SETTINGS = "bookings/settings/_booking_settings_form.html"


def form_action(tab):
    """A view that takes a form's POST; other methods are sent to the tab `tab`."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                return view(request, *args, **kwargs)
            if request.method in ("GET", "HEAD"):
                return redirect(tab)
            return HttpResponseNotAllowed(["GET", "POST"])

        return wrapper

    return decorate


def _answer(request, *, tab, page, fragment, context, status=200):
    """The whole tab, or for htmx the fragment with the messages out of band."""
    if request.htmx:
        context = {**context, "fragment": fragment}
        return render(request, "bookings/settings/_in_place.html", context, status=status)
    if status == 200:
        return redirect(tab)
    return render(request, page, context, status=status)


# --- Availability ---------------------------------------------------------------------------


def _availability(request, *, weekly_form=None, date_form=None):
    expert = request.user
    return {
        "weekly_form": weekly_form or WeeklyHoursForm(hours=hours.weekly_hours(expert)),
        "date_form": date_form or DateExceptionForm(),
        "other_days": hours.other_days(expert, from_day=timezone.localdate(timezone=expert.zone)),
        # The date input offers no day before today in the expert's zone.
        "today": timezone.localdate(timezone=expert.zone),
    }


def _availability_answer(request, fragment, *, status=200, **forms):
    """The Availability tab's answer to one of its forms (context built only if rendered)."""
    if status == 200 and not request.htmx:
        return redirect("bookings:availability")
    return _answer(
        request,
        tab="bookings:availability",
        page="bookings/availability.html",
        fragment=fragment,
        context=_availability(request, **forms),
        status=status,
    )


@login_required
def availability_page(request):
    """Settings tab "Availability": weekly hours and dates with other hours."""
    return render(request, "bookings/availability.html", _availability(request))


@form_action("bookings:availability")
def save_weekly_hours(request):
    form = WeeklyHoursForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Your weekly hours were not saved. Please check the marked days.")
        )
        return _availability_answer(request, WEEKLY, weekly_form=form, status=400)
    hours.replace_weekly_hours(request.user, weekly=form.cleaned_data["weekly"])
    messages.success(request, _("Your weekly hours were saved."))
    return _availability_answer(request, WEEKLY)


@form_action("bookings:availability")
def add_exception(request):
    form = DateExceptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The date was not saved. Please check the marked fields."))
        return _availability_answer(request, DATES, date_form=form, status=400)
    day, ranges = form.cleaned_data["date"], form.cleaned_data["hours"]
    hours.set_other_hours(request.user, day=day, ranges=ranges)
    when = formats.date_format(day, "DATE_FORMAT")
    if ranges:
        messages.success(request, _("%(date)s: your other hours were saved.") % {"date": when})
    else:
        messages.success(request, _("%(date)s is saved as a day off.") % {"date": when})
    return _availability_answer(request, DATES)


@form_action("bookings:availability")
def delete_exception(request, day):
    when = formats.date_format(day, "DATE_FORMAT")
    if hours.remove_other_hours(request.user, day=day):
        messages.success(request, _("%(date)s follows your weekly hours again.") % {"date": when})
    # Only the list is answered: a date being typed into the form below stays.
    return _availability_answer(request, DATE_LIST)


# --- Booking page ---------------------------------------------------------------------------


def _meeting_providers(expert):
    """The online meetings the expert's connected calendar allows; none without a calendar."""
    connection = CalendarConnection.objects.for_expert(expert)
    return connection.values_list("online_meeting_providers", flat=True).first() or []


def _booking_settings_form(expert, data=None):
    return BookingSettingsForm(
        data, instance=settings_for(expert), meeting_providers=_meeting_providers(expert)
    )


@login_required
def booking_settings_page(request):
    """Settings tab "Booking page": its link, appointment length, notice, how to meet."""
    return render(
        request,
        "bookings/booking_settings.html",
        {"settings_form": _booking_settings_form(request.user)},
    )


@form_action("bookings:booking_settings")
def save_settings(request):
    form = _booking_settings_form(request.user, request.POST)
    valid = form.is_valid()
    if valid:
        form.save()
        slot_cache.changed(request.user.pk)
        messages.success(request, _("Your booking settings were saved."))
        # Re-read, so the fragment shows what is stored (e.g. the https:// added to a link).
        form = _booking_settings_form(request.user)
    else:
        messages.error(
            request, _("Your booking settings were not saved. Please check the marked fields.")
        )
    return _answer(
        request,
        tab="bookings:booking_settings",
        page="bookings/booking_settings.html",
        fragment=BOOKING_SETTINGS,
        context={"settings_form": form},
        status=200 if valid else 400,
    )

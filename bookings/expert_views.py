"""The expert's side: requests and appointments, and the availability settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from calendars.models import CalendarConnection

from . import customer_views, effects, services, slot_cache
from .forms import (
    BookingSettingsForm,
    CancelForm,
    DateExceptionForm,
    WeeklyHoursForm,
    format_ranges,
)
from .models import Booking, DateException, WeeklyHours
from .offer import settings_for


@login_required
def expert_list(request):
    now = timezone.now()
    services.expire_requests(now=now, expert=request.user)
    bookings = Booking.objects.for_expert(request.user)
    sections = {
        "requests": list(bookings.filter(status=Booking.Status.REQUESTED, expires_at__gt=now)),
        "upcoming": list(bookings.filter(status=Booking.Status.ACCEPTED, end__gt=now)),
        "closed": list(
            bookings.exclude(status__in=[Booking.Status.REQUESTED])
            .exclude(status=Booking.Status.ACCEPTED, end__gt=now)
            .order_by("-start")[:30]
        ),
    }
    listed = [booking for section in sections.values() for booking in section]
    failed = effects.failed_mails(listed)
    for booking in listed:
        booking.failed_mails = failed.get(booking.pk, [])
    return render(request, "bookings/expert_list.html", sections)


def _act(request, uuid, action, done_message):
    booking = get_object_or_404(Booking.objects.for_expert(request.user), uuid=uuid)
    try:
        action(booking)
        messages.success(request, done_message)
    except services.RequestExpired:
        messages.error(request, _("This request has expired; it can no longer be accepted."))
    except services.TransitionError:
        messages.error(request, _("This booking has changed meanwhile; nothing was done."))
    return redirect("bookings:expert_list")


@login_required
@require_POST
def accept(request, uuid):
    return _act(
        request,
        uuid,
        lambda b: services.accept_booking(b, now=timezone.now()),
        _("Accepted. The appointment is being written into your Outlook calendar."),
    )


@login_required
@require_POST
def decline(request, uuid):
    return _act(
        request,
        uuid,
        lambda b: services.decline_booking(b, now=timezone.now()),
        _("Declined. The customer gets a mail."),
    )


@login_required
@require_POST
def cancel(request, uuid):
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"].strip() if form.is_valid() else ""
    return _act(
        request,
        uuid,
        lambda b: services.cancel_booking(b, now=timezone.now(), by_customer=False, reason=reason),
        _("Cancelled. The customer gets a mail, and the appointment leaves your Outlook calendar."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def reschedule(request, uuid):
    """The expert moves a booking on the same page the customer would use."""
    booking = get_object_or_404(
        Booking.objects.for_expert(request.user).select_related("expert"), uuid=uuid
    )
    return customer_views.move(
        request, booking, by_customer=False, done_url=reverse("bookings:expert_list")
    )


def availability_context(expert, *, settings_form=None, weekly_form=None, exception_form=None):
    """The forms of the "Availabilities" section of the settings page."""
    if weekly_form is None:
        ranges = {day: [] for day in range(7)}
        for hours in WeeklyHours.objects.filter(expert=expert):
            ranges[hours.weekday].append((hours.start, hours.end))
        weekly_form = WeeklyHoursForm(
            initial={f"day_{d}": format_ranges(r) for d, r in ranges.items()}
        )
    return {
        "settings_form": settings_form
        or BookingSettingsForm(
            instance=settings_for(expert), meeting_providers=_meeting_providers(expert)
        ),
        "weekly_form": weekly_form,
        "exception_form": exception_form or DateExceptionForm(),
        "exceptions": DateException.objects.filter(expert=expert, date__gte=timezone.now().date()),
    }


def _meeting_providers(expert):
    """The online meetings the expert's connected calendar allows; none without a calendar."""
    connection = CalendarConnection.objects.for_expert(expert)
    return connection.values_list("online_meeting_providers", flat=True).first() or []


def _settings_page(request, **forms):
    from calendars.views import settings_page

    return settings_page(
        request, availability=availability_context(request.user, **forms), status=400
    )


@login_required
@require_POST
def save_settings(request):
    form = BookingSettingsForm(
        request.POST,
        instance=settings_for(request.user),
        meeting_providers=_meeting_providers(request.user),
    )
    if not form.is_valid():
        return _settings_page(request, settings_form=form)
    form.save()
    slot_cache.changed(request.user.pk)
    messages.success(request, _("Your booking settings were saved."))
    return redirect("calendars:settings")


@login_required
@require_POST
def save_weekly_hours(request):
    form = WeeklyHoursForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, weekly_form=form)
    with transaction.atomic():
        WeeklyHours.objects.filter(expert=request.user).delete()
        WeeklyHours.objects.bulk_create(
            WeeklyHours(expert=request.user, weekday=day, start=start, end=end)
            for day, ranges in form.ranges.items()
            for start, end in ranges
        )
    slot_cache.changed(request.user.pk)
    messages.success(request, _("Your weekly hours were saved."))
    return redirect("calendars:settings")


@login_required
@require_POST
def add_exception(request):
    form = DateExceptionForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, exception_form=form)
    day, ranges = form.cleaned_data["date"], form.cleaned_data["hours"]
    with transaction.atomic():
        DateException.objects.filter(expert=request.user, date=day).delete()
        DateException.objects.bulk_create(
            [DateException(expert=request.user, date=day, start=s, end=e) for s, e in ranges]
            or [DateException(expert=request.user, date=day)]
        )
    slot_cache.changed(request.user.pk)
    messages.success(request, _("The date was saved."))
    return redirect("calendars:settings")


@login_required
@require_POST
def delete_exception(request, day):
    DateException.objects.filter(expert=request.user, date=day).delete()
    slot_cache.changed(request.user.pk)
    return redirect("calendars:settings")

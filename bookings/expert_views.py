"""The expert's side: requests and appointments (the settings tabs: settings_views)."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import customer_views, effects, services
from .forms import CancelForm
from .models import Booking


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
        _customer_clock(booking, request.user.zone)
    return render(request, "bookings/expert_list.html", sections)


def _customer_clock(booking, expert_zone):
    """The list's times are the expert's; where the customer's clock reads otherwise, their
    start as an aware datetime in their zone (`customer_start`, else None) and whether it
    falls on another day."""
    booking.customer_start = None
    try:
        local = booking.start.astimezone(ZoneInfo(booking.customer_time_zone))
    except (ZoneInfoNotFoundError, ValueError):
        return
    own = booking.start.astimezone(expert_zone)
    if local.replace(tzinfo=None) != own.replace(tzinfo=None):
        booking.customer_start = local
        booking.customer_other_day = local.date() != own.date()


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
@require_POST
def keep(request, uuid):
    """ "Keep it": an appointment deleted in Outlook stays booked for the customer."""
    booking = get_object_or_404(Booking.objects.for_expert(request.user), uuid=uuid)
    services.keep_without_outlook(booking)
    messages.success(request, _("The appointment stays booked; Okomo no longer asks about it."))
    return redirect("bookings:expert_list")


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

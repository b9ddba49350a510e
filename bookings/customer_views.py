"""The customer's own pages, reached through the link in their mails: the booking's state,
moving it to another time, cancelling it. No account: the signed link is the key."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import emails, services
from .calendar_links import calendar_links
from .cancel_links import booking_uuid_from, cancel_url, reschedule_url
from .forms import CancelForm, StartForm
from .models import Booking
from .views import REFUSALS, render_booking_page

LIVE = (Booking.Status.REQUESTED, Booking.Status.ACCEPTED)


@require_GET
def requested(request, uuid):
    booking = get_object_or_404(Booking.objects.select_related("expert"), uuid=uuid)
    now = timezone.now()
    # Once it has begun the links would only answer "too late" (see customer_cancel).
    changeable = booking.status in LIVE and booking.start > now
    appointment = booking.status == Booking.Status.ACCEPTED and booking.end > now
    return render(
        request,
        "bookings/requested.html",
        {
            "booking": booking,
            "zone": booking.customer_time_zone,
            "moved": request.GET.get("moved") == "1",
            "calendar_links": calendar_links(booking) if appointment else None,
            "reschedule_url": reschedule_url(booking) if changeable else "",
            "cancel_url": cancel_url(booking) if changeable else "",
        },
    )


@require_GET
@never_cache
def calendar_file(request, uuid):
    """The appointment's .ics: METHOD:REQUEST while it is confirmed, METHOD:CANCEL once it is
    cancelled (it takes the appointment out of a calendar it was added to).

    A request not yet confirmed has none (404): the expert may still decline, and a declined
    or expired request sends no cancelling file, so the customer's calendar would keep an
    appointment that never was.
    """
    booking = get_object_or_404(Booking.objects.select_related("expert"), uuid=uuid)
    if booking.status == Booking.Status.ACCEPTED:
        method = "REQUEST"
    elif booking.status == Booking.Status.CANCELLED:
        method = "CANCEL"
    else:
        raise Http404
    response = HttpResponse(
        emails.ics(booking, method=method), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{emails.ICS_NAME}"'
    return response


def _booking_from(token):
    uuid = booking_uuid_from(token)
    if uuid is None:
        return None
    booking = Booking.objects.select_related("expert").filter(uuid=uuid).first()
    if booking is None:
        raise Http404
    return booking


@require_http_methods(["GET", "POST"])
def customer_cancel(request, token):
    booking = _booking_from(token)
    if booking is None:
        return render(request, "bookings/cancel_invalid.html", status=400)
    now = timezone.now()
    done = booking.status == Booking.Status.CANCELLED
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not done and form.is_valid():
        try:
            booking = services.cancel_booking(
                booking, now=now, by_customer=True, reason=form.cleaned_data["reason"].strip()
            )
            done = True
        except services.TransitionError:
            pass
    # The link expires with the appointment: one that has begun cannot be cancelled.
    begun = booking.start <= now
    return render(
        request,
        "bookings/customer_cancel.html",
        {
            "booking": booking,
            "zone": booking.customer_time_zone,
            "done": done,
            "over": booking.end <= now,
            "begun": begun,
            "cancellable": not begun and booking.status in LIVE,
            "form": form,
            "token": token,
        },
        status=410 if begun and not done else 200,
    )


@require_http_methods(["GET", "POST"])
def customer_reschedule(request, token):
    booking = _booking_from(token)
    if booking is None:
        return render(request, "bookings/cancel_invalid.html", status=400)
    done = reverse("bookings:requested", args=[booking.uuid]) + "?moved=1"
    return move(request, booking, by_customer=True, done_url=done)


def move(request, booking, *, by_customer, done_url):
    """The booking page in "move" mode; on POST the booking moves or keeps its time."""
    now = timezone.now()
    if booking.status not in LIVE or booking.start <= now:
        return render(
            request,
            "bookings/customer_cancel.html",
            {
                "booking": booking,
                "zone": booking.customer_time_zone,
                "over": booking.end <= now,
                "begun": booking.start <= now,
                "cancellable": False,
                "moving": True,
            },
            status=410,
        )
    if request.method == "GET":
        return render_booking_page(request, booking.expert, moving=booking)
    form = StartForm(request.POST)
    if not form.is_valid():
        error = _("Please pick a time from the list.")
        return render_booking_page(
            request, booking.expert, form=form, status=400, error=error, moving=booking
        )
    try:
        services.reschedule_booking(
            booking, start=form.cleaned_data["start"], now=now, by_customer=by_customer
        )
    except services.BookingError as exc:
        return render_booking_page(
            request,
            booking.expert,
            form=form,
            status=409,
            error=REFUSALS[exc.reason] + " " + _("Your appointment keeps its time."),
            moving=booking,
        )
    except services.TransitionError:
        error = _("This booking has changed meanwhile; it was not moved.")
        return render_booking_page(
            request, booking.expert, form=form, status=409, error=error, moving=booking
        )
    if not by_customer:
        messages.success(request, _("Moved. The customer gets a mail with the new time."))
    return redirect(done_url)

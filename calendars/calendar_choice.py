"""The expert's choice of calendars: which block booking times, which receives appointments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services, tasks
from .forms import CalendarChoiceForm
from .models import CalendarConnection
from .transport import deadline

# Listing the calendars is one Graph request (and perhaps a token refresh): the expert waits
# for it, so it gets as long as the connect steps do.
MICROSOFT_DEADLINE = 6.0


def _section():
    return reverse("calendars:settings") + "#calendar-choice"


@login_required
@require_POST
def save_choice(request, uuid):
    """Save the calendars that block, the one for new appointments and the toggles."""
    connection = get_object_or_404(CalendarConnection.objects.for_expert(request.user), uuid=uuid)
    form = CalendarChoiceForm(connection, request.POST)
    if not form.is_valid():
        # Only a tampered form or a list changed meanwhile gets here: nothing is saved, and
        # the page shows the list as it is now.
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_section())
    services.save_calendar_choice(connection, **form.choice())
    tasks.queue_sync(connection.pk)
    messages.success(request, _("Saved. Your busy times are being synchronised again."))
    if form.warning:
        messages.warning(request, form.warning)
    return redirect(_section())


@login_required
@require_POST
@deadline(MICROSOFT_DEADLINE, person_waits=True)
def refresh_list(request, uuid):
    """Read the account's calendars from Microsoft again (new ones, renamed, deleted)."""
    connection = get_object_or_404(CalendarConnection.objects.for_expert(request.user), uuid=uuid)
    if services.refresh_calendars(connection):
        tasks.queue_sync(connection.pk)
        messages.success(request, _("The list of your calendars is up to date."))
    else:
        messages.error(
            request, _("Microsoft cannot be reached right now. Please try again in a few minutes.")
        )
    return redirect(_section())

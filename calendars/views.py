import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import (
    graph,
    identity,
    services,
    sign_in_answers,
    subscriptions,
    sync,
    sync_status,
    tasks,
)
from .models import CalendarConnection
from .signals import announce_calendar_connected
from .transport import deadline

logger = logging.getLogger(__name__)

FLOW_SESSION_KEY = "microsoft_auth_flow"
# Everything these pages ask Microsoft (discovery, code exchange, /me) ends within this many
# seconds in all: an expert's click never holds a web worker for long.
MICROSOFT_DEADLINE = 6.0
PROBLEM_SESSION_KEY = "microsoft_connect_problem"


@login_required
@require_GET
def settings_page(request):
    """The "Sync calendar" tab of the expert's settings."""
    connection = (
        CalendarConnection.objects.for_expert(request.user).select_related("expert").first()
    )
    return render(
        request,
        "calendars/settings.html",
        {
            "connection": connection,
            "status": sync_status.status(connection) if connection else None,
            "problem": request.session.pop(PROBLEM_SESSION_KEY, None),
        },
    )


@login_required
@require_GET
@never_cache
def status_json(request, uuid):
    """The tab's sync facts, polled by static/js/sync_status.js while a sync is on its way."""
    connection = get_object_or_404(
        CalendarConnection.objects.for_expert(request.user).select_related("expert"), uuid=uuid
    )
    return JsonResponse(sync_status.status(connection))


@login_required
@require_POST
@deadline(MICROSOFT_DEADLINE, person_waits=True)
def connect(request):
    """Send the expert to Microsoft's sign-in and consent pages."""
    try:
        flow = identity.start_sign_in(_absolute(request, "calendars:microsoft_callback"))
    except identity.MicrosoftUnavailable:
        messages.error(
            request, _("Microsoft cannot be reached right now. Please try again in a few minutes.")
        )
        return redirect("calendars:settings")
    request.session[FLOW_SESSION_KEY] = flow
    return redirect(flow["auth_uri"])


@csrf_exempt  # Microsoft's page posts here, cross-site; MSAL checks state, nonce and PKCE.
@require_http_methods(["GET", "POST"])
def microsoft_callback(request):
    """Microsoft's answer arrives here: POSTed (form_post), without the session cookie.

    The answer is parked for a minute and the browser sent on to `finish_sign_in`, which runs
    with the expert's session (see calendars/sign_in_answers.py). A GET carries no usable
    answer (Microsoft never sends one with form_post): an error in it is still explained, a
    code in it is never redeemed.
    """
    finish = reverse("calendars:finish_sign_in")
    if request.method == "GET":
        if "error" in request.GET:
            return redirect(f"{finish}?{urlencode({'problem': 'cancelled'})}")
        return redirect(f"{finish}?{urlencode({'problem': 'expired'})}")
    answer = sign_in_answers.answer_fields(request.POST)
    if answer is None:
        return _see_other(f"{finish}?{urlencode({'problem': 'expired'})}")
    try:
        handle = sign_in_answers.park(answer)
    except sign_in_answers.CacheUnavailable:
        return _see_other(f"{finish}?{urlencode({'problem': 'unavailable'})}")
    return _see_other(f"{finish}?{urlencode({'answer': handle})}")


@login_required
@require_GET
@deadline(MICROSOFT_DEADLINE, person_waits=True)
def finish_sign_in(request):
    """Redeem the parked answer against the flow in this expert's session (once)."""
    flow = request.session.pop(FLOW_SESSION_KEY, None)
    early = request.GET.get("problem")
    if early in ("cancelled", "expired", "unavailable"):
        _problem(request, early)
        return redirect("calendars:settings")
    try:
        answer = sign_in_answers.take(request.GET.get("answer", ""))
    except sign_in_answers.CacheUnavailable:
        _problem(request, "unavailable")
        return redirect("calendars:settings")
    try:
        sign_in = identity.finish_sign_in(flow, answer or {})
        me = graph.get_me(sign_in.access_token)
        meeting_providers = _meeting_providers(sign_in.access_token)
    except identity.SignInCancelled:
        _problem(request, "cancelled")
    except identity.AdminApprovalRequired:
        _problem(request, "admin_approval")
    except identity.SignInFailed as exc:
        logger.warning("sign-in answer refused: %s", exc)
        _problem(request, {"state": "expired", "rejected": "failed"}.get(exc.reason, "unavailable"))
    except (identity.MicrosoftUnavailable, graph.GraphError) as exc:
        logger.warning("microsoft unavailable during connect: %s", exc)
        _problem(request, "unavailable")
    else:
        try:
            connection = services.connect_calendar(
                request.user, sign_in=sign_in, me=me, meeting_providers=meeting_providers
            )
        except services.AccountInUse:
            logger.warning("microsoft account already connected to another expert")
            _problem(request, "account_in_use")
            return redirect("calendars:settings")
        tasks.queue_sync(connection.pk)
        announce_calendar_connected(request.user, account=connection.home_account_id)
        messages.success(
            request,
            _("Your calendar is connected: %(account)s (%(kind)s).")
            % {
                "account": connection.account_address,
                "kind": connection.get_account_kind_display(),
            },
        )
    return redirect("calendars:settings")


@login_required
@require_POST
def disconnect(request, uuid):
    connection = get_object_or_404(CalendarConnection.objects.for_expert(request.user), uuid=uuid)
    # Live updates end with the connection; Microsoft not answering in time leaves its
    # subscriptions to expire.
    with deadline(MICROSOFT_DEADLINE, person_waits=True):
        subscriptions.delete_all(connection)
    services.disconnect_calendar(connection)
    messages.success(
        request, _("Your calendar was disconnected. Its tokens and busy times were deleted.")
    )
    return redirect("calendars:settings")


@login_required
@require_POST
@deadline(MICROSOFT_DEADLINE, person_waits=True)
def check(request, uuid):
    connection = get_object_or_404(CalendarConnection.objects.for_expert(request.user), uuid=uuid)
    try:
        me = services.check_connection(connection)
    except identity.ReconnectNeeded:
        messages.error(
            request,
            _("Microsoft no longer accepts the connection. Please reconnect your calendar."),
        )
    except (identity.MicrosoftUnavailable, graph.GraphError):
        messages.error(
            request, _("Microsoft cannot be reached right now. Please try again in a few minutes.")
        )
    else:
        messages.success(request, _("The connection works: %(account)s.") % {"account": me.address})
    return redirect("calendars:settings")


@login_required
@require_POST
def sync_now(request, uuid):
    connection = get_object_or_404(CalendarConnection.objects.for_expert(request.user), uuid=uuid)
    if sync.request_sync(connection, now=timezone.now()):
        tasks.queue_sync(connection.pk)
        messages.success(
            request, _("Your calendar is being synchronised. This takes a few seconds.")
        )
    else:
        messages.info(
            request,
            _("Your calendar was synchronised less than a minute ago. Please wait a moment."),
        )
    return redirect("calendars:settings")


@login_required
@require_GET
def stored_intervals(request):
    """What we store: exactly the busy intervals kept for the expert's calendar."""
    connection = CalendarConnection.objects.for_expert(request.user).first()
    intervals = (
        connection.busy_intervals.select_related("calendar").order_by("start", "calendar__name")
        if connection
        else []
    )
    return render(
        request, "calendars/stored.html", {"connection": connection, "intervals": intervals}
    )


@require_GET
def admin_consent_done(request):
    """Where Microsoft sends an administrator after the admin-consent page."""
    granted = request.GET.get("admin_consent") == "True" and "error" not in request.GET
    return render(request, "calendars/admin_consent_done.html", {"granted": granted})


def _meeting_providers(access_token):
    """Which online meetings the calendar allows; unknown (empty) when Microsoft does not say,
    which only means Teams is not offered, never a failed connect."""
    try:
        return graph.meeting_providers(access_token)
    except graph.GraphError as exc:
        logger.warning("online meeting providers unknown at connect: %s", exc)
        return ()


def _problem(request, kind):
    problem = {"kind": kind}
    if kind in ("admin_approval", "cancelled"):
        problem["admin_consent_url"] = identity.admin_consent_url(
            _absolute(request, "calendars:admin_consent_done")
        )
    request.session[PROBLEM_SESSION_KEY] = problem


def _see_other(url):
    """303: the browser follows a POST's answer with a GET (which carries the session)."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _absolute(request, name):
    return request.build_absolute_uri(reverse(name))

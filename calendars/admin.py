from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from okomo import metrics
from okomo.admin_times import (
    StaffTimesMixin,
    ViewOnlyMixin,
    staff_zone,
    time_column,
    time_field,
    zone_label,
)

from . import subscriptions
from .models import BusyInterval, Calendar, CalendarConnection, Subscription

# The health page lists at most this many calendars per kind of trouble, worst first.
HEALTH_LIST_LIMIT = 100
# Outbox kinds that write to, move in or remove from the expert's Outlook (bookings/effects.py).
OUTLOOK = "bookings.outlook_"


class CalendarInline(ViewOnlyMixin, admin.TabularInline):
    """The account's calendars by name, and which block times or receive appointments."""

    model = Calendar
    fields = ["name", "owner_name", "is_default", "can_edit", "blocks", "receives_appointments"]
    readonly_fields = fields
    extra = 0


class SubscriptionInline(ViewOnlyMixin, admin.TabularInline):
    """Live updates: the Graph subscriptions on the blocking calendars (never the secret)."""

    model = Subscription
    fields = ["resource", "expires_at", "last_notification_at", "created_at"]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = gettext_lazy("live updates (change notifications)")


@admin.register(CalendarConnection)
class CalendarConnectionAdmin(ViewOnlyMixin, StaffTimesMixin, admin.ModelAdmin):
    """Read-only: connections come from an expert's own Microsoft sign-in and change only
    through calendars.services (a disconnect also forgets tokens and busy times)."""

    list_filter = ["status", "last_problem_kind", "account_kind"]
    search_fields = ["account_address", "expert__email", "expert__display_name"]
    list_select_related = ["expert"]
    ordering = ["next_sync_at"]
    fields = [
        "expert",
        "account_address",
        "account_name",
        "account_kind",
        "status",
        "last_sync_at_shown",
        "next_sync_at_shown",
        "connected_at_shown",
        "last_problem_kind",
        "last_problem",
        "last_problem_at_shown",
        "live_updates",
        "treat_tentative_as_busy",
        "treat_out_of_office_as_busy",
        "account_oid",
        "account_tid",
        "uuid",
    ]
    readonly_fields = fields
    inlines = [CalendarInline, SubscriptionInline]
    last_sync_at_shown = time_field("last_sync_at", gettext_lazy("last successful sync"))
    next_sync_at_shown = time_field("next_sync_at", gettext_lazy("Next sync due"))
    connected_at_shown = time_field("connected_at", gettext_lazy("connected at"))
    last_problem_at_shown = time_field("last_problem_at", gettext_lazy("last problem at"))

    @admin.display(description=gettext_lazy("Live updates"))
    def live_updates(self, obj):
        return subscriptions.live_status(obj)["text"]

    def get_list_display(self, request):
        # Four narrow columns: "Next sync due" stays in view at 1280 px between the admin's
        # navigation and the filters.
        return [
            "account",
            "status",
            time_column("last_sync_at", _("Last sync")),
            time_column("next_sync_at", _("Next sync due")),
        ]

    @admin.display(description=gettext_lazy("account and expert"), ordering="account_address")
    def account(self, connection):
        expert = connection.expert
        return format_html(
            '{}<br><span class="quiet">{}</span>',
            connection.account_address,
            expert.display_name or expert.email,
        )

    def get_urls(self):
        health = self.admin_site.admin_view(self.sync_health_view)
        return [
            path("health/", health, name="calendars_calendarconnection_health"),
            *super().get_urls(),
        ]

    def sync_health_view(self, request):
        """Counts, and the calendars that are overdue, failing or need reconnecting."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        health = metrics.sync_health(now=now)
        zone = staff_zone(request)
        connections = CalendarConnection.objects.select_related("expert")
        effects = reverse("admin:outbox_effect_changelist")
        minutes = int(metrics.OVERDUE_AFTER.total_seconds() // 60)
        counts = [
            ("connected", _("Connected calendars"), health.connected, ""),
            (
                "overdue",
                _("Overdue (sync due more than %(minutes)d minutes ago)") % {"minutes": minutes},
                health.overdue,
                "#overdue",
            ),
            ("failing", _("Failing (the last sync failed)"), health.failing, "#failing"),
            ("reconnect", _("Need reconnecting"), health.reconnect_needed, "#reconnect"),
            (
                "outlook_pending",
                _("Outlook writes waiting"),
                health.effects_of(OUTLOOK, "pending"),
                f"{effects}?status__exact=pending",
            ),
            (
                "outlook_failed",
                _("Outlook writes failed"),
                health.effects_of(OUTLOOK, "failed"),
                f"{effects}?status__exact=failed",
            ),
            (
                "effects_overdue",
                _("Mails and Outlook writes overdue (due more than %(minutes)d minutes ago)")
                % {"minutes": minutes},
                sum(health.effects_overdue.values()),
                f"{effects}?status__exact=pending",
            ),
            (
                "mail_failed",
                _("Mails failed"),
                health.effects_of("", "failed") - health.effects_of(OUTLOOK, "failed"),
                f"{effects}?status__exact=failed",
            ),
        ]
        sections = [
            (
                "overdue",
                _("Overdue"),
                connections.filter(metrics.overdue_q(now)).order_by("next_sync_at"),
                _("No calendar is overdue."),
            ),
            (
                "failing",
                _("Failing"),
                connections.filter(metrics.failing_q()).order_by("-last_problem_at"),
                _("No calendar is failing."),
            ),
            (
                "reconnect",
                _("Need reconnecting"),
                connections.filter(status=CalendarConnection.Status.RECONNECT_NEEDED).order_by(
                    "-last_problem_at"
                ),
                _("No calendar needs reconnecting."),
            ),
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Sync health"),
            "opts": self.model._meta,
            "zone": zone_label(zone),
            "now": now,
            "counts": [
                {"key": key, "label": label, "value": value, "link": link}
                for key, label, value, link in counts
            ],
            "sections": [
                {"key": key, "title": title, "rows": list(rows[:HEALTH_LIST_LIMIT]), "empty": empty}
                for key, title, rows, empty in sections
            ],
        }
        with timezone.override(zone):
            return render(request, "admin/calendars/sync_health.html", context)


@admin.register(BusyInterval)
class BusyIntervalAdmin(admin.ModelAdmin):
    list_display = ["connection", "calendar", "start", "end"]
    list_select_related = ["connection", "calendar"]
    ordering = ["connection", "start"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

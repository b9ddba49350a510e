from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from okomo.admin_times import StaffTimesMixin, ViewOnlyMixin, time_column, time_field

from .models import Booking


@admin.register(Booking)
class BookingAdmin(ViewOnlyMixin, StaffTimesMixin, admin.ModelAdmin):
    """Read-only: every change of a booking goes through bookings.services, which also mails
    the customer and keeps Outlook in step; an edit or delete here would do neither."""

    list_filter = ["status", "outlook_state", "meeting"]
    search_fields = ["customer_email", "customer_name", "expert__email"]
    list_select_related = ["expert"]
    ordering = ["-start"]
    show_full_result_count = False
    fields = [
        "expert",
        "status",
        "start_shown",
        "end_shown",
        "customer_name",
        "customer_email",
        "customer_phone",
        "customer_language",
        "customer_time_zone",
        "customer_message",
        "meeting",
        "join_url",
        "meeting_problem",
        "outlook_state",
        "outlook_account_address",
        "previous_outlook_address",
        "outlook_problem",
        "cancel_reason",
        "cancelled_by_customer",
        "created_at_shown",
        "expires_at_shown",
        "decided_at_shown",
        "uuid",
    ]
    readonly_fields = fields
    start_shown = time_field("start", gettext_lazy("start"))
    end_shown = time_field("end", gettext_lazy("end"))
    created_at_shown = time_field("created_at", gettext_lazy("requested at"))
    expires_at_shown = time_field("expires_at", gettext_lazy("request expires"))
    decided_at_shown = time_field("decided_at", gettext_lazy("decided at"))

    def get_list_display(self, request):
        return [
            "customer",
            "expert",
            time_column("start", _("Start")),
            "status",
            "outlook_state",
        ]

    @admin.display(description=gettext_lazy("customer"), ordering="customer_email")
    def customer(self, booking):
        return f"{booking.customer_name} <{booking.customer_email}>"

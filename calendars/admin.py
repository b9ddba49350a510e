from django.contrib import admin

from .models import BusyInterval, CalendarConnection


@admin.register(CalendarConnection)
class CalendarConnectionAdmin(admin.ModelAdmin):
    list_display = [
        "account_address",
        "expert",
        "account_kind",
        "status",
        "last_sync_at",
        "next_sync_at",
        "connected_at",
    ]
    list_filter = ["status", "account_kind"]
    search_fields = ["account_address", "expert__email", "expert__display_name"]
    ordering = ["next_sync_at"]
    readonly_fields = [
        "uuid",
        "expert",
        "account_oid",
        "account_tid",
        "home_account_id",
        "account_address",
        "account_name",
        "account_kind",
        "connected_at",
        "last_sync_at",
        "last_problem",
        "last_problem_at",
    ]

    def has_add_permission(self, request):
        return False  # Connections come only from an expert's own Microsoft sign-in.


@admin.register(BusyInterval)
class BusyIntervalAdmin(admin.ModelAdmin):
    list_display = ["connection", "start", "end"]
    list_select_related = ["connection"]
    ordering = ["connection", "start"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

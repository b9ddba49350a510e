from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from okomo.admin_times import StaffTimesMixin, ViewOnlyMixin, time_column, time_field

from .models import Effect


@admin.register(Effect)
class EffectAdmin(ViewOnlyMixin, StaffTimesMixin, admin.ModelAdmin):
    """Read-only: effects are recorded by the services and carried out by the workers."""

    list_filter = ["status", "kind"]
    search_fields = ["subject_id", "last_error"]
    show_full_result_count = False
    fields = [
        "kind",
        "subject_id",
        "status",
        "attempts",
        "created_at_shown",
        "next_attempt_at_shown",
        "done_at_shown",
        "last_error",
        "args",
        "uuid",
    ]
    readonly_fields = fields
    created_at_shown = time_field("created_at", gettext_lazy("created"))
    next_attempt_at_shown = time_field("next_attempt_at", gettext_lazy("next attempt"))
    done_at_shown = time_field("done_at", gettext_lazy("done"))

    def get_list_display(self, request):
        return [
            "kind",
            "subject_id",
            "status",
            "attempts",
            time_column("next_attempt_at", _("Next attempt")),
            "last_error",
        ]

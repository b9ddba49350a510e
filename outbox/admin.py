from django.contrib import admin

from .models import Effect


@admin.register(Effect)
class EffectAdmin(admin.ModelAdmin):
    list_display = ["kind", "subject_id", "status", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["status", "kind"]
    search_fields = ["subject_id", "last_error"]
    readonly_fields = [f.name for f in Effect._meta.fields]

    def has_add_permission(self, request):
        return False

"""The admin's shared pieces: view-only pages, and times in the staff member's own time zone,
always labelled with it."""

import zoneinfo

from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _


class ViewOnlyMixin:
    """No adding, changing or deleting: these rows change only through the app's services
    (a disconnect also forgets tokens, a cancellation mails the customer)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Compact and unambiguous in every language; the zone is named beside it.
FORMAT = "%Y-%m-%d %H:%M"


def staff_zone(request) -> zoneinfo.ZoneInfo:
    """The signed-in staff member's time zone; UTC when theirs is unknown."""
    name = getattr(request.user, "time_zone", "") or "UTC"
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def zone_label(zone=None) -> str:
    """The zone's IANA name ("UTC" for UTC); the current zone by default."""
    zone = zone or timezone.get_current_timezone()
    return "UTC" if str(zone) in ("UTC", "Etc/UTC") else str(zone)


def local(value, zone=None) -> str:
    """`value` (aware) as wall time in `zone` (the current one by default); "—" for none."""
    if value is None:
        return "—"
    return value.astimezone(zone or timezone.get_current_timezone()).strftime(FORMAT)


def labelled(value, zone=None) -> str:
    """`value` as wall time with the zone named: "2026-11-23 11:00 (Europe/Zurich)"."""
    return f"{local(value, zone)} ({zone_label(zone)})" if value else "—"


def time_column(field: str, label: str):
    """A sortable changelist column of `field` in the current zone, its header naming it.
    Made per request (ModelAdmin.get_list_display), inside StaffTimesMixin's zone."""
    zone = timezone.get_current_timezone()

    def column(obj):
        return local(getattr(obj, field), zone)

    # The zone on a line of its own: the admin never wraps headers, and a long zone name
    # would push the column out of view.
    column.short_description = format_html(
        "{} <br>{}", label, _("(%(zone)s)") % {"zone": zone_label(zone)}
    )
    column.admin_order_field = field
    column.__name__ = f"{field}_local"
    return column


def time_field(field: str, label):
    """A read-only detail field: `field` in the current zone, the zone named."""

    def shown(admin, obj):
        return labelled(getattr(obj, field))

    shown.short_description = label
    shown.__name__ = f"{field}_shown"
    return shown


def _rendered(response):
    # A TemplateResponse renders after the view returns: render it while the zone is active.
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    return response


class StaffTimesMixin:
    """For a ModelAdmin: its pages show times in the viewing staff member's zone."""

    def changelist_view(self, request, extra_context=None):
        with timezone.override(staff_zone(request)):
            return _rendered(super().changelist_view(request, extra_context))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with timezone.override(staff_zone(request)):
            return _rendered(super().changeform_view(request, object_id, form_url, extra_context))

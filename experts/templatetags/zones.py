"""{% load zones %}{{ zone|zone_label }}: a time zone as people read it, "New York (UTC−5)";
{{ zone|zone_city }}: "New York".

With a moment, the offset is the one in force then: {{ zone|zone_label:booking.start }}
(an appointment in July is "UTC−4" in New York even when the mail goes out in March).
"""

from django import template

from experts import time_zones

register = template.Library()


@register.filter
def zone_label(zone_name, when=None):
    if not zone_name:
        return ""
    return time_zones.label(str(zone_name), when=when or None)


@register.filter
def zone_city(zone_name):
    """ "New York": the zone's city in the active language, without the offset."""
    return time_zones.city(str(zone_name)) if zone_name else ""


@register.simple_tag
def zone_options():
    """The picker's entries in the active language: (zone, label, country, search words, offset)."""
    return time_zones.options()


@register.simple_tag
def zone_aliases():
    """Alias → offered zone, for preselecting the browser's zone when it reports an alias."""
    return time_zones.aliases()

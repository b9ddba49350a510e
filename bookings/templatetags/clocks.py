"""{% load clocks %}{{ booking.start|clock_time:booking }}: a time on the customer's clock.

"3:00 PM" for a customer who booked on a 12 h clock, "15:00" on a 24 h clock, and the
language's TIME_FORMAT when we don't know (older bookings, or the page ran without script).
The argument is a booking or the clock itself ("12", "24", ""), so a mail shared with the
expert passes "" and keeps the expert's format. Inside {% timezone %} the time is that zone's.
"""

from babel.dates import format_time
from django import template
from django.template.defaultfilters import time as time_filter
from django.utils import translation

register = template.Library()

PATTERNS = {"12": "h:mm a", "24": "HH:mm"}


@register.filter(expects_localtime=True)
def clock_time(value, booking_or_clock=""):
    if not value:
        return ""
    clock = getattr(booking_or_clock, "customer_clock", booking_or_clock) or ""
    pattern = PATTERNS.get(str(clock))
    if pattern is None:
        return time_filter(value, "TIME_FORMAT")
    language = translation.to_locale(translation.get_language() or "en")
    return format_time(value.time(), pattern, locale=language)

"""The calendar choice form for templates/calendars/_calendar_choice.html."""

from django import template

from calendars.forms import CalendarChoiceForm

register = template.Library()


@register.simple_tag
def calendar_choice_form(connection):
    """The unbound form for `connection`, so the settings page needs to pass nothing else."""
    return CalendarChoiceForm(connection)

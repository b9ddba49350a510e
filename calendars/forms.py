from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Calendar, CalendarConnection


def calendar_label(calendar: Calendar) -> str:
    """The calendar's name as the expert knows it, the default one marked."""
    if calendar.is_default:
        return _("%(name)s (default)") % {"name": calendar}
    return str(calendar)


class BlockingCalendarsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, calendar):
        if calendar.can_edit:
            return calendar_label(calendar)
        return _("%(name)s (read only)") % {"name": calendar_label(calendar)}


class ReceivingCalendarField(forms.ModelChoiceField):
    def label_from_instance(self, calendar):
        return calendar_label(calendar)


CHOICE_GONE = _(
    "One of the calendars is no longer in your list. Please check your choice and save again."
)


class CalendarChoiceForm(forms.Form):
    """Which of the connection's calendars block times, which one receives new appointments,
    and whether tentative and out-of-office times block."""

    blocking = BlockingCalendarsField(
        label=_("Calendars that block booking times"),
        queryset=Calendar.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": CHOICE_GONE, "invalid_pk_value": CHOICE_GONE},
    )
    receiving = ReceivingCalendarField(
        label=_("Write new appointments into"),
        queryset=Calendar.objects.none(),
        empty_label=None,
        help_text=_("Appointments already in Outlook stay where they are."),
        error_messages={
            "invalid_choice": CHOICE_GONE,
            "required": _("Please choose the calendar for new appointments."),
        },
    )
    treat_tentative_as_busy = forms.BooleanField(
        required=False,
        label=CalendarConnection._meta.get_field("treat_tentative_as_busy").verbose_name,
        help_text=CalendarConnection._meta.get_field("treat_tentative_as_busy").help_text,
    )
    treat_out_of_office_as_busy = forms.BooleanField(
        required=False,
        label=CalendarConnection._meta.get_field("treat_out_of_office_as_busy").verbose_name,
        help_text=CalendarConnection._meta.get_field("treat_out_of_office_as_busy").help_text,
    )

    def __init__(self, connection: CalendarConnection, *args, **kwargs):
        scoped = Calendar.objects.filter(connection=connection).order_by(
            "-is_default", "name", "pk"
        )
        calendars = list(scoped)
        receiver = next((c for c in calendars if c.receives_appointments), None)
        kwargs.setdefault(
            "initial",
            {
                "blocking": [c.pk for c in calendars if c.blocks],
                "receiving": receiver.pk if receiver else None,
                "treat_tentative_as_busy": connection.treat_tentative_as_busy,
                "treat_out_of_office_as_busy": connection.treat_out_of_office_as_busy,
            },
        )
        super().__init__(*args, **kwargs)
        self.connection = connection
        self.calendars = calendars
        self.fields["blocking"].queryset = scoped
        self.fields["receiving"].queryset = scoped.filter(can_edit=True)
        if not any(c.can_edit for c in calendars):
            # Nothing Okomo may write to is listed: appointments go to the default calendar.
            del self.fields["receiving"]

    @property
    def toggles(self):
        return [self["treat_tentative_as_busy"], self["treat_out_of_office_as_busy"]]

    @property
    def warning(self):
        """A sentence for a choice that is allowed but probably not meant."""
        if self.is_bound:
            blocking = self.cleaned_data.get("blocking") if self.is_valid() else None
            blocks = bool(blocking)
        else:
            blocks = any(c.blocks for c in self.calendars)
        if self.calendars and not blocks:
            return _("No calendar blocks times: customers can book any time within your hours.")
        return ""

    def choice(self) -> dict:
        """The cleaned choice as keyword arguments of services.save_calendar_choice."""
        data = self.cleaned_data
        return {
            "blocking": list(data["blocking"]),
            "receiving": data.get("receiving"),
            "treat_tentative_as_busy": data["treat_tentative_as_busy"],
            "treat_out_of_office_as_busy": data["treat_out_of_office_as_busy"],
        }

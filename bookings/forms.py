import re
from datetime import UTC, datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from experts.forms import time_zone_choices

from .models import BookingSettings
from .text import clean_multiline, single_line

RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


def no_markup(value):
    if re.search(r"[<>]", value):
        raise ValidationError(_("Please use letters only, without < or >."))


# Offered times lie between now and the booking horizon (at most 92 days ahead). A start
# further off cannot come from the list, and near year 1 or 9999 its arithmetic overflows. Two
# days back still count as "from the list", so a page left open overnight gets the sentence
# that the time is gone rather than this one.
START_NOT_BEFORE = timedelta(days=2)
FAR_AHEAD = timedelta(days=2 * 366)


class MultilineTextField(forms.CharField):
    """Free text: line breaks as LF, tabs kept, other control characters silently dropped."""

    def to_python(self, value):
        return clean_multiline(super().to_python(value))


class BookingRequestForm(forms.Form):
    start = forms.CharField(widget=forms.HiddenInput)
    time_zone = forms.ChoiceField(label=_("Your time zone"), choices=time_zone_choices)
    name = forms.CharField(
        label=_("Your name"), max_length=100, validators=[single_line, no_markup]
    )
    email = forms.EmailField(
        label=_("Your email address"), max_length=254, validators=[single_line]
    )
    message = MultilineTextField(
        label=_("Message (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    language = forms.ChoiceField(
        label=_("Language for our mails"), choices=[("en", "English"), ("de", "Deutsch")]
    )

    def clean_start(self):
        refusal = ValidationError(_("Please pick a time from the list."), code="not_a_slot")
        try:
            moment = datetime.fromisoformat(self.cleaned_data["start"].replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise refusal
            moment = moment.astimezone(UTC)
        except (ValueError, OverflowError) as exc:
            raise refusal from exc
        now = timezone.now()
        if not now - START_NOT_BEFORE <= moment <= now + FAR_AHEAD:
            raise refusal
        return moment


def parse_ranges(text):
    """ "09:00-12:00, 13:00-17:00" → [(time, time), …]; empty text: no hours."""
    ranges = []
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        match = RANGE.match(part)
        if not match:
            raise ValidationError(_("Write hours like 09:00-12:00, 13:00-17:00."))
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            start, end = time(h1, m1), time(h2, m2)
        except ValueError as exc:
            raise ValidationError(_("Write hours like 09:00-12:00, 13:00-17:00.")) from exc
        if end <= start:
            raise ValidationError(_("Each range must end after it starts."))
        ranges.append((start, end))
    ranges.sort()
    for earlier, later in zip(ranges, ranges[1:], strict=False):
        if later[0] < earlier[1]:
            raise ValidationError(_("The ranges of one day must not overlap."))
    return ranges


def format_ranges(ranges):
    return ", ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in ranges)


WEEKDAY_LABELS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]


class WeeklyHoursForm(forms.Form):
    """One text field per weekday, e.g. "09:00-12:00, 13:00-17:00"; empty means closed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day, label in enumerate(WEEKDAY_LABELS):
            self.fields[f"day_{day}"] = forms.CharField(
                label=label,
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"placeholder": _("closed")}),
            )

    def clean(self):
        cleaned = super().clean()
        self.ranges = {}
        for day in range(7):
            try:
                self.ranges[day] = parse_ranges(cleaned.get(f"day_{day}", ""))
            except ValidationError as exc:
                self.add_error(f"day_{day}", exc)
        return cleaned


class DateExceptionForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.CharField(
        label=_("Hours that day"),
        required=False,
        max_length=200,
        help_text=_("Empty: a day off."),
        widget=forms.TextInput(attrs={"placeholder": _("day off")}),
    )

    def clean_date(self):
        day = self.cleaned_data["date"]
        # A day before today (a day of slack for the zones ahead of UTC) or past any horizon
        # would never be offered; near year 9999 the day after it does not even exist.
        today = timezone.now().date()
        if not today - timedelta(days=1) <= day <= today + FAR_AHEAD:
            raise ValidationError(
                _("Please pick a date from today up to two years ahead."), code="out_of_range"
            )
        return day

    def clean_hours(self):
        return parse_ranges(self.cleaned_data.get("hours", ""))


class BookingSettingsForm(forms.ModelForm):
    class Meta:
        model = BookingSettings
        fields = [
            "appointment_minutes",
            "slot_step_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "minimum_notice_minutes",
            "horizon_days",
            "request_hold_hours",
        ]

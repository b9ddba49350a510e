import re
from datetime import UTC, datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calendars.models import TEAMS_FOR_BUSINESS
from experts.forms import TimeZoneField
from okomo.text import clean_multiline, single_line

from .models import BookingSettings


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


PHONE = re.compile(r"^\+?[0-9 ()./-]{6,40}$")


def phone_number(value):
    if not PHONE.match(value) or sum(char.isdigit() for char in value) < 6:
        raise ValidationError(_("Please write a phone number, e.g. +49 30 1234567."))


class StartForm(forms.Form):
    """A time picked from the list, in the zone the customer saw it in."""

    start = forms.CharField(widget=forms.HiddenInput)
    time_zone = TimeZoneField(label=_("Your time zone"))
    # The clock the page showed the times in ("12" or "24"), for the confirmation and mails;
    # anything else means "the language's usual format".
    clock = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_clock(self):
        value = self.cleaned_data["clock"]
        return value if value in ("12", "24") else ""

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


class BookingRequestForm(StartForm):
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
    phone = forms.CharField(
        label=_("Your phone number"),
        max_length=40,
        validators=[single_line, phone_number],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    language = forms.ChoiceField(
        label=_("Language for our mails"), choices=[("en", "English"), ("de", "Deutsch")]
    )

    def __init__(self, *args, phone: bool = False, **kwargs):
        """phone: the expert calls the customer, so their number is needed."""
        super().__init__(*args, **kwargs)
        if not phone:
            del self.fields["phone"]


class CancelForm(forms.Form):
    reason = MultilineTextField(
        label=_("Reason (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MeetingChoice(forms.RadioSelect):
    """Radio buttons; the values in `unavailable` are shown, but cannot be chosen."""

    unavailable = frozenset()

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value in self.unavailable:
            option["attrs"]["disabled"] = True
            option["attrs"]["aria-describedby"] = f"{option['attrs']['id']}_reason"
        return option


class SecureLinkField(forms.URLField):
    """A web address; one typed without a scheme ("zoom.us/j/1") gets https://."""

    def __init__(self, **kwargs):
        super().__init__(**{**kwargs, "assume_scheme": "https"})


TIMING_FIELDS = [
    "appointment_minutes",
    "slot_step_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "minimum_notice_minutes",
    "horizon_days",
    "request_hold_hours",
]
REMINDER_RANGE = _("Please give a whole number of hours from 0 (no reminder) to 168 (a week).")
# A number outside its range, missing or not a number gets one sentence that says what fits
# (instead of Django's "Ensure this value is less than or equal to 92.").
RANGE_SENTENCES = {
    "appointment_minutes": _("Please choose a length from 10 to 480 minutes (8 hours)."),
    "buffer_before_minutes": _("Please give 0 to 240 minutes (4 hours) of free time before."),
    "buffer_after_minutes": _("Please give 0 to 240 minutes (4 hours) of free time after."),
    "minimum_notice_minutes": _("Please give a notice from 0 to 20160 minutes (two weeks)."),
    "horizon_days": _("Please choose from 1 to 92 days ahead."),
    "request_hold_hours": _("Please give 1 to 336 hours (two weeks)."),
    "reminder_hours": REMINDER_RANGE,
}


def range_messages(sentence):
    return {code: sentence for code in ("required", "invalid", "min_value", "max_value")}


# The same bounds as the model's validators, so that the browser's number inputs know them.
BOUNDS = {
    "appointment_minutes": (10, 480),
    "buffer_before_minutes": (0, 240),
    "buffer_after_minutes": (0, 240),
    "minimum_notice_minutes": (0, 20160),
    "horizon_days": (1, 92),
    "request_hold_hours": (1, 336),
    "reminder_hours": (0, 168),
}


class BookingSettingsForm(forms.ModelForm):
    """The expert's booking settings.

    meeting_providers: the online meetings the expert's connected calendar allows (Graph's
    allowedOnlineMeetingProviders; empty without a calendar). Teams is offered only when it
    includes teamsForBusiness.
    """

    class Meta:
        model = BookingSettings
        fields = [
            *TIMING_FIELDS,
            "meeting",
            "meeting_link",
            "confirm_automatically",
            "reminder_hours",
        ]
        field_classes = {"meeting_link": SecureLinkField}
        widgets = {
            "meeting": MeetingChoice,
            # Not type="url": the browser would refuse "zoom.us/j/1" before https:// is added.
            "meeting_link": forms.TextInput(
                attrs={
                    "inputmode": "url",
                    "autocomplete": "url",
                    "spellcheck": "false",
                    "autocapitalize": "off",
                    "placeholder": "https://",
                }
            ),
        }
        help_texts = {
            "meeting_link": _(
                "An https address: Zoom, Webex, Jitsi, your own room. With Teams, it is sent "
                "whenever Outlook creates no Teams meeting."
            ),
            "reminder_hours": _("None when the appointment is booked closer than that."),
        }
        error_messages = {
            "meeting_link": {
                "invalid": _(
                    "Please give the full address of your video link, "
                    "e.g. https://zoom.us/j/123456789."
                ),
                "max_length": _("This link is too long: at most 500 characters, please."),
            },
            "slot_step_minutes": {
                "required": _("Please choose how often start times are offered."),
                "invalid_choice": _("Please choose one of the offered steps."),
            },
            **{name: range_messages(sentence) for name, sentence in RANGE_SENTENCES.items()},
        }

    def __init__(self, *args, meeting_providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name, (low, high) in BOUNDS.items():
            # After the field's own min (0 for a positive integer), which would win otherwise.
            self.fields[name].widget.attrs.update(min=low, max=high, inputmode="numeric")
        Meeting = BookingSettings.Meeting
        self.teams_allowed = TEAMS_FOR_BUSINESS in meeting_providers
        self.teams_unavailable = ""
        if not self.teams_allowed:
            self.teams_unavailable = _("needs a connected Microsoft 365 work or school calendar")
            self.fields["meeting"].widget.unavailable = frozenset({Meeting.TEAMS})
        # A checked but disabled radio button is not sent: no answer keeps the saved choice.
        self.fields["meeting"].required = False
        self.teams_fallback = ""
        if self.instance.meeting == Meeting.TEAMS and not self.teams_allowed:
            if self.instance.meeting_link:
                self.teams_fallback = _(
                    "Your calendar cannot create Teams meetings: appointments get your video "
                    "link instead."
                )
            else:
                self.teams_fallback = _(
                    "Your calendar cannot create Teams meetings, and you have no video link "
                    "yet: please add one or choose another way to meet."
                )

    def timing_fields(self):
        return [self[name] for name in TIMING_FIELDS]

    def clean_meeting(self):
        meeting = self.cleaned_data.get("meeting") or self.instance.meeting
        Meeting = BookingSettings.Meeting
        # A saved Teams choice stays (it falls back to the video link); a new one must work.
        newly_teams = meeting == Meeting.TEAMS and self.instance.meeting != Meeting.TEAMS
        if newly_teams and not self.teams_allowed:
            raise ValidationError(
                _(
                    "Teams meetings need a connected Microsoft 365 work or school "
                    "calendar. Please choose another way to meet."
                ),
                code="teams_unavailable",
            )
        return meeting

    def clean_meeting_link(self):
        link = self.cleaned_data.get("meeting_link", "")
        if link and not link.lower().startswith("https://"):
            raise ValidationError(
                _(
                    "Please use a secure link that starts with https:// (your video service "
                    "shows it when you share a meeting)."
                ),
                code="not_https",
            )
        return link

    def clean(self):
        cleaned = super().clean()
        wants_link = cleaned.get("meeting") == BookingSettings.Meeting.LINK
        if wants_link and "meeting_link" in cleaned and not cleaned["meeting_link"]:
            self.add_error(
                "meeting_link",
                ValidationError(
                    _("Please enter your video link, or choose another way to meet."),
                    code="link_missing",
                ),
            )
        return cleaned

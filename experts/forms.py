from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from okomo.text import clean_multiline, single_line

from . import photos, time_zones
from .models import User


def time_zone_choices():
    return time_zones.choices()


class TimeZoneField(forms.ChoiceField):
    """Offers the canonical zones, accepts every known one ("US/Eastern" from old clients)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", time_zone_choices)
        super().__init__(**kwargs)

    def valid_value(self, value):
        return value in time_zones.known()


class ZonePickerSelect(forms.Select):
    """The canonical zones with what static/js/zone_picker.js searches (country, other names)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        found = self._details.get(value)
        if found:
            option["attrs"].update({"data-country": found[0], "data-search": found[1]})
        return option

    def get_context(self, name, value, attrs):
        self._details = {row[0]: (row[2], row[3]) for row in time_zones.options()}
        return super().get_context(name, value, attrs)


class ProfileTimeZoneField(forms.ChoiceField):
    """The expert's own zone: one of the offered (canonical) zones. An alias an old client sends
    ("US/Eastern") is stored as the zone it stands for; anything else is refused."""

    widget = ZonePickerSelect
    default_error_messages = {
        "required": _("Please choose your time zone."),
        "invalid_choice": _("Please choose a time zone from the list, for example your city."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", time_zone_choices)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return time_zones.aliases().get(value, value)

    def valid_value(self, value):
        return value in time_zones.canonical()


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autofocus": True})
    )


class ProfileForm(forms.ModelForm):
    time_zone = ProfileTimeZoneField(
        label=_("Time zone"),
        help_text=_("Your weekly hours and every time on your pages are in this zone."),
    )
    # A plain FileField: photos.to_jpeg() reads it once with Pillow and says what is wrong.
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("JPEG, PNG or WebP, up to 8 MB. Shown round, 256 × 256 pixels."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A stored alias ("US/Eastern") shows as the zone it stands for, not as the list's first.
        stored = self.initial.get("time_zone")
        self.initial["time_zone"] = time_zones.aliases().get(stored, stored)
        # The name stands in mail subjects and calendar files: one line, always.
        self.fields["display_name"].validators.append(single_line)
        if not self.instance.photo_version:
            del self.fields["remove_photo"]

    def clean_introduction(self):
        return clean_multiline(self.cleaned_data["introduction"]).strip()

    def clean_photo(self):
        """The upload as a small JPEG (bytes), or None when none was sent."""
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        try:
            return photos.to_jpeg(upload)
        except photos.PhotoRefused as refused:
            raise forms.ValidationError(str(refused), code="photo") from None

    def save(self, commit=True):
        expert = super().save(commit=commit)
        if commit:
            if self.cleaned_data.get("photo"):
                photos.set_photo(expert, jpeg=self.cleaned_data["photo"])
            elif self.cleaned_data.get("remove_photo"):
                photos.remove_photo(expert)
        return expert

    class Meta:
        model = User
        fields = ["display_name", "introduction", "time_zone", "language", "slug"]
        widgets = {"introduction": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"slug": _("Letters, digits and hyphens, e.g. “jana-berger”.")}
        error_messages = {
            "display_name": {"required": _("Please enter the name your customers will see.")},
            "slug": {
                "invalid": _("Please use only letters, digits, hyphens and underscores."),
                "unique": _("This booking link name is already taken. Please choose another."),
            },
            "introduction": {
                "max_length": _(
                    "Please keep the introduction to %(limit_value)d characters "
                    "(it has %(show_value)d)."
                )
            },
        }

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from okomo.text import single_line

from . import time_zones
from .models import User


def time_zone_choices():
    return time_zones.choices()


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autofocus": True})
    )


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The name stands in mail subjects and calendar files: one line, always.
        self.fields["display_name"].validators.append(single_line)

    class Meta:
        model = User
        fields = ["display_name", "time_zone", "language", "slug"]

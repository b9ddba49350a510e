from django import forms

from .models import CalendarConnection


class SyncPreferencesForm(forms.ModelForm):
    class Meta:
        model = CalendarConnection
        fields = ["treat_tentative_as_busy", "treat_out_of_office_as_busy"]

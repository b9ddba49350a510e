from django.urls import path

from . import views

app_name = "calendars"
urlpatterns = [
    path("settings/calendars/", views.settings_page, name="settings"),
    path("calendars/microsoft/connect/", views.connect, name="connect"),
    path("calendars/microsoft/callback/", views.microsoft_callback, name="microsoft_callback"),
    path("calendars/microsoft/admin-consent/", views.admin_consent_done, name="admin_consent_done"),
    path("calendars/<uuid:uuid>/disconnect/", views.disconnect, name="disconnect"),
    path("calendars/<uuid:uuid>/check/", views.check, name="check"),
    path("calendars/<uuid:uuid>/sync/", views.sync_now, name="sync_now"),
    path("calendars/<uuid:uuid>/preferences/", views.preferences, name="preferences"),
    path("settings/calendars/stored/", views.stored_intervals, name="stored"),
]

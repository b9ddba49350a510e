from django.urls import path

from . import calendar_choice, notifications, views

app_name = "calendars"
urlpatterns = [
    path("settings/calendars/", views.settings_page, name="settings"),
    path("calendars/microsoft/connect/", views.connect, name="connect"),
    path("calendars/microsoft/callback/", views.microsoft_callback, name="microsoft_callback"),
    path("calendars/microsoft/finish/", views.finish_sign_in, name="finish_sign_in"),
    path("calendars/microsoft/admin-consent/", views.admin_consent_done, name="admin_consent_done"),
    path("calendars/<uuid:uuid>/disconnect/", views.disconnect, name="disconnect"),
    path("calendars/<uuid:uuid>/check/", views.check, name="check"),
    path("calendars/<uuid:uuid>/sync/", views.sync_now, name="sync_now"),
    path("calendars/<uuid:uuid>/status.json", views.status_json, name="status"),
    path("calendars/<uuid:uuid>/preferences/", calendar_choice.save_choice, name="preferences"),
    path(
        "calendars/<uuid:uuid>/calendars/refresh/",
        calendar_choice.refresh_list,
        name="refresh_calendars",
    ),
    path("settings/calendars/stored/", views.stored_intervals, name="stored"),
    # Microsoft's change notifications (live updates); no sign-in, checked by clientState.
    path("calendars/microsoft/notifications/", notifications.changes, name="notifications"),
    path("calendars/microsoft/lifecycle/", notifications.lifecycle, name="lifecycle"),
]

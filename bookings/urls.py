from django.urls import path, register_converter

from . import customer_views, expert_views, settings_views, views
from .converters import IsoDateConverter

register_converter(IsoDateConverter, "isodate")

app_name = "bookings"
urlpatterns = [
    path("book/<slug:slug>/", views.booking_page, name="page"),
    path("book/<slug:slug>/slots.json", views.slots_json, name="slots"),
    path("book/<slug:slug>/request/", views.submit, name="submit"),
    path("booking/<uuid:uuid>/", customer_views.requested, name="requested"),
    path("booking/<uuid:uuid>/calendar.ics", customer_views.calendar_file, name="calendar_file"),
    path("booking/cancel/<str:token>/", customer_views.customer_cancel, name="customer_cancel"),
    path(
        "booking/reschedule/<str:token>/",
        customer_views.customer_reschedule,
        name="customer_reschedule",
    ),
    path("settings/bookings/", expert_views.expert_list, name="expert_list"),
    path("settings/bookings/<uuid:uuid>/accept/", expert_views.accept, name="accept"),
    path("settings/bookings/<uuid:uuid>/decline/", expert_views.decline, name="decline"),
    path("settings/bookings/<uuid:uuid>/cancel/", expert_views.cancel, name="cancel"),
    path("settings/bookings/<uuid:uuid>/move/", expert_views.reschedule, name="reschedule"),
    path("settings/bookings/<uuid:uuid>/keep/", expert_views.keep, name="keep"),
    path("settings/availability/", settings_views.availability_page, name="availability"),
    path("settings/availability/weekly/", settings_views.save_weekly_hours, name="save_weekly"),
    path("settings/availability/dates/", settings_views.add_exception, name="add_exception"),
    path(
        "settings/availability/dates/<isodate:day>/delete/",
        settings_views.delete_exception,
        name="delete_exception",
    ),
    path("settings/booking-page/", settings_views.booking_settings_page, name="booking_settings"),
    path("settings/booking-page/save/", settings_views.save_settings, name="save_settings"),
]

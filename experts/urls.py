from django.urls import path

from . import views

app_name = "experts"
urlpatterns = [
    path("settings/profile/", views.profile, name="profile"),
    path("experts/<slug:slug>/photo.jpg", views.photo, name="photo"),
]

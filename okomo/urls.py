from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from experts import views as expert_views

urlpatterns = [
    path("", expert_views.home, name="home"),
    path("sign-in/", expert_views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("experts.urls")),
    path("", include("calendars.urls")),
    path("", include("bookings.urls")),
    path("admin/", admin.site.urls),
]

# 503 with a sentence while PostgreSQL or Redis is down, a branded 500 otherwise.
handler500 = "okomo.errors.server_error"

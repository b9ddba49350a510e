from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from experts import views as expert_views
from okomo import health, metrics

admin.site.site_header = _("Okomo administration")
admin.site.site_title = _("Okomo administration")

urlpatterns = [
    path("", expert_views.home, name="home"),
    path("sign-in/", expert_views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    # Django's set_language, also saving a signed-in expert's choice to the profile.
    path("i18n/setlang/", expert_views.set_language, name="set_language"),
    # The settings area opens on its first tab.
    path("settings/", RedirectView.as_view(pattern_name="bookings:availability"), name="settings"),
    path("", include("experts.urls")),
    path("", include("calendars.urls")),
    path("", include("bookings.urls")),
    path("admin/", admin.site.urls),
    # Probes (okomo/health.py); no trailing slash, as load balancers are usually told.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),  # Prometheus; docs/deploy.md
    # Browsers ask for /favicon.ico whatever the page links; not permanent, as the static URL
    # may change. Lazy: the static URL is read from settings on the first request.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg"))),
]

# 503 with a sentence while PostgreSQL or Redis is down, a branded 500 otherwise.
handler500 = "okomo.errors.server_error"
# Branded and translated, like the 500; JSON for JSON clients.
handler400 = "okomo.errors.bad_request"
handler403 = "okomo.errors.permission_denied"
handler404 = "okomo.errors.page_not_found"

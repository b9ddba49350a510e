"""A minimal Django site around django-appointment: only what its slot functions need."""

import os

SECRET_KEY = "bench-peer-only"  # noqa: S105 (a scratch site, never served)
DEBUG = False
USE_TZ = True
TIME_ZONE = "Europe/Zurich"  # its working hours and unavailabilities are local wall-clock times
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "phonenumber_field",
    "appointment",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("PEER_DB", ":memory:"),
    }
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGGING = {"version": 1, "disable_existing_loggers": True}

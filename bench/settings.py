"""The production settings plus one framework-floor view, for the benchmarks only."""

from okomo.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
LOGGING = {"version": 1, "disable_existing_loggers": False}

# Every simulated customer comes from 127.0.0.1; the per-address limit would refuse them.
BOOKING_REQUESTS_PER_HOUR = 1_000_000
CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": "okomo-bench"}}  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

"""The production settings plus one framework-floor view, for the benchmarks only."""

import os

import okomo.local_keys  # noqa: F401  (before the settings are read)
from okomo.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# Warnings only, but Celery's own lines at INFO: the drill waits for the worker's "ready.".
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "celery": {"level": "INFO"},
        "celery.app.trace": {"level": "WARNING"},  # as in production: no line per task
        "celery.worker.strategy": {"level": "WARNING"},
    },
}

# Every simulated customer comes from 127.0.0.1 to one booking page; the limits per address
# and per page would refuse them.
BOOKING_REQUESTS_PER_HOUR = 1_000_000
BOOKING_REQUESTS_PER_EXPERT_PER_HOUR = 1_000_000
CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": "okomo-bench"}}  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The fault drill counts the mails its worker sent: one file per sent mail in this directory.
if os.environ.get("BENCH_EMAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["BENCH_EMAIL_DIR"]

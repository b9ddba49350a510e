"""Settings for the Okomo expert portal, read from the environment (see .env.example)."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Variables already in the environment win over the file (make run relies on that).
environ.Env.read_env(BASE_DIR / ".env")

# The default key is for development only; `manage.py check --deploy` flags it.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="django-insecure-okomo-development-only")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "experts",
    "calendars",
    "bookings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "okomo.urls"
WSGI_APPLICATION = "okomo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "calendars.context_processors.calendar_connection",
            ],
        },
    },
]

# SQLite is the embedded default; production and CI use PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'okomo.sqlite3'}")
}
# Keep database connections open between requests: opening one costs more than a whole
# cached slots answer. Health checks drop a connection the server closed meanwhile.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so overlap checks inside a transaction
    # cannot race on SQLite; the timeout lets concurrent writers queue instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    # A file, not memory, so that the Celery worker the tests start sees the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "experts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "calendars:settings"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Okomo <no-reply@okomo.example>")

# The portal's public address, for links in mails (no request there to build them from).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# The cache holds the booking rate limit, so it must be shared by all web processes.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_URL", default="redis://127.0.0.1:6379/1"),
        "KEY_PREFIX": "okomo",
    }
}

# Booking requests per client address and hour: enough for a person who retries a few
# times, far too few for a script filling an expert's calendar.
BOOKING_REQUESTS_PER_HOUR = env.int("BOOKING_REQUESTS_PER_HOUR", default=10)

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task is acknowledged only after it ran, so a worker that dies mid-sync loses nothing.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# A separate queue name lets tests run their own worker beside a `make run` one.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="okomo")

# Each calendar is read every CALENDAR_SYNC_INTERVAL seconds (the help text promises 30
# minutes); beat looks for due calendars every CALENDAR_SYNC_DISPATCH_INTERVAL seconds, so a
# sync starts at most that late. Tests shorten both.
CALENDAR_SYNC_INTERVAL = env.int("CALENDAR_SYNC_INTERVAL", default=30 * 60)
CALENDAR_SYNC_DISPATCH_INTERVAL = env.float("CALENDAR_SYNC_DISPATCH_INTERVAL", default=60.0)
CELERY_BEAT_SCHEDULE = {
    "dispatch-calendar-syncs": {
        "task": "calendars.tasks.dispatch_due_syncs_task",
        "schedule": CALENDAR_SYNC_DISPATCH_INTERVAL,
    },
    # Requests nobody answered give their time back (and the expert's list stays honest).
    "expire-booking-requests": {
        "task": "bookings.tasks.expire_requests_task",
        "schedule": 300.0,
    },
}

# Microsoft identity platform and Graph. Pointing the app at real Microsoft or at the
# simulator differs only in these values.
MICROSOFT_CLIENT_ID = env("MICROSOFT_CLIENT_ID", default="")
MICROSOFT_CLIENT_SECRET = env("MICROSOFT_CLIENT_SECRET", default="")
MICROSOFT_AUTHORITY = env(
    "MICROSOFT_AUTHORITY", default="https://login.microsoftonline.com/common"
).rstrip("/")
MICROSOFT_GRAPH_URL = env("MICROSOFT_GRAPH_URL", default="https://graph.microsoft.com/v1.0").rstrip(
    "/"
)
# An extra CA file to trust for the Microsoft hosts; empty means the default CA store.
MICROSOFT_CA_BUNDLE = env("MICROSOFT_CA_BUNDLE", default="")
# Seconds for one HTTP exchange with Microsoft (connect, read): a hung peer must not
# hold a web request or a worker for long.
MICROSOFT_TIMEOUT = (5, 20)

# Fernet keys for the stored token caches, comma-separated, newest first (rotation).
# Empty: derived from DJANGO_SECRET_KEY, which `check --deploy` warns about.
TOKEN_ENCRYPTION_KEY = env.list("TOKEN_ENCRYPTION_KEY", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "calendars": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
        "bookings": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    },
}

"""Settings for the Okomo expert portal, read from the environment (see .env.example)."""

from datetime import timedelta
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Variables already in the environment win over the file (make run relies on that).
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The default key is for development (DJANGO_DEBUG=1) only: in production the token
# encryption key would be derived from a key anybody can read here, so it refuses to start.
DEVELOPMENT_SECRET_KEY = "django-insecure-okomo-development-only"  # noqa: S105  (DEBUG only)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set (or is the public development key). Set it to a long "
        "random value (python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
        "or set DJANGO_DEBUG=1 for development."
    )
SECRET_KEY = SECRET_KEY or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
# The public origin(s) (https://okomo.example.com); forms posted from elsewhere are refused.
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS only, by default whenever DJANGO_DEBUG=0: `manage.py check --deploy` passes with the
# variables of deploy/okomo.env.example. The tests and benchmarks talk plain HTTP to loopback
# and switch these off (okomo/local_keys.py).
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe over plain HTTP; a redirect would count as a failed probe.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# A year: browsers remember to use HTTPS only. The header counts only when received over
# HTTPS, so it cannot lock anyone out of a site that does not serve HTTPS yet.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 86400)
# Off unless said: every subdomain must serve HTTPS before these are switched on.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# Only behind a proxy that sets X-Forwarded-Proto itself and overwrites what the client sent;
# otherwise any client could claim HTTPS.
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "experts",
    "outbox",
    "calendars",
    "bookings",
    "axes",
    "django_htmx",
    "csp",
]

MIDDLEWARE = [
    # First, so that every log line of a request carries its id (okomo/log_context.py).
    "okomo.log_context.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files straight after the HTTPS redirect, before sessions and the database.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The Content-Security-Policy header (okomo/csp.py).
    "okomo.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # request.htmx: a form saved in place gets its fragment back instead of a redirect.
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A PostgreSQL that does not answer (host gone, packets dropped) costs a request three
    # seconds and gets the 503 page, instead of hanging until gunicorn kills the worker.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
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
# django-axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "settings"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where `manage.py collectstatic` puts the files WhiteNoise serves in production.
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "var" / "static")
# Production serves collectstatic's compressed copies with content hashes in their names,
# which WhiteNoise sends with a ten-year Cache-Control (a changed file gets a new name).
# Development and the tests serve static/ as it is, without collectstatic.
STATIC_MANIFEST = env.bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if not STATIC_MANIFEST:
    # Nothing collected: WhiteNoise looks files up in static/ on each request.
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True

# Scripts, styles and images from this site only, no inline script or style attribute, no
# framing. Forms post here, except that the "Connect" form is answered with a redirect to
# Microsoft's sign-in page, which Chromium checks against form-action too: okomo/csp.py adds
# the origins of MICROSOFT_AUTHORITY and MICROSOFT_SIGN_IN_ORIGINS on each request.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
# Session and CSRF cookies only over HTTPS; on by default whenever DJANGO_DEBUG=0.
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A branded, translated "this form has expired" instead of Django's English CSRF page.
CSRF_FAILURE_VIEW = "okomo.errors.csrf_failure"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# A mail server that stalls must not hold a worker (and with it its effect's lease) for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Okomo <no-reply@okomo.example>")

# The portal's public address, for links in mails (no request there to build them from).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# The cache holds the booking rate limit, so it must be shared by all web processes.
CACHES = {
    "default": {
        "BACKEND": "okomo.cache.RedisCache",
        "LOCATION": env("CACHE_URL", default="redis://127.0.0.1:6379/1"),
        "KEY_PREFIX": "okomo",
        # Passed to redis-py's connection pool. A healthy Redis answers in a millisecond;
        # one second bounds what a dead or black-holed Redis costs a request (the slot cache
        # then answers from the database) instead of redis-py's default of five.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}

# Booking requests per client address and hour: enough for a person who retries a few
# times, far too few for a script filling an expert's calendar.
BOOKING_REQUESTS_PER_HOUR = env.int("BOOKING_REQUESTS_PER_HOUR", default=10)
# Open (unanswered) requests one email address may hold with one expert at a time.
BOOKING_OPEN_REQUESTS_PER_EMAIL = env.int("BOOKING_OPEN_REQUESTS_PER_EMAIL", default=3)
# Booking requests per expert's booking page and hour, from all addresses together: an
# expert gets a handful of requests a day, so 60 stops a flood from many addresses
# without ever refusing real customers.
BOOKING_REQUESTS_PER_EXPERT_PER_HOUR = env.int("BOOKING_REQUESTS_PER_EXPERT_PER_HOUR", default=60)

# Reverse proxies in front of the app that append the client address to X-Forwarded-For.
# 0: the header is ignored and REMOTE_ADDR is the client (a client can forge the header).
# N: the N-th address from the right in X-Forwarded-For is the client; entries further
# left are the client's own and never trusted. The app must then be reachable only
# through those proxies. Used by the booking limits and the sign-in throttle
# (okomo/client_address.py).
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)

# Sign-in throttling (django-axes). Failures are counted per email address AND client
# address together: someone guessing passwords is stopped, but cannot lock the expert
# out from everywhere by failing on purpose with the expert's address. 5 failures leave
# room for typos; 15 minutes make guessing hopeless (20 tries an hour per address).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Sign-in forms post the email address as "username" (Django's AuthenticationForm).
AXES_USERNAME_FORM_FIELD = "username"
AXES_CLIENT_IP_CALLABLE = "okomo.client_address.client_address_for_limits"
# A successful sign-in forgets earlier typos; trying again while locked out does not
# extend the lockout, so "try again in 15 minutes" stays true.
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The sign-in page with a sentence (status 429) instead of django-axes' bare text.
AXES_LOCKOUT_CALLABLE = "experts.views.sign_in_locked_out"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
# Without socket timeouts a publish from a web request waits forever on a black-holed
# broker. Connecting gets one second; a command two, above the one-second BRPOP a worker
# waits in on an idle queue. With Celery's default publish retry policy (4 tries, 0.6 s of
# pauses) a `.delay()` then fails after 0.6 s against a closed port and after 4-5 s against
# a broker that does not answer. More broker options (visibility_timeout) join this dict.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker keeps reconnecting however long the broker is down (Celery gives up after 100
# attempts, about 46 minutes, by default); the outbox's effects wait for it in the database.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A task is acknowledged only after it ran, so a worker that dies mid-sync loses nothing.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# Celery's Django fixup closes a worker thread's database connection before and after every
# task unless this is set: a new PostgreSQL connection (and server process) for every sync.
# Connections are kept instead, and dropped as Django drops them between requests
# (okomo/celery.py): past DATABASE_CONN_MAX_AGE or when an error left them unusable.
CELERY_DB_REUSE_MAX = 1_000
# A separate queue name lets tests run their own worker beside a `make run` one.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="okomo")

# Each calendar is read every CALENDAR_SYNC_INTERVAL seconds (the help text promises 30
# minutes); beat looks for due calendars every CALENDAR_SYNC_DISPATCH_INTERVAL seconds, so a
# sync starts at most that late. Tests shorten both.
CALENDAR_SYNC_INTERVAL = env.int("CALENDAR_SYNC_INTERVAL", default=30 * 60)
CALENDAR_SYNC_DISPATCH_INTERVAL = env.float("CALENDAR_SYNC_DISPATCH_INTERVAL", default=60.0)
# Beat's claim moves a calendar's next sync only CALENDAR_SYNC_RECLAIM seconds on; the
# finished sync moves it a whole interval. A claimed sync that never ran (its worker was
# killed, the broker lost the task) is claimed again after 5 minutes, not 30. A claim that
# lapses while its sync still waits in a long queue costs one skipped duplicate task.
CALENDAR_SYNC_RECLAIM = env.int("CALENDAR_SYNC_RECLAIM", default=5 * 60)
# A started sync holds its calendar this many seconds (Microsoft gets four fifths of them,
# then the sync gives up); a sync still holding it after that died with its worker, and the
# calendar is claimed again. A normal sync takes seconds.
CALENDAR_SYNC_LEASE = env.int("CALENDAR_SYNC_LEASE", default=5 * 60)
# Redis hands an unacknowledged task (tasks are acknowledged after they ran) to another
# worker after this many seconds. Longer than the lease, so a sync task handed out again
# arrives only after the sync its first delivery started has ended or lost its lease: it
# never runs beside that sync, nor is it turned away by a lease still held. The minute on
# top covers the moment between delivery and the lease being taken. Kombu's default of an
# hour left a killed worker's tasks waiting that long. A task's countdown or ETA must stay
# below it, or Redis hands that task out again early.
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = CALENDAR_SYNC_LEASE + 60
# How often the outbox's repair pass looks for effects that are due but not done.
OUTBOX_REPAIR_INTERVAL = env.float("OUTBOX_REPAIR_INTERVAL", default=15.0)
CELERY_BEAT_SCHEDULE = {
    "dispatch-calendar-syncs": {
        "task": "calendars.tasks.dispatch_due_syncs_task",
        "schedule": CALENDAR_SYNC_DISPATCH_INTERVAL,
    },
    # Mails and Outlook writes that are due but not done (broker down, worker died, a
    # send failed) are handed to a worker again.
    "repair-outbox": {
        "task": "outbox.tasks.repair_effects_task",
        "schedule": OUTBOX_REPAIR_INTERVAL,
    },
    # Requests nobody answered give their time back (and the expert's list stays honest).
    "expire-booking-requests": {
        "task": "bookings.tasks.expire_requests_task",
        "schedule": 300.0,
    },
    # Live updates: renew change-notification subscriptions well before they expire,
    # recreate missing ones (calendars/subscriptions.py).
    "maintain-calendar-subscriptions": {
        "task": "calendars.tasks.maintain_subscriptions_task",
        "schedule": 3600.0,
    },
    # Proof for /readyz that beat runs and a worker takes its tasks (okomo/heartbeat.py).
    "beat-heartbeat": {
        "task": "okomo.heartbeat.beat_heartbeat_task",
        "schedule": 30.0,
    },
}
# /readyz fails when the last heartbeat (every 30 s) is older than this many seconds: ten
# missed beats, so a worker busy for a few minutes does not count as an outage.
BEAT_HEARTBEAT_MAX_AGE = env.int("BEAT_HEARTBEAT_MAX_AGE", default=5 * 60)

# Microsoft identity platform and Graph. Pointing the app at real Microsoft or at the
# simulator differs only in these values.
MICROSOFT_CLIENT_ID = env("MICROSOFT_CLIENT_ID", default="")
MICROSOFT_CLIENT_SECRET = env("MICROSOFT_CLIENT_SECRET", default="")
MICROSOFT_AUTHORITY = env(
    "MICROSOFT_AUTHORITY", default="https://login.microsoftonline.com/common"
).rstrip("/")
# Origins of the sign-in page besides MICROSOFT_AUTHORITY's, allowed as the "Connect"
# form's redirect target (form-action). Real Microsoft needs none; the simulator serves its
# sign-in pages on another port.
MICROSOFT_SIGN_IN_ORIGINS = env.list("MICROSOFT_SIGN_IN_ORIGINS", default=[])

# Prometheus' bearer token for /metrics (okomo/metrics.py); empty: /metrics is 404.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
MICROSOFT_GRAPH_URL = env("MICROSOFT_GRAPH_URL", default="https://graph.microsoft.com/v1.0").rstrip(
    "/"
)
# An extra CA file to trust for the Microsoft hosts; empty means the default CA store.
MICROSOFT_CA_BUNDLE = env("MICROSOFT_CA_BUNDLE", default="")
# The portal's public https address (e.g. https://okomo.example) for Microsoft's change
# notifications: with it, a change in Outlook reaches the stored busy times within seconds;
# empty, calendars are read every CALENDAR_SYNC_INTERVAL only (live updates off).
MICROSOFT_NOTIFICATION_URL = env("MICROSOFT_NOTIFICATION_URL", default="").rstrip("/")
# Seconds a notified sync waits, so that a burst of notifications (an event created and
# updated at once) costs one sync.
CALENDAR_NOTIFIED_SYNC_DELAY = env.float("CALENDAR_NOTIFIED_SYNC_DELAY", default=1.0)
# Seconds for one HTTP exchange with Microsoft (connect, read): a hung peer must not
# hold a web request or a worker for long.
MICROSOFT_TIMEOUT = (5, 20)

# Fernet keys for the stored token caches, comma-separated, newest first (rotation).
# Empty: derived from DJANGO_SECRET_KEY, for development (DJANGO_DEBUG=1) only.
TOKEN_ENCRYPTION_KEY = env.list("TOKEN_ENCRYPTION_KEY", default=[])
if not TOKEN_ENCRYPTION_KEY and not DEBUG:
    raise ImproperlyConfigured(
        "TOKEN_ENCRYPTION_KEY is not set. Set it to a Fernet key "
        "(python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'), or set DJANGO_DEBUG=1 for development."
    )
for _key in TOKEN_ENCRYPTION_KEY:
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEY holds a value that is not a Fernet key (32 url-safe base64 "
            "bytes, as Fernet.generate_key() makes them)."
        ) from None

# One JSON line per record in production (DJANGO_DEBUG=0), plain text for `make run`; either
# way with the request id, and the signed-in expert's id, of the request that logged it
# (okomo/log_context.py). Fields a caller passes with extra= (booking_id, graph_status,
# duration_ms) become JSON fields. The Celery worker and beat log through this too
# (okomo/celery.py).
LOG_FORMAT = env("LOG_FORMAT", default="text" if DEBUG else "json")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "okomo.log_context.RequestContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request"],
        }
    },
    # Everything reaches the root's one handler: one line per record, and pytest's caplog
    # (which listens at the root) sees the app's records.
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "okomo": {"level": LOG_LEVEL},
        "experts": {"level": LOG_LEVEL},
        "calendars": {"level": LOG_LEVEL},
        "bookings": {"level": LOG_LEVEL},
        "outbox": {"level": LOG_LEVEL},
        "celery": {"level": LOG_LEVEL},
        # No line per task received and succeeded (two a calendar every 30 minutes): the
        # app's own lines say what each task did; failures still log.
        "celery.app.trace": {"level": "WARNING"},
        "celery.worker.strategy": {"level": "WARNING"},
        # Django's own default prints through a console handler with DEBUG on only; this
        # replaces it, so failed requests (5xx, with the traceback) and security warnings
        # (a disallowed host) reach production logs too, once.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"level": "ERROR"},
    },
}

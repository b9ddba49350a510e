import os

from celery import Celery
from celery.signals import setup_logging, task_postrun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okomo.settings")

app = Celery("okomo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The heartbeat lives outside the apps autodiscover_tasks() searches.
app.conf.imports = ("okomo.heartbeat",)


@setup_logging.connect
def use_django_logging(**kwargs):
    """Worker and beat log through settings.LOGGING (JSON in production), not Celery's own
    handlers; `--loglevel` is then ignored in favour of LOG_LEVEL."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@task_postrun.connect
def drop_old_database_connections(sender=None, **kwargs):
    """What Django does at the end of a request, at the end of a task: a connection past
    CONN_MAX_AGE or unusable after an error is closed; a good one serves the thread's next
    task (checked first: CONN_HEALTH_CHECKS)."""
    from django.db import close_old_connections

    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # ran in its caller's thread: the connection is the caller's
    close_old_connections()

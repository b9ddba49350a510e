"""The Celery worker of bench/scale.py: the production worker, counting the SQL statements
its threads send (Django's execute wrappers, so BEGIN/COMMIT of atomic blocks are not in it).

python -m bench.scale_worker --pool threads --concurrency 8 ...   (celery worker arguments)
"""

import os
import sys
import threading
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db.backends.signals import connection_created  # noqa: E402

from okomo.celery import app  # noqa: E402

_lock = threading.Lock()
_statements = 0


def _count(execute, sql, params, many, context):
    global _statements  # noqa: PLW0603 (one counter for every thread of the process)
    with _lock:
        _statements += 1
    return execute(sql, params, many, context)


def _install(sender, connection, **kwargs):
    # Each pool thread opens its own connection (kept CONN_MAX_AGE seconds).
    if _count not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count)


connection_created.connect(_install)


@app.task(name="bench.scale_worker.report_statements", ignore_result=True)
def report_statements(path):
    """Write the statements counted so far to `path` (asked for between cycles)."""
    Path(path).write_text(str(_statements))


if __name__ == "__main__":
    app.worker_main(["worker", *sys.argv[1:]])

"""A real web process for fault tests: gunicorn with DEBUG off, pointed wherever a test says."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet

from conftest import _database_url

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port():
    """A loopback port nothing listens on: connecting is refused at once."""
    return free_port()


class WebProcess:
    """One gunicorn process (one worker) on 127.0.0.1; `get` talks to it over real HTTP."""

    def __init__(self, process, url, log_path):
        self.process = process
        self.url = url
        self.log_path = log_path

    def get(self, path, **headers):
        # The timeout only keeps a broken test from hanging; outages must answer well inside it.
        return requests.get(f"{self.url}{path}", headers=headers, timeout=20)

    def log(self):
        return self.log_path.read_text()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def web_process(tmp_path, celery_queue):
    """Start gunicorn as production would run it; `web_process(DATABASE_URL=...)` overrides.

    By default it uses the test database (so a test needs `django_db(transaction=True)` for
    the process to see its rows), the configured Redis for cache and broker, and this test
    session's own Celery queue. Every process is stopped after the test.
    """
    from django.db import connection

    started = []

    def start(**overrides):
        port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "okomo.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECRET_KEY": "fault-test-secret-key-" + "x" * 40,
            "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "DATABASE_URL": _database_url(connection.settings_dict),
            "CELERY_QUEUE": celery_queue,
            **overrides,
        }
        log_path = tmp_path / f"gunicorn-{port}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("gunicorn")),
                    "okomo.wsgi:application",
                    "--workers",
                    "1",
                    "--bind",
                    f"127.0.0.1:{port}",
                    # Its default path is one per user: parallel processes would share it.
                    "--no-control-socket",
                ],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        web = WebProcess(process, f"http://127.0.0.1:{port}", log_path)
        started.append(web)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped:\n{web.log()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return web
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"gunicorn did not listen:\n{web.log()[-3000:]}")

    yield start
    for web in started:
        web.stop()

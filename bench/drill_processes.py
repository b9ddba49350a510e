"""The fault drill's own processes: a disposable Redis, and a Celery worker kept running."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import redis

from . import environment


def start_redis(port, directory):
    """A disposable redis-server on 127.0.0.1:`port`, nothing persisted; returns once it answers."""
    # Output goes to a file (the child keeps its own handle): a pipe nobody reads would block.
    with (directory / "redis.log").open("a") as log:
        process = subprocess.Popen(  # noqa: S603 (fixed arguments)
            [
                shutil.which("redis-server"),
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2)
    for _ in range(100):
        try:
            if client.ping():
                return process
        except redis.ConnectionError:
            time.sleep(0.05)
        if process.poll() is not None:
            break
    process.kill()
    log_text = (directory / "redis.log").read_text()
    raise RuntimeError(f"redis-server did not start:\n{log_text[-2000:]}")


class Supervisor:
    """The Celery worker (threads, embedded beat), kept running as systemd's Restart=always
    would: started again a second after it exits. Each exit is recorded, for the report."""

    RESTART_DELAY_S = 1
    # A worker that keeps exiting is the finding itself; five starts are plenty to show it.
    MAX_STARTS = 5

    def __init__(self, directory):
        self.directory = directory
        self.exits = []  # exit codes, in order
        self._starts = 0
        self.process = self._start()
        self._wait_until_ready()
        self._stopping = threading.Event()
        self._watch = threading.Thread(target=self._watch_loop, daemon=True)
        self._watch.start()

    def _log(self):
        return self.directory / f"worker-{self._starts}.log"

    def _start(self):
        self._starts += 1
        # A process group of its own: beat is a child process, and stop() ends both.
        with self._log().open("w") as log:
            return subprocess.Popen(  # noqa: S603 (our own worker, fixed arguments)
                [
                    str(Path(sys.executable).with_name("celery")),
                    "-A",
                    "okomo",
                    "worker",
                    "--beat",
                    "--schedule",
                    str(self.directory / "beat-schedule"),
                    "--pool",
                    "threads",
                    "--concurrency",
                    "4",
                    "--loglevel",
                    "INFO",
                ],
                env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
                cwd=environment.ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait_until_ready(self):
        for _ in range(300):
            if " ready." in self._log().read_text():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the worker did not start:\n{self._log().read_text()[-3000:]}")

    def _watch_loop(self):
        while not self._stopping.wait(0.2):
            if self.process.poll() is None:
                continue
            self.exits.append(self.process.returncode)
            if self._starts >= self.MAX_STARTS or self._stopping.wait(self.RESTART_DELAY_S):
                return
            self.process = self._start()

    def stop(self):
        if hasattr(self, "_stopping"):
            self._stopping.set()
            self._watch.join()
        stop_group(self.process)


def stop_group(process):
    """Stop a worker started with start_new_session=True; its warm shutdown stops beat too."""
    if process.poll() is not None:
        return  # gone already; its group id may belong to someone else by now
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        # Still alive, so the group is still this worker's: end it and its beat child.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

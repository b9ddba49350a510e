"""Start and stop a simulator process (for tests and benchmarks)."""

import re
import subprocess
import sys
import time
from pathlib import Path

from .client import SimulatorClient

READY = re.compile(r"simulator ready https=(\S+) http=(\S+) ca=(\S+)")


def start_simulator(state_dir, *, client_id, client_secret, redirect_uris, timeout=20):
    """Start `python -m simulator` on free ports; return (process, client) once it answers."""
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir / "simulator.log"
    command = [
        sys.executable,
        "-m",
        "simulator",
        "--https-port",
        "0",
        "--http-port",
        "0",
        "--state-dir",
        str(state_dir),
        "--client-id",
        client_id,
        "--client-secret",
        client_secret,
    ]
    for uri in redirect_uris:
        command += ["--redirect-uri", uri]
    # Output goes to a file: a pipe nobody reads would block the simulator once full.
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 (our own module, fixed arguments)
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parent.parent,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = READY.search(log_path.read_text())
        if match:
            client = SimulatorClient(match.group(2), match.group(1), Path(match.group(3)))
            client.health()
            return process, client
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"the simulator did not start:\n{log_path.read_text()[-3000:]}")


def stop_simulator(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()

"""The simulator process: one app, served over https (tokens, Graph) and http (browser pages)."""

import argparse
import os
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

from . import demo, events
from .app import Context, SimulatorApp
from .certs import ensure_certificates
from .state import State

DEFAULT_REDIRECT_URIS = [
    "http://localhost/calendars/microsoft/callback/",
    "http://localhost/calendars/microsoft/admin-consent/",
]
DEMO_USER = "anna.berger@contoso.example"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--https-port", type=int, default=8443, help="0 picks a free port")
    parser.add_argument("--http-port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--state-dir", type=Path, default=Path("var/simulator"))
    parser.add_argument(
        "--client-id",
        default=os.environ.get("SIM_CLIENT_ID", "00000000-0000-0000-0000-00000000c0de"),
    )
    parser.add_argument(
        "--client-secret", default=os.environ.get("SIM_CLIENT_SECRET", "simulator-secret")
    )
    parser.add_argument(
        "--redirect-uri",
        action="append",
        dest="redirect_uris",
        help="registered redirect URI (repeatable); loopback ports are ignored",
    )
    parser.add_argument(
        "--seed-demo", action="store_true", help=f"seed a demo mailbox for {DEMO_USER}"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    ca_path, cert_path, key_path = ensure_certificates(args.state_dir)
    state = State(args.client_id, args.client_secret, args.redirect_uris or DEFAULT_REDIRECT_URIS)
    context = Context(state)
    app = SimulatorApp(context)

    https = _server(args.host, args.https_port, app)
    https.ssl_adapter = BuiltinSSLAdapter(str(cert_path), str(key_path))
    http = _server(args.host, args.http_port, app)
    for server in (https, http):
        server.prepare()  # binds, so a port 0 is now a real port
    context.https_base = f"https://{args.host}:{https.bind_addr[1]}"
    context.http_base = f"http://{args.host}:{http.bind_addr[1]}"
    if args.seed_demo:
        persona = state.personas[DEMO_USER]
        for payload in demo.demo_events(datetime.now(UTC).date()):
            event = events.build_event(payload, mailbox_zone=persona.time_zone, now=state.now())
            state.mailbox(DEMO_USER)[event["id"]] = event

    threads = [threading.Thread(target=s.serve, daemon=True) for s in (https, http)]
    for thread in threads:
        thread.start()
    print(
        f"simulator ready https={context.https_base} http={context.http_base} ca={ca_path}",
        flush=True,
    )

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    for server in (https, http):
        server.stop()
    sys.exit(0)


def _server(host, port, app):
    # cheroot keeps connections alive as Graph does (Werkzeug's server closes every one),
    # so clients pay one TLS handshake per connection, not per request.
    return wsgi.Server((host, port), app, numthreads=32, request_queue_size=256, timeout=30)

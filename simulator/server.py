"""The simulator process: one app, served over https (tokens, Graph) and http (browser pages)."""

import argparse
import logging
import os
import signal
import ssl
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from werkzeug.serving import make_server

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
    # Werkzeug logs every request; the simulator's own request log is at /_sim/requests.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    ca_path, cert_path, key_path = ensure_certificates(args.state_dir)
    state = State(args.client_id, args.client_secret, args.redirect_uris or DEFAULT_REDIRECT_URIS)
    context = Context(state)
    app = SimulatorApp(context)

    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_path, key_path)
    https = make_server(args.host, args.https_port, app, threaded=True, ssl_context=tls)
    http = make_server(args.host, args.http_port, app, threaded=True)
    context.https_base = f"https://{args.host}:{https.server_port}"
    context.http_base = f"http://{args.host}:{http.server_port}"
    if args.seed_demo:
        persona = state.personas[DEMO_USER]
        for payload in demo.demo_events(datetime.now(UTC).date()):
            event = events.build_event(payload, mailbox_zone=persona.time_zone, now=state.now())
            state.mailbox(DEMO_USER)[event["id"]] = event

    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (https, http)]
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
        server.shutdown()
    sys.exit(0)

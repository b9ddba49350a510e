"""Everything the simulator remembers, in memory, behind one lock."""

import secrets
import threading
import time
from dataclasses import dataclass, field

from .personas import default_personas, default_tenants


@dataclass
class Fault:
    path: str
    status: int
    method: str | None = None
    regex: bool = False
    times: int = 1
    skip: int = 0
    retry_after: str | None = None
    delay_ms: int = 0
    body: str | None = None
    content_type: str | None = None


@dataclass
class Settings:
    access_token_lifetime: int = 3599
    latency_ms: int = 0
    clock_offset_seconds: int = 0
    # Graph's longest lifetime of an event subscription (older documents: 4230).
    subscription_max_minutes: int = 10080


@dataclass
class State:
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self):
        self.reset()

    def reset(self):
        with self.lock:
            self.settings = Settings()
            self.tenants = default_tenants()
            self.personas = default_personas()
            self.pending = {}  # sim_request -> authorize parameters (+ chosen persona)
            self.codes = {}  # code -> grant details
            self.access_tokens = {}  # token -> {username, scopes, expires_at}
            self.refresh_tokens = {}  # token -> {username, scopes}
            self.retired_refresh_tokens = {}  # token -> why it no longer works
            self.consent_withdrawn = set()
            self.events = {}  # username -> {id: event}
            self.transactions = {}  # (username, transactionId) -> event id
            self.faults = []
            self.log = []
            self.subscriptions = {}  # id -> subscription (simulator/subscriptions.py)
            self.deliveries = []  # notifications sent: url, kind, count, status
            from . import subscriptions

            subscriptions.reset(self)

    def now(self):
        return time.time() + self.settings.clock_offset_seconds

    def new_id(self, prefix="", size=24):
        return prefix + secrets.token_urlsafe(size)

    def mailbox(self, username):
        """The user's events; every change to them notifies subscribers."""
        box = self.events.get(username)
        if box is None:
            from . import subscriptions

            box = self.events[username] = subscriptions.Mailbox(
                username, lambda *change: subscriptions.event_changed(self, *change)
            )
        return box

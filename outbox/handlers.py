"""What each kind of effect does: registered by the apps that record them."""

from collections.abc import Callable
from dataclasses import dataclass


class TryLater(Exception):
    """Something the effect needs is down (Microsoft, SMTP); the same effect can succeed later."""


class GiveUp(Exception):
    """The effect can never succeed as it stands (e.g. Microsoft refused the event outright)."""


@dataclass(frozen=True)
class Handler:
    perform: Callable  # perform(effect) -> None, raising TryLater or GiveUp
    give_up: Callable | None  # give_up(effect, reason) -> None: say so where a person looks


_registry: dict[str, Handler] = {}


def handler(kind: str, *, give_up: Callable | None = None):
    """Decorator: `@handler("bookings.mail")` registers the function carrying out that kind."""

    def register(perform):
        _registry[kind] = Handler(perform, give_up)
        return perform

    return register


def handler_for(kind: str) -> Handler:
    return _registry[kind]


def give_up_for(kind: str) -> Callable | None:
    """The kind's give-up callback; None when it has none or this process does not know it."""
    registered = _registry.get(kind)
    return registered.give_up if registered else None

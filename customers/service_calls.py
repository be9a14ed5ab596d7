"""Customer-service calls as the apps beside calls/ see them.

calls/ keeps the recordings; feedback/ (the survey after a call) reacts to them. Neither imports
the other: calls/ sends `call_stored` when it stores a recording and registers `find` from its
`AppConfig.ready`, and feedback/ reads a call only through them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.dispatch import Signal

from customers.models import Customer


@dataclass(frozen=True)
class ServiceCall:
    """What an app beside calls/ may know of one recorded customer-service call."""

    pk: int
    customer: Customer | None
    caller_number: str  # E.164; empty when the number was withheld
    started_at: datetime
    inbound: bool


# A new recording was stored: sent inside the transaction that stores it, with `call` (a
# ServiceCall), whatever stored it (the telephony API, a service call, an import). A receiver
# that queues work records a durable job in the same transaction (jobs/); a retry of a stored
# call sends nothing.
call_stored = Signal()

_finder: Callable[[int], ServiceCall | None] | None = None


def register_finder(finder: Callable[[int], ServiceCall | None]) -> None:
    """Set how a call is found by its id (calls/ does, from its AppConfig.ready)."""
    global _finder
    _finder = finder


def find(pk: int) -> ServiceCall | None:
    """Return the call with this id, or None when it is gone (recordings go after 30 days)."""
    if _finder is None:
        raise ImproperlyConfigured("No app has registered how customer-service calls are found.")
    return _finder(pk)

"""Waiting for a state another thread or process reaches, however slow the machine is."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# The deadline only ends a hung test: a machine shared by many suites may be slow, and a slow
# run must wait longer, never fail for being slow.
HUNG = 600.0


def wait_until(condition: Callable[[], T], *, what: str, seconds: float = HUNG) -> T:
    """Poll `condition` until it returns a true value, and return that value; fail naming
    `what` was awaited only once `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while not (reached := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:.0f} s in vain for {what}")
        time.sleep(0.05)
    return reached

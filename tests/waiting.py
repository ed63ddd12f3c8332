"""Waiting on a condition in a test: one helper, polled, with a generous deadline that is never a measurement."""
from __future__ import annotations

import time

DEFAULT_TIMEOUT_S = 20.0  # only how long a failing test takes to say so; a passing one returns at once


def wait_for(predicate, timeout_s: float = DEFAULT_TIMEOUT_S, what: str = "the condition", *,
             interval_s: float = 0.02):
    """The predicate's first truthy value, polled every interval_s; AssertionError naming `what` at the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(interval_s)

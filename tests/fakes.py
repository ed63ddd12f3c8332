"""Test doubles shared across the suite (only for unit tests of one part: the real devices and gateway elsewhere)."""
from __future__ import annotations


class Clock:
    """A clock the test moves by hand (`clock.now += 5`), injected where the code takes a `clock` callable."""

    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

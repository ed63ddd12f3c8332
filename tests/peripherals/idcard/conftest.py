"""Fixtures for the ID card tests: a simulator on a real pty (stable link) and a reader with an event log."""
from __future__ import annotations

import queue
import time

import pytest

from peripherals.idcard import CardReader, IdCardSimulator


class EventLog:
    """Collects a device's events; wait_for() returns the next event of a type (bounded wait)."""

    def __init__(self):
        self.events: list = []
        self._queue: queue.Queue = queue.Queue()

    def __call__(self, event) -> None:
        self.events.append(event)
        self._queue.put(event)

    def wait_for(self, kind, timeout: float = 5.0, where=lambda e: True):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                seen = [type(e).__name__ for e in self.events]
                raise AssertionError(f"no {kind.__name__} within {timeout} s; saw {seen}")
            try:
                event = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            if isinstance(event, kind) and where(event):
                return event

    def of(self, kind) -> list:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def sim(tmp_path):
    simulator = IdCardSimulator(link=tmp_path / "ttyIDCARD")
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def make_reader():
    readers = []

    def make(url, **kwargs):
        kwargs.setdefault("poll_interval_s", 0.05)
        kwargs.setdefault("timeout_s", 1.0)
        reader = CardReader(url, **kwargs)
        log = EventLog()
        reader.add_listener(log)
        readers.append(reader)
        return reader, log

    yield make
    for reader in readers:
        reader.stop()

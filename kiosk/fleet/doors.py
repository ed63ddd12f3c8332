"""How long each locker door has stood open, from a peripherals.locker.LockController's readings, for the heartbeat."""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from peripherals.locker.model import LockChanged

logger = logging.getLogger(__name__)


class DoorWatch:
    """labels: (board, lock) -> compartment label (config's compartments); unlabelled locks show as '<board>-<lock>'."""

    def __init__(self, labels: dict[tuple[int, int], str] | None = None, clock: Callable[[], float] = time.monotonic):
        self.labels = dict(labels or {})
        self.clock = clock
        self._open_since: dict[tuple[int, int], float] = {}
        self._lock = threading.Lock()

    def attach(self, controller) -> None:
        """Listen for LockChanged and take the doors that are open right now from one reading of every board."""
        controller.add_listener(self.on_event)
        # The controller reports a change only against an earlier reading: take that first reading now, so a door
        # opened before its poller's first round is still seen opening.
        controller.poll_once()
        now = self.clock()
        for board, reading in controller.read_all().items():
            for state in reading.locks:
                if not state.door_closed:
                    with self._lock:
                        self._open_since.setdefault((board, state.lock), now)

    def on_event(self, event) -> None:
        if not isinstance(event, LockChanged):
            return
        key = (event.board, event.lock)
        with self._lock:
            if event.door_closed:
                self._open_since.pop(key, None)
            else:
                self._open_since.setdefault(key, self.clock())

    def label(self, key: tuple[int, int]) -> str:
        return self.labels.get(key) or f"{key[0]}-{key[1]:02d}"

    def doors_open(self) -> list[dict]:
        now = self.clock()
        with self._lock:
            items = sorted(self._open_since.items())
        return [{"compartment": self.label(key), "open_s": round(now - since, 1)} for key, since in items]

"""systemd notifications: READY when the kiosk can serve, WATCHDOG pings only while the session loop turns."""
from __future__ import annotations

import logging
import os
import time
from typing import Callable

import sdnotify

logger = logging.getLogger(__name__)


class Watchdog:
    """Fed from the core loop, so a hung session loop stops the pings and systemd restarts the kiosk.

    Outside systemd (no NOTIFY_SOCKET) every call is a cheap no-op.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        # systemd hands over NOTIFY_SOCKET and WATCHDOG_USEC in the environment; sdnotify reads the former itself.
        env = os.environ
        self.enabled = bool(env.get("NOTIFY_SOCKET"))
        usec = env.get("WATCHDOG_USEC", "")
        # systemd's advice: ping at half the configured interval.
        self.interval_s = int(usec) / 2_000_000 if usec.isdigit() and int(usec) > 0 else None
        self.clock = clock
        self._last = float("-inf")
        self._notifier = sdnotify.SystemdNotifier() if self.enabled else None

    def ready(self, status: str = "serving") -> None:
        if self._notifier is not None:
            self._notifier.notify(f"READY=1\nSTATUS={status}")
            logger.info("told systemd the kiosk is ready")

    def status(self, status: str) -> None:
        if self._notifier is not None:
            self._notifier.notify(f"STATUS={status}")

    def feed(self) -> None:
        if self._notifier is None or self.interval_s is None:
            return
        now = self.clock()
        if now - self._last >= self.interval_s:
            self._last = now
            self._notifier.notify("WATCHDOG=1")

    def stopping(self) -> None:
        if self._notifier is not None:
            self._notifier.notify("STOPPING=1")

"""The scheduled nightly restart: once the local time passes fleet.nightly_restart (e.g. "03:00") the kiosk ends its
process at the next idle moment, for systemd to start it afresh; never during an applicant's session."""
from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Callable

logger = logging.getLogger(__name__)


class NightlyRestart:
    """now(): local wall-clock time; idle(): no applicant in session; restart(reason) ends the process."""

    def __init__(self, at: str, *, idle: Callable[[], bool], restart: Callable[[str], None],
                 now: Callable[[], dt.datetime] = dt.datetime.now, check_every_s: float = 30.0):
        hours, minutes = map(int, at.split(":"))
        self.at = dt.time(hours, minutes)
        self.idle, self.restart, self.now = idle, restart, now
        self.check_every_s = check_every_s
        self.started = now()
        self.done = False
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def due(self) -> bool:
        """The first restart time after the process started has passed."""
        start = self.started
        first = dt.datetime.combine(start.date(), self.at, start.tzinfo)
        if first <= start:
            first += dt.timedelta(days=1)
        return self.now() >= first

    def check(self) -> bool:
        with self._lock:
            if self.done or not self.due():
                return False
            try:
                if not self.idle():
                    return False
            except Exception:
                return False
            self.done = True
        logger.info("nightly restart at %s", self.at.strftime("%H:%M"))
        self.restart("nightly restart")
        return True

    def start(self) -> "NightlyRestart":
        threading.Thread(target=self._run, name="nightly-restart", daemon=True).start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.check_every_s):
            self.check()

    def stop(self) -> None:
        self._stop.set()

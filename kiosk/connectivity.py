"""Online/offline monitor: judges the gateway link from delivery results and health probes; posts the changes."""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from kiosk import events as ev

logger = logging.getLogger(__name__)

HealthCheck = Callable[[], object]


class ConnectivityMonitor:
    """One judgement of the link for the whole kiosk; it changes on evidence and is announced once per change.

    Any successful gateway call proves the link is up (one is enough to come back online); `failures_to_offline`
    failures in a row with no success between take it offline, so one lost packet on a flaky bank link does not
    flash the offline banner. While offline it probes /v1/health every `offline_probe_s`; while online it probes
    only when nothing else has shown the link alive for `online_probe_s`.
    """

    def __init__(self, post: Callable[[ev.Event], None], health: HealthCheck | None = None, *,
                 online_probe_s: float = 30.0, offline_probe_s: float = 5.0, failures_to_offline: int = 2,
                 clock: Callable[[], float] = time.monotonic):
        if failures_to_offline < 1:
            raise ValueError("failures_to_offline must be at least 1")
        self.post = post
        self.health = health
        self.online_probe_s = online_probe_s
        self.offline_probe_s = offline_probe_s
        self.failures_to_offline = failures_to_offline
        self.clock = clock
        self._online = True
        self._failures = 0
        self._last_success = clock()
        self._lock = threading.Lock()
        self._listeners: list[Callable[[bool], None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def online(self) -> bool:
        return self._online

    def add_listener(self, listener: Callable[[bool], None]) -> None:
        """Called with the new state after each change (on the reporting thread)."""
        self._listeners.append(listener)

    # -- evidence ---------------------------------------------------------------------------------------------
    def report_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._last_success = self.clock()
            changed = not self._online
            self._online = True
        if changed:
            self._announce(True)

    def report_failure(self, reason: str = "platform_unavailable") -> None:
        with self._lock:
            self._failures += 1
            changed = self._online and self._failures >= self.failures_to_offline
            if changed:
                self._online = False
        if changed:
            self._announce(False, reason)

    def probe(self) -> bool:
        """One health check now; returns whether it succeeded."""
        if self.health is None:
            return self._online
        try:
            self.health()
        except Exception as exc:  # the client raises PlatformUnavailable; anything else is a failure just the same
            self.report_failure(getattr(exc, "message_key", None) or type(exc).__name__)
            return False
        self.report_success()
        return True

    def _announce(self, online: bool, reason: str = "") -> None:
        if online:
            logger.info("gateway reachable again: kiosk back online")
        else:
            logger.warning("gateway unreachable (%s): kiosk offline", reason)
        self.post(ev.ConnectivityChanged(online=online))
        for listener in list(self._listeners):
            try:
                listener(online)
            except Exception:
                logger.exception("connectivity listener failed")

    # -- probing thread ---------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="kiosk-connectivity", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        probed = False  # the first probe runs at once: the kiosk should know where it stands at start-up
        while not self._stop.is_set():
            quiet_for = self.clock() - self._last_success
            # A failure not yet enough to go offline is checked again soon, not after the quiet online interval.
            if probed and self._online and self._failures == 0 and quiet_for < self.online_probe_s:
                self._stop.wait(self.online_probe_s - quiet_for)
                continue
            ok = self.probe()
            probed = True
            if not ok:
                self._stop.wait(self.offline_probe_s)

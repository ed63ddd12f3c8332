"""Staff's remote view of a kiosk: a screenshot asked for by the `screenshot` fleet command is taken only while no
applicant is in session (otherwise it waits for the session to end) and uploaded against the request's id."""
from __future__ import annotations

import logging
import re
import threading
from typing import Callable

logger = logging.getLogger(__name__)

REQUEST_ID = re.compile(r"^S[0-9a-f]{16}$")
MAX_WAITING = 10
RETRY_S, MAX_RETRIES = 1.0, 120  # a failed attempt is tried again every second, for two minutes


class RemoteView:
    """idle(): no applicant in session; upload(request_id, png); capture() -> PNG bytes, set by the UI
    (screens.screen_capture.capture_png) once it runs; None on a kiosk without a screen."""

    def __init__(self, idle: Callable[[], bool], upload: Callable[[str, bytes], None],
                 capture: Callable[[], bytes] | None = None):
        self.idle, self.upload, self.capture = idle, upload, capture
        self.waiting: list[str] = []
        self.delivered: list[str] = []
        self._lock = threading.Lock()
        self._busy = threading.Lock()
        self.retries = 0

    def command(self, args: dict) -> str:
        """The screenshot command: queued, then taken at once if the kiosk is idle."""
        request_id = str(args.get("request_id", ""))
        if not REQUEST_ID.match(request_id):
            raise ValueError("the screenshot command needs a request_id")
        if self.capture is None:
            raise RuntimeError("this kiosk has no screen to show")
        with self._lock:
            if request_id not in self.waiting and request_id not in self.delivered:
                self.waiting = (self.waiting + [request_id])[-MAX_WAITING:]
        # Taken by a worker thread: the heartbeat goes on meanwhile.
        threading.Thread(target=self.step, name="remote-view", daemon=True).start()
        return "screenshot taken when no applicant is in session"

    def _retry(self) -> None:
        self.retries += 1
        if self.retries <= MAX_RETRIES:
            timer = threading.Timer(RETRY_S, self.step)
            timer.daemon = True
            timer.start()

    def step(self) -> int:
        """Takes and uploads the waiting screenshots if the kiosk is idle now; returns how many were delivered."""
        if not self.waiting or not self._busy.acquire(blocking=False):
            return 0
        sent = 0
        try:
            while self.waiting and self.capture is not None:
                try:
                    if not self.idle():
                        break
                    png = self.capture()
                    if not self.idle():  # a session began while the window was read: not that picture
                        break
                    request_id = self.waiting[0]
                    self.upload(request_id, png)
                except Exception as exc:  # the gateway unreachable, the window not drawn yet: tried again shortly
                    logger.warning("screenshot not delivered yet: %s", type(exc).__name__)
                    self._retry()
                    break
                with self._lock:
                    self.waiting.remove(request_id)
                    self.delivered = (self.delivered + [request_id])[-MAX_WAITING:]
                logger.info("screenshot %s delivered", request_id)
                self.retries = 0
                sent += 1
        finally:
            self._busy.release()
        return sent

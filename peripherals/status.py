"""The status model, completion codes and listener plumbing every device class shares (after XFS4IoT)."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Callable

logger = logging.getLogger(__name__)


class DeviceStatus(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    BUSY = "busy"
    MEDIA_LOW = "media_low"
    MEDIA_OUT = "media_out"
    JAMMED = "jammed"
    HARDWARE_ERROR = "hardware_error"
    USER_ERROR = "user_error"

    @property
    def usable(self) -> bool:
        """Whether the device can serve an applicant now (media low still prints; a user error clears itself)."""
        return self in USABLE


USABLE = frozenset({DeviceStatus.ONLINE, DeviceStatus.BUSY, DeviceStatus.MEDIA_LOW, DeviceStatus.USER_ERROR})


class CompletionCode(StrEnum):
    """How a device command ended; every command returns one instead of raising an unexplained exception."""

    SUCCESS = "success"
    CANCELED = "canceled"
    TIMEOUT = "timeout"
    HARDWARE_ERROR = "hardware_error"
    USER_ERROR = "user_error"
    NO_MEDIA = "no_media"
    INVALID_DATA = "invalid_data"
    UNSUPPORTED = "unsupported"


class DeviceError(Exception):
    """Base of every peripherals package's errors; carries a completion code."""

    code: CompletionCode = CompletionCode.HARDWARE_ERROR

    def __init__(self, message: str, code: CompletionCode | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code


@dataclass(frozen=True)
class StatusChanged:
    """Emitted by every device when its status changes."""

    device: str
    status: DeviceStatus
    previous: DeviceStatus
    reason: str = ""


Listener = Callable[[object], None]


class Device:
    """Base for device drivers: one status, listeners, and one log line when the device goes away or comes back."""

    def __init__(self, name: str):
        self.name = name
        self._status = DeviceStatus.OFFLINE
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._reported = False

    @property
    def status(self) -> DeviceStatus:
        return self._status

    def add_listener(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def emit(self, event: object) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # a listener's bug must not kill the device thread
                logger.exception("listener failed on %s event from %s", type(event).__name__, self.name)

    def set_status(self, status: DeviceStatus, reason: str = "") -> None:
        """Change status; log once on the way down and once on the way back, never once per poll."""
        with self._lock:
            previous = self._status
            first = not self._reported
            if status == previous and not first:
                return
            self._status = status
            self._reported = True
        if not status.usable and (previous.usable or first):
            logger.warning("device %s unavailable: %s%s", self.name, status.value, f" ({reason})" if reason else "")
        elif status.usable and (first or not previous.usable):
            logger.info("device %s available%s", self.name, "" if first else " again")
        self.emit(StatusChanged(self.name, status, previous, reason))


class BackgroundDevice(Device):
    """A device driven by one background thread: subclasses implement _run() (loop until _stop is set) and _close().

    stop() may be called from a listener running on the device's own thread; the thread then closes the device
    itself as it ends.
    """

    join_timeout_s = 3.0

    def __init__(self, name: str):
        super().__init__(name)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self):
        if self._thread is not None and self._thread.is_alive():
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"device-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is threading.current_thread():
            return
        if thread is not None:
            thread.join(self.join_timeout_s)
        self._close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _run(self) -> None:  # pragma: no cover - subclasses implement
        raise NotImplementedError

    def _close(self) -> None:  # pragma: no cover - subclasses implement
        raise NotImplementedError

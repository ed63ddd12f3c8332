"""The camera device: a grabber thread that always holds the newest frame, with status and reconnect.

The preview and the face analysis both read from here and neither waits for the other: the grabber overwrites a
single slot, the preview takes whatever is newest, and analysis asks for the next frame newer than the one it last
saw. Frames live only in memory; nothing here ever writes one to disk or logs its content.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import numpy as np

from peripherals.camera.source import CameraSource, FrameReader, SourceUnavailable, open_reader, parse_source
from peripherals.status import BackgroundDevice, CompletionCode, DeviceError, DeviceStatus

logger = logging.getLogger(__name__)


class CameraError(DeviceError):
    """Camera problems; carries a completion code like every device error."""


@dataclass(frozen=True, eq=False)
class Frame:
    """One captured frame (BGR, as OpenCV delivers it), its sequence number and its capture time (monotonic)."""

    image: np.ndarray
    seq: int
    captured_at: float

    def __repr__(self) -> str:  # never dump pixels into a log line or a traceback
        h, w = self.image.shape[:2]
        return f"Frame(seq={self.seq}, {w}x{h})"


class Camera(BackgroundDevice):
    """Camera over OpenCV: start() runs the grabber thread; latest() and next_frame() hand frames to consumers."""

    def __init__(self, source: str | CameraSource, width: int = 640, height: int = 480, *, loop: bool = True,
                 fps: float | None = None, reconnect_s: float = 1.0, stall_s: float = 2.0, name: str = "camera"):
        super().__init__(name)
        self.source = source if isinstance(source, CameraSource) else parse_source(source)
        self.width = width
        self.height = height
        self.loop = loop
        self.fps = fps
        self.reconnect_s = reconnect_s
        self.stall_s = stall_s
        self._slot_lock = threading.Condition()
        self._frame: Frame | None = None
        self._seq = 0
        self._reader: FrameReader | None = None

    # -- lifecycle --------------------------------------------------------------------------------------------
    def _close(self) -> None:
        """Stopped: wake every consumer waiting for a frame, and hold no picture of the last applicant."""
        with self._slot_lock:
            self._slot_lock.notify_all()
        self.clear()

    # -- consumers --------------------------------------------------------------------------------------------
    def latest(self) -> Frame | None:
        """The newest frame, without waiting (the preview calls this at its own rate)."""
        return self._frame

    def next_frame(self, after_seq: int = 0, timeout: float = 1.0) -> Frame | None:
        """The newest frame captured after `after_seq`, waiting up to timeout; None if none came (camera stalled)."""
        deadline = time.monotonic() + timeout
        with self._slot_lock:
            while True:
                frame = self._frame
                if frame is not None and frame.seq > after_seq:
                    return frame
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                # Waits even when stopped, so a consumer polling a stopped camera does not spin.
                self._slot_lock.wait(left)

    def clear(self) -> None:
        """Drop the held frame (the session ended: no picture of the last applicant stays in memory)."""
        with self._slot_lock:
            self._frame = None

    def wait_online(self, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.status is DeviceStatus.ONLINE and self._frame is not None:
                return True
            time.sleep(0.01)
        return False

    # -- grabber ----------------------------------------------------------------------------------------------
    def _open(self) -> FrameReader | None:
        try:
            return open_reader(self.source, self.width, self.height, loop=self.loop, fps=self.fps)
        except SourceUnavailable as exc:
            self.set_status(DeviceStatus.OFFLINE, f"{self.source.describe()}: {exc}")
            return None
        except Exception as exc:  # OpenCV back-end errors must not kill the grabber thread
            self.set_status(DeviceStatus.HARDWARE_ERROR, f"{self.source.describe()}: {type(exc).__name__}")
            return None

    def _run(self) -> None:
        while not self._stop.is_set():
            reader = self._open()
            if reader is None:
                self._sleep(self.reconnect_s)
                continue
            self._reader = reader
            try:
                self._pump(reader)
            finally:
                reader.close()
                self._reader = None
            if not self._stop.is_set():
                self._sleep(self.reconnect_s)

    def _pump(self, reader: FrameReader) -> None:
        last_ok = time.monotonic()
        while not self._stop.is_set():
            try:
                image = reader.read()
            except Exception as exc:
                self.set_status(DeviceStatus.HARDWARE_ERROR, f"read failed ({type(exc).__name__})")
                return
            now = time.monotonic()
            if image is None:
                # A camera may drop a frame; one that stops delivering is gone (unplugged, stream down, file ended).
                if self.source.simulated:
                    self.set_status(DeviceStatus.OFFLINE, "end of the file")
                    return
                if now - last_ok >= self.stall_s:
                    self.set_status(DeviceStatus.OFFLINE, "no frames")
                    return
                time.sleep(0.01)
                continue
            last_ok = now
            with self._slot_lock:
                self._seq += 1
                self._frame = Frame(image, self._seq, now)
                self._slot_lock.notify_all()
            if self.status is not DeviceStatus.ONLINE:
                self.set_status(DeviceStatus.ONLINE)

    def _sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def require_online(self, timeout: float = 5.0) -> None:
        """Raise CameraError (hardware error) unless frames are arriving within the timeout."""
        if not self.wait_online(timeout):
            raise CameraError("camera delivers no frames", CompletionCode.HARDWARE_ERROR)


def camera_from_config(config) -> Camera:
    """A Camera from config.schema.CameraConfig."""
    return Camera(config.source, config.width, config.height, loop=config.loop, fps=config.fps,
                  reconnect_s=config.reconnect_s)

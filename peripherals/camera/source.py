"""Camera sources: parse the configured source string and open it as a frame reader (device, stream, video or still)."""
from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm"})
STREAM_RE = re.compile(r"^(rtsp|rtsps|rtmp|http|https)://", re.IGNORECASE)


class SourceKind(StrEnum):
    INDEX = "index"      # a V4L2 device by number, "0"
    DEVICE = "device"    # a device path, /dev/video0 or /dev/v4l/by-id/...
    STREAM = "stream"    # rtsp://, http:// (an IP camera)
    VIDEO = "video"      # a video file standing in for a camera (simulation, tests, benchmarks)
    IMAGE = "image"      # a still image standing in for a camera (a photo held up to it)


@dataclass(frozen=True)
class CameraSource:
    kind: SourceKind
    target: str

    @property
    def simulated(self) -> bool:
        return self.kind in (SourceKind.VIDEO, SourceKind.IMAGE)

    def describe(self) -> str:
        """For log lines: the kind and, for a stream, the host only (a URL may carry a password)."""
        if self.kind is SourceKind.STREAM:
            host = re.sub(r"^[a-z]+://([^@/]*@)?([^/:]+).*$", r"\2", self.target, flags=re.IGNORECASE)
            return f"stream {host}"
        if self.kind in (SourceKind.VIDEO, SourceKind.IMAGE):
            return f"{self.kind.value} {Path(self.target).name}"
        return f"{self.kind.value} {self.target}"


def parse_source(source: str) -> CameraSource:
    """"0" -> device index, "/dev/video0" -> device, "rtsp://..." -> stream, else a video or image file by suffix."""
    text = str(source).strip()
    if not text:
        raise ValueError("camera source is empty")
    if text.isdigit():
        return CameraSource(SourceKind.INDEX, text)
    if STREAM_RE.match(text):
        return CameraSource(SourceKind.STREAM, text)
    if text.startswith("/dev/"):
        return CameraSource(SourceKind.DEVICE, text)
    if Path(text).suffix.lower() in IMAGE_SUFFIXES:
        return CameraSource(SourceKind.IMAGE, text)
    return CameraSource(SourceKind.VIDEO, text)


class SourceUnavailable(Exception):
    """The source cannot be opened or stopped delivering frames."""


class FrameReader:
    """Blocking reads of BGR frames at the source's own pace; read() returns None when the source has gone."""

    fps: float = 30.0

    def read(self) -> np.ndarray | None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass


class CaptureReader(FrameReader):
    """A real camera (index, /dev/video*, rtsp://): OpenCV's capture already blocks until the next frame."""

    def __init__(self, source: CameraSource, width: int, height: int):
        if source.kind is SourceKind.INDEX:
            capture = cv2.VideoCapture(int(source.target), cv2.CAP_ANY)
        elif source.kind is SourceKind.DEVICE:
            if not os.path.exists(source.target):
                raise SourceUnavailable("device path does not exist")
            capture = cv2.VideoCapture(source.target, cv2.CAP_V4L2)
        else:
            capture = cv2.VideoCapture(source.target, cv2.CAP_FFMPEG)
        if not capture.isOpened():
            capture.release()
            raise SourceUnavailable("cannot open")
        if source.kind is not SourceKind.STREAM:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
            # One buffered frame: a kiosk wants the newest frame, not a queue of old ones.
            capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 1 <= fps <= 240 else 30.0
        self._capture = capture

    def read(self) -> np.ndarray | None:
        ok, frame = self._capture.read()
        return frame if ok else None

    def close(self) -> None:
        self._capture.release()


class VideoFileReader(FrameReader):
    """A video file played as a live camera: paced at the file's frame rate, late frames dropped, optional loop."""

    def __init__(self, source: CameraSource, loop: bool, fps: float | None = None, *,
                 clock=time.monotonic, sleep=time.sleep):
        self._clock, self._sleep = clock, sleep
        if not Path(source.target).is_file():
            raise SourceUnavailable("file not found")
        capture = cv2.VideoCapture(source.target)
        if not capture.isOpened():
            capture.release()
            raise SourceUnavailable("not a readable video")
        file_fps = capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps or (file_fps if 1 <= file_fps <= 240 else 30.0)
        self._capture = capture
        self._path = source.target
        self._loop = loop
        self._start: float | None = None
        self._index = -1  # index of the last frame returned

    def _grab_one(self) -> bool:
        if self._capture.grab():
            return True
        if not self._loop:
            return False
        self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
        if not self._capture.grab():
            return False
        return True

    def read(self) -> np.ndarray | None:
        now = self._clock()
        if self._start is None:
            self._start = now
        # A camera does not wait for a slow reader: the frame shown is the one due now, the ones in between are gone.
        due = int((now - self._start) * self.fps)
        target = max(self._index + 1, due)
        wait = self._start + target / self.fps - now
        if wait > 0:
            self._sleep(wait)
        while self._index < target:
            if not self._grab_one():
                return None
            self._index += 1
        ok, frame = self._capture.retrieve()
        return frame if ok else None

    def close(self) -> None:
        self._capture.release()


class StillImageReader(FrameReader):
    """A still image shown to the camera: the same frame again and again at a camera's frame rate."""

    def __init__(self, source: CameraSource, fps: float | None = None):
        image = cv2.imread(source.target, cv2.IMREAD_COLOR)
        if image is None:
            raise SourceUnavailable("file not found or not an image")
        self._image = image
        self.fps = fps or 30.0
        self._next: float | None = None

    def read(self) -> np.ndarray | None:
        now = time.monotonic()
        if self._next is not None and self._next > now:
            time.sleep(self._next - now)
        self._next = max(now, self._next or now) + 1.0 / self.fps
        return self._image.copy()


def open_reader(source: CameraSource, width: int = 640, height: int = 480, loop: bool = True,
                fps: float | None = None) -> FrameReader:
    """Open the source; raises SourceUnavailable with a short reason (no path or URL in it)."""
    if source.kind is SourceKind.VIDEO:
        return VideoFileReader(source, loop=loop, fps=fps)
    if source.kind is SourceKind.IMAGE:
        return StillImageReader(source, fps=fps)
    return CaptureReader(source, width, height)

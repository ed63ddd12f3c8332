"""The maintenance camera page's live preview: the camera's latest frame and the faces boxed in a recent one.

The staff part turns it on while the camera page is shown (a RunDeskAction "preview:on"/"preview:off" carried out by
the desk); the page only reads frames from it. A video stream does not go through the session's view: frames stay in
memory, drawn into a texture, and are never written anywhere.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

logger = logging.getLogger(__name__)

PREVIEW_DETECT_WIDTH = 320


def default_face_boxes(frame) -> list[tuple[int, int, int, int]]:
    """Face boxes by face_recognition's HOG detector on a copy about 320 pixels wide, scaled back to the frame
    (smaller and a face at arm's length is missed; larger and each look costs the preview a core)."""
    import cv2
    import face_recognition

    factor = min(1.0, PREVIEW_DETECT_WIDTH / max(1, frame.shape[1]))
    small = cv2.resize(frame, (0, 0), fx=factor, fy=factor) if factor < 1 else frame
    rgb = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
    return [tuple(int(v / factor) for v in box) for box in face_recognition.face_locations(rgb)]


class CameraPreview:
    """Keeps the face boxes of a recent frame while on; detection runs on its own thread so the preview never waits
    for it. start() and stop() may be called again and again (each page visit)."""

    def __init__(self, camera, detect: Callable | None = None, interval_s: float = 0.3):
        self.camera = camera
        self.detect = detect or default_face_boxes
        self.interval_s = interval_s
        self.boxes: list = []
        self._lock = threading.Lock()
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None

    @property
    def on(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, args=(self._stop,), name="maintenance-faces",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            thread, stop, self._thread, self._stop = self._thread, self._stop, None, None
        if thread is not None:
            stop.set()
            thread.join(5)
        self.boxes = []

    def latest(self):
        """(frame, boxes) with boxes as (top, right, bottom, left) in frame pixels; (None, []) while off."""
        if self._thread is None:
            return None, []
        frame = self.camera.latest()
        return getattr(frame, "image", frame), list(self.boxes)

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            frame = self.camera.latest()
            image = getattr(frame, "image", frame)
            if image is not None:
                started = time.monotonic()
                try:
                    self.boxes = list(self.detect(image))
                except Exception as exc:
                    logger.warning("maintenance face detection failed: %s", type(exc).__name__)
                    self.boxes = []
                stop.wait(max(0.0, self.interval_s - (time.monotonic() - started)))
            else:
                stop.wait(0.2)

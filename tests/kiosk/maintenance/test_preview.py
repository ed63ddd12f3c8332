"""The camera page's preview: off, it gives no frame; on, the camera's frame with the faces found in it; it can be
turned on and off again at each page visit, and the boxes go with it."""
from __future__ import annotations

import threading

import numpy as np

from kiosk.maintenance.preview import CameraPreview
from tests.waiting import wait_for


class StillCamera:
    """A camera that always has the same frame (peripherals.camera.Camera.latest's contract)."""

    def __init__(self):
        self.frame = np.zeros((48, 64, 3), dtype=np.uint8)

    def latest(self):
        return self.frame


def test_frames_and_boxes_only_while_on_and_again_after_a_restart():
    looks = []
    seen = threading.Event()

    def detect(image):
        looks.append(image.shape)
        seen.set()
        return [(1, 20, 30, 2)]

    camera = StillCamera()
    preview = CameraPreview(camera, detect, interval_s=0.01)
    assert preview.latest() == (None, []), "off: nothing to draw"
    for _visit in range(2):
        seen.clear()
        preview.start()
        preview.start()  # a second "on" is one preview, not two threads
        assert seen.wait(5)
        frame, boxes = wait_for(lambda: (f := preview.latest())[1] and f, what="the boxes")
        assert frame is camera.frame and boxes == [(1, 20, 30, 2)]
        preview.stop()
        assert preview.latest() == (None, []) and preview.boxes == [], "the boxes go with the preview"
    assert set(looks) == {(48, 64, 3)}
    assert len([t for t in threading.enumerate() if t.name == "maintenance-faces"]) == 0


def test_a_failing_detector_shows_no_boxes_and_keeps_the_preview_going():
    calls = []

    def detect(image):
        calls.append(1)
        raise RuntimeError("model missing")

    preview = CameraPreview(StillCamera(), detect, interval_s=0.01)
    preview.start()
    try:
        wait_for(lambda: len(calls) >= 2, what="detection tried again")
        frame, boxes = preview.latest()
        assert frame is not None and boxes == []
    finally:
        preview.stop()

"""Turns a camera frame into a FrameAnalysis: faces, quality problem, eye aspect ratio, yaw and, if asked, the distance.

Runs on the verifier's worker thread, not in a worker process: dlib releases the GIL while it detects and encodes.
Measured here: a Python thread ticking on 1 ms sleeps made 900 ticks/s alone and 436 ticks/s beside a thread
looping on detect+landmarks+encode (2 shared cores), where a held GIL would have cut it to one tick per dlib call;
bench/bench_face.py shows the preview keeping camera rate while verifying. A process would add a frame copy through
a pipe and a second copy of the models for no gain.

Cheap frames: once a face is found, the next frames are searched only around it (a few times less work than the
whole frame), with a whole-frame search every few frames so a second person stepping in is still seen. Detection
runs on grey; the landmarks on colour, as face_recognition fits them (on grey they move by up to a few pixels).
"""
from __future__ import annotations

import logging

import cv2
import numpy as np

from kiosk.identity.attempt import FrameAnalysis
from kiosk.identity.faces import FaceEngine
from kiosk.identity.quality import QualityLimits, assess, face_brightness, mean_ear, yaw_ratio

logger = logging.getLogger(__name__)

Box = tuple[int, int, int, int]


class FrameAnalyser:
    def __init__(self, engine: FaceEngine, limits: QualityLimits, *, full_search_every: int = 5,
                 track_margin: float = 0.6, far_search_every: int = 10, far_fraction: float = 0.6):
        self.engine = engine
        self.limits = limits
        self.full_search_every = full_search_every
        self.track_margin = track_margin
        self.far_search_every = far_search_every
        self.far_fraction = far_fraction
        self._track: Box | None = None
        self._tracked_frames = 0
        self._empty_frames = 0

    def reset(self) -> None:
        self._track = None
        self._tracked_frames = 0
        self._empty_frames = 0

    def _far_search(self, gray: np.ndarray) -> list[Box]:
        """The detector is set to miss faces smaller than the usable size; now and then, when it sees none, look
        for faces down to far_fraction of that size (costlier) so someone standing too far is told to come
        closer rather than that nobody is there."""
        self._empty_frames += 1
        if self._empty_frames % self.far_search_every != 1:
            return []
        boxes = self.engine.detect(gray, min_face_px=self.far_fraction * self.limits.min_face_px)
        return [b for b in boxes if b[2] - b[0] < self.limits.min_face_px]

    @property
    def sees_nobody(self) -> bool:
        """True after a frame with no face at all: the verifier may then skip frames to spare the CPU."""
        return self._empty_frames > 0

    def _detect(self, gray: np.ndarray) -> list[Box]:
        if self._track is not None and self._tracked_frames < self.full_search_every:
            left, top, right, bottom = self._track
            pad = int((right - left) * self.track_margin)
            h, w = gray.shape[:2]
            x0, y0 = max(0, left - pad), max(0, top - pad)
            x1, y1 = min(w, right + pad), min(h, bottom + pad)
            boxes = self.engine.detect(gray[y0:y1, x0:x1])
            if boxes:
                self._tracked_frames += 1
                boxes = [(b[0] + x0, b[1] + y0, b[2] + x0, b[3] + y0) for b in boxes]
                self._track = boxes[0]
                return boxes
        boxes = self.engine.detect(gray)
        self._tracked_frames = 0
        self._track = boxes[0] if boxes else None
        return boxes

    def analyse(self, image_bgr: np.ndarray, t: float, reference: np.ndarray | None = None,
                keep: list | None = None) -> FrameAnalysis:
        """Measure the frame; with a reference encoding, a good frontal face is also encoded and compared. With
        `keep` (a list), a good frontal face is encoded and its encoding appended there, for evidence to the gateway;
        with keep and no reference, the frame is its own reference (distance 0)."""
        gray = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
        boxes = self._detect(gray)
        if not boxes:
            far = self._far_search(gray)
            return FrameAnalysis(t, assess(gray.shape, far, None, None, self.limits), faces=len(far))
        self._empty_frames = 0
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        face = self.engine.landmarks(rgb, boxes[0])
        yaw = yaw_ratio(face.landmarks)
        problem = assess(gray.shape, boxes, face_brightness(gray, face.box), yaw, self.limits)
        distance = None
        if (reference is not None or keep is not None) and problem is None:
            encoding = self.engine.encode(rgb, face)
            distance = self.engine.distance(reference, encoding) if reference is not None else 0.0
            if keep is not None:
                keep.append(encoding)
        return FrameAnalysis(t, problem, faces=len(boxes), ear=mean_ear(face.landmarks), yaw=yaw, distance=distance)

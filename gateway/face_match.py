"""The gateway's face comparison: a reference image's 128-d encoding (dlib, as the kiosks encode) and distances.

The gateway encodes exactly as the kiosk's kiosk.identity.faces does (face_recognition's 5-point alignment, one
jitter), so a live encoding from a kiosk and a reference encoded here are comparable; the two share no code, only
the model (the HTTP contract says "a face_recognition 128-d encoding").
"""
from __future__ import annotations

import logging
import math
import threading

import numpy as np

logger = logging.getLogger(__name__)

ENCODING_SIZE = 128
MAX_ABS_COMPONENT = 1.0  # every component of a dlib face descriptor lies well inside [-1, 1]

_api = None
_api_lock = threading.Lock()
# dlib's models are shared by the process; one encoding at a time keeps peak memory flat under a burst.
_encode_lock = threading.Lock()


class ReferenceUnusable(ValueError):
    """A reference image with no single usable face (or not an image at all)."""


def _models():
    global _api
    with _api_lock:
        if _api is None:
            from face_recognition import api  # loads the models: about a second, once per process
            _api = api
        return _api


def encode_image(data: bytes) -> np.ndarray:
    """The encoding of the one face in image bytes (JPEG, PNG, BMP); ReferenceUnusable otherwise."""
    import cv2

    buffer = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(buffer, cv2.IMREAD_COLOR) if buffer.size else None
    if image is None:
        raise ReferenceUnusable("not an image")
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    api = _models()
    with _encode_lock:
        # A small photo (the card's is 102x126) has its face below the detector's window: look closer.
        for upsample in (1, 2) if max(rgb.shape[:2]) < 400 else (0, 1):
            boxes = api.face_locations(rgb, number_of_times_to_upsample=upsample)
            if boxes:
                break
        if not boxes:
            raise ReferenceUnusable("no face in the reference")
        boxes.sort(key=lambda b: (b[2] - b[0]) * (b[1] - b[3]), reverse=True)
        if len(boxes) > 1 and (boxes[1][1] - boxes[1][3]) >= 0.5 * (boxes[0][1] - boxes[0][3]):
            raise ReferenceUnusable("several faces in the reference")
        encoding, = api.face_encodings(rgb, [boxes[0]], num_jitters=1, model="small")
    return np.asarray(encoding, dtype=np.float64)


def as_encoding(values) -> np.ndarray | None:
    """A live encoding from a request (a list of 128 finite numbers in range), or None when it is not one."""
    if not isinstance(values, (list, tuple)) or len(values) != ENCODING_SIZE:
        return None
    try:
        array = np.asarray([float(v) for v in values], dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if not all(math.isfinite(v) and abs(v) <= MAX_ABS_COMPONENT for v in array):
        return None
    return array


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance, as face_recognition.face_distance measures it."""
    return float(np.linalg.norm(a - b))

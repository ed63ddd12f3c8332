"""Fixtures for the identity tests: one face engine per session and encodings cached in memory (never on disk)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from kiosk.identity.faces import FaceEngine, decode_image

# The persons of ../shared/data/faces and their photos (README there); obama_partial_face is obama.
PHOTOS = {
    "obama": ["obama_1.jpg", "obama_2.jpg", "obama_3.jpg", "obama_480p.jpg", "obama_240p.jpg",
              "obama_partial_face.jpg"],
    "biden": ["biden_1.jpg", "biden_2.jpg"],
    "alex_lacamoire": ["alex_lacamoire_1.jpg", "alex_lacamoire_2.png"],
    "kit_harington": ["kit_harington_1.jpg", "kit_harington_2.jpg"],
    "rose_leslie": ["rose_leslie_1.jpg", "rose_leslie_2.jpg"],
    "lin_manuel_miranda": ["lin_manuel_miranda_1.png"],
}
CLIP = "short_hamilton_clip.mp4"  # Lin-Manuel Miranda; turns to his right around 3.3-4.4 s, no clear blink


@pytest.fixture(scope="session")
def engine() -> FaceEngine:
    return FaceEngine(min_face_px=80)


@pytest.fixture(scope="session")
def photo_encodings(engine, faces_dir):
    """filename -> encoding, computed once per session on first use."""
    cache: dict[str, np.ndarray] = {}

    def get(name: str) -> np.ndarray:
        if name not in cache:
            cache[name] = engine.encode_single(decode_image((faces_dir / name).read_bytes()))[0]
        return cache[name]

    return get


def still_frame(faces_dir, name: str, width: int = 640, height: int = 480) -> np.ndarray:
    """A camera-sized BGR frame showing the photo as someone would hold it up: scaled to fit, on grey."""
    photo = cv2.imread(str(faces_dir / name), cv2.IMREAD_COLOR)
    scale = min(width / photo.shape[1], height / photo.shape[0]) * 0.9
    photo = cv2.resize(photo, (0, 0), fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    frame = np.full((height, width, 3), 128, dtype=np.uint8)
    y = (height - photo.shape[0]) // 2
    x = (width - photo.shape[1]) // 2
    frame[y:y + photo.shape[0], x:x + photo.shape[1]] = photo
    return frame


def write_still_video(path, frame: np.ndarray, frames: int = 45, fps: float = 30.0) -> str:
    """A video made of one still photo repeated: what a photo held to the camera looks like."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (frame.shape[1], frame.shape[0]))
    assert writer.isOpened()
    for _ in range(frames):
        writer.write(frame)
    writer.release()
    return str(path)

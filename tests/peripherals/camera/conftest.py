"""Fixtures for the camera tests: small synthetic videos and images written with OpenCV to a tmp dir (no faces)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from peripherals.camera import Camera


def numbered_frame(i: int, width: int = 160, height: int = 120) -> np.ndarray:
    """A frame whose mean grey level encodes its number, so a test can tell frames apart after compression."""
    frame = np.full((height, width, 3), (i * 10) % 250, dtype=np.uint8)
    return frame


def write_video(path, frames: int, fps: float = 30.0, width: int = 160, height: int = 120) -> str:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    assert writer.isOpened(), "OpenCV cannot write mp4v here"
    for i in range(frames):
        writer.write(numbered_frame(i, width, height))
    writer.release()
    return str(path)


@pytest.fixture
def video_file(tmp_path):
    return write_video(tmp_path / "clip.mp4", frames=30)


@pytest.fixture
def cameras():
    """Cameras made through this fixture are stopped at teardown even when a test fails."""
    made: list[Camera] = []

    def make(*args, **kwargs) -> Camera:
        camera = Camera(*args, **kwargs)
        made.append(camera)
        return camera

    yield make
    for camera in made:
        camera.stop()

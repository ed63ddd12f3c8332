"""Tests for kiosk/identity/quality.py: eye aspect ratio, yaw, and which guidance a frame gets."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

from kiosk.identity.quality import Guidance, QualityLimits, assess, eye_aspect_ratio, face_brightness, yaw_ratio

LIMITS = QualityLimits(min_face_px=80)
SHAPE = (480, 640, 3)


def eye(opening: float) -> np.ndarray:
    """Six eye points (p1..p6) of a 30-px-wide eye with the lids `opening` px apart."""
    h = opening / 2
    return np.array([(0, 0), (10, -h), (20, -h), (30, 0), (20, h), (10, h)], dtype=float)


def test_eye_aspect_ratio_open_and_closed():
    assert eye_aspect_ratio(eye(9)) == pytest.approx(0.3)
    assert eye_aspect_ratio(eye(1.5)) == pytest.approx(0.05)
    assert eye_aspect_ratio(np.zeros((6, 2))) == 0.0


@given(st.floats(0.5, 20), st.floats(0.1, 10))
def test_eye_aspect_ratio_is_scale_free(opening, scale):
    assert eye_aspect_ratio(eye(opening) * scale) == pytest.approx(eye_aspect_ratio(eye(opening)), rel=1e-6)


def landmarks_with_nose_at(fraction: float) -> np.ndarray:
    points = np.zeros((68, 2))
    points[0] = (100, 200)
    points[16] = (200, 200)
    points[30] = (100 + 100 * fraction, 210)
    return points


@pytest.mark.parametrize("fraction, expected", [(0.5, 0.0), (0.8, 0.3), (0.2, -0.3)])
def test_yaw_ratio(fraction, expected):
    assert yaw_ratio(landmarks_with_nose_at(fraction)) == pytest.approx(expected)


def test_yaw_ratio_of_a_flat_photo_survives_foreshortening():
    points = landmarks_with_nose_at(0.6)
    squeezed = points.copy()
    squeezed[:, 0] = 100 + (points[:, 0] - 100) * 0.5  # the photo turned 60 degrees in front of the camera
    assert yaw_ratio(squeezed) == pytest.approx(yaw_ratio(points))


def box(x, y, w):
    return (x, y, x + w, y + w)


@pytest.mark.parametrize("boxes, brightness, yaw, expected", [
    ([], None, None, Guidance.NO_FACE),
    ([box(200, 100, 150), box(420, 100, 120)], 120, 0.0, Guidance.SEVERAL_FACES),
    ([box(200, 100, 150), box(500, 50, 40)], 120, 0.0, None),  # a small face far behind is not another applicant
    ([box(200, 100, 60)], 120, 0.0, Guidance.TOO_FAR),
    ([box(0, 100, 200)], 120, 0.0, Guidance.TOO_CLOSE),
    ([box(100, 0, 300)], 120, 0.0, Guidance.TOO_CLOSE),
    ([box(200, 100, 150)], 30, 0.0, Guidance.TOO_DARK),
    ([box(200, 100, 150)], 120, 0.25, Guidance.NOT_FRONTAL),
    ([box(200, 100, 150)], 120, -0.2, Guidance.NOT_FRONTAL),
    ([box(200, 100, 150)], 120, 0.05, None),
])
def test_assess(boxes, brightness, yaw, expected):
    assert assess(SHAPE, boxes, brightness, yaw, LIMITS) == expected


def test_face_brightness_reads_only_the_face_box():
    gray = np.zeros((100, 100), dtype=np.uint8)
    gray[10:30, 10:30] = 200
    assert face_brightness(gray, (10, 10, 30, 30)) == pytest.approx(200)
    assert face_brightness(gray, (50, 50, 50, 50)) == 0.0

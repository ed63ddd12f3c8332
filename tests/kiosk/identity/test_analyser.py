"""Tests for kiosk/identity/analyser.py: each guidance state from a real photo framed as a camera would see it."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from kiosk.identity.analyser import FrameAnalyser
from kiosk.identity.quality import Guidance, QualityLimits
from tests.kiosk.identity.conftest import still_frame


def framed(faces_dir, name, size=(640, 480), fill=0.9):
    """The photo on a grey camera frame, scaled to `fill` of it (smaller fill: the person stands further away)."""
    width, height = size
    frame = still_frame(faces_dir, name, width, height)
    if fill != 0.9:
        small = cv2.resize(frame, (0, 0), fx=fill / 0.9, fy=fill / 0.9, interpolation=cv2.INTER_AREA)
        frame = np.full_like(frame, 128)
        y, x = (height - small.shape[0]) // 2, (width - small.shape[1]) // 2
        frame[y:y + small.shape[0], x:x + small.shape[1]] = small
    return frame


@pytest.fixture
def analyser(engine):
    return FrameAnalyser(engine, QualityLimits(min_face_px=80))


def test_a_good_frontal_face_is_encoded_and_compared(analyser, faces_dir, photo_encodings):
    result = analyser.analyse(framed(faces_dir, "rose_leslie_1.jpg"), 1.0, photo_encodings("rose_leslie_2.jpg"))
    assert result.problem is None and result.faces == 1
    assert 0 < result.distance < 0.58
    assert 0.15 < result.ear < 0.5 and abs(result.yaw) <= 0.08


def test_no_encoding_without_a_reference(analyser, faces_dir):
    assert analyser.analyse(framed(faces_dir, "rose_leslie_1.jpg"), 1.0).distance is None


@pytest.mark.parametrize("name, change, expected", [
    ("rose_leslie_1.jpg", "blank", Guidance.NO_FACE),
    ("two_people.jpg", None, Guidance.SEVERAL_FACES),
    ("rose_leslie_1.jpg", "far", Guidance.TOO_FAR),
    ("rose_leslie_1.jpg", "dark", Guidance.TOO_DARK),
    ("kit_harington_2.jpg", None, Guidance.NOT_FRONTAL),
])
def test_each_problem_is_its_own_guidance(analyser, faces_dir, photo_encodings, name, change, expected):
    frame = framed(faces_dir, name, fill=0.4 if change == "far" else 0.9)
    if change == "blank":
        frame = np.full_like(frame, 128)
    elif change == "dark":
        frame = (frame.astype(np.float32) * 0.25).astype(np.uint8)  # a dim hall, backlit applicant
    result = analyser.analyse(frame, 1.0, photo_encodings("rose_leslie_2.jpg"))
    assert result.problem is expected
    assert result.distance is None  # only good frames are encoded


def test_tracking_still_sees_a_second_person_step_in(analyser, faces_dir):
    one = framed(faces_dir, "obama_1.jpg")
    results = [analyser.analyse(one, i) for i in range(3)]
    assert all(r.problem is None for r in results)
    two = framed(faces_dir, "two_people.jpg")
    seen = [analyser.analyse(two, 3 + i).problem for i in range(analyser.full_search_every + 1)]
    assert Guidance.SEVERAL_FACES in seen

"""Tests for kiosk/identity/liveness.py on landmark sequences.

No clip in ../shared/data/faces has a usable blink (the Hamilton clip was checked frame by frame: the eyes narrow
but never close), so the blink path is tested on synthesised sequences: the 68 landmarks of a real photo with the
eyelid points moved toward the eye's axis, frame by frame, as a blink does. The head-turn path is also exercised on
the real clip in test_verifier.py.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kiosk.identity.faces import decode_image
from kiosk.identity.liveness import (BlinkDetector, HeadTurnChallenge, TurnDirection, random_direction)
from kiosk.identity.quality import LEFT_EYE, RIGHT_EYE, mean_ear

FPS = 30.0


@pytest.fixture(scope="module")
def real_landmarks(engine, faces_dir):
    rgb = decode_image((faces_dir / "obama_1.jpg").read_bytes())
    return engine.faces(rgb)[0].landmarks


def with_eyes_open(landmarks: np.ndarray, openness: float) -> np.ndarray:
    """Landmarks with both eyes at `openness` (1 = as photographed, 0 = lids on the eye axis)."""
    out = landmarks.copy()
    for eye in (RIGHT_EYE, LEFT_EYE):
        points = out[eye]
        axis_a, axis_b = points[0], points[3]
        for k in (1, 2, 4, 5):
            # Project the lid point onto the axis, then keep `openness` of its distance from it.
            d = axis_b - axis_a
            foot = axis_a + d * np.dot(points[k] - axis_a, d) / np.dot(d, d)
            points[k] = foot + (points[k] - foot) * openness
        out[eye] = points
    return out


def feed(detector: BlinkDetector, openness_per_frame, landmarks, yaw=0.0) -> int:
    for i, openness in enumerate(openness_per_frame):
        detector.update(i / FPS, mean_ear(with_eyes_open(landmarks, openness)), yaw)
    return detector.blinks


def test_real_landmarks_have_a_plausible_open_eye_ratio(real_landmarks):
    assert 0.2 < mean_ear(real_landmarks) < 0.45
    assert mean_ear(with_eyes_open(real_landmarks, 0.2)) < 0.5 * mean_ear(real_landmarks)


def test_a_blink_in_landmarks_is_counted(real_landmarks):
    blink = [1.0] * 20 + [0.6, 0.2, 0.1, 0.2, 0.7] + [1.0] * 10  # closes over ~3 frames (100 ms), reopens
    assert feed(BlinkDetector(), blink, real_landmarks) == 1


def test_two_blinks_are_two(real_landmarks):
    seq = [1.0] * 15 + [0.2, 0.1, 0.3] + [1.0] * 15 + [0.1, 0.1] + [1.0] * 5
    assert feed(BlinkDetector(), seq, real_landmarks) == 2


def test_a_still_photo_never_blinks(real_landmarks):
    assert feed(BlinkDetector(), [1.0] * 300, real_landmarks) == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.85, 1.15), min_size=10, max_size=200))
def test_landmark_jitter_of_a_still_photo_is_not_a_blink(real_landmarks, jitter):
    # Video compression and the landmark fit move the lids a little from frame to frame; that is not a blink.
    assert feed(BlinkDetector(), jitter, real_landmarks) == 0


def test_eyes_kept_shut_are_not_a_blink(real_landmarks):
    seq = [1.0] * 20 + [0.1] * 60 + [1.0] * 10  # two seconds shut
    assert feed(BlinkDetector(), seq, real_landmarks) == 0


def test_a_dip_while_the_head_is_turned_is_ignored(real_landmarks):
    detector = BlinkDetector()
    for i in range(20):
        detector.update(i / FPS, mean_ear(real_landmarks), 0.0)
    for i, openness in enumerate([0.1, 0.1, 1.0], start=20):
        detector.update(i / FPS, mean_ear(with_eyes_open(real_landmarks, openness)), 0.35)
    assert detector.blinks == 0


def test_losing_the_face_mid_blink_does_not_count(real_landmarks):
    detector = BlinkDetector()
    for i in range(20):
        detector.update(i / FPS, mean_ear(real_landmarks))
    detector.update(20 / FPS, mean_ear(with_eyes_open(real_landmarks, 0.1)))
    detector.update(21 / FPS, None)  # face lost: the photo may have been swapped
    detector.update(22 / FPS, mean_ear(real_landmarks))
    assert detector.blinks == 0


def turn(direction: TurnDirection, yaws) -> HeadTurnChallenge:
    challenge = HeadTurnChallenge(direction)
    for yaw in yaws:
        challenge.update(yaw)
    return challenge


def test_turn_to_the_asked_side_passes():
    # The applicant's left is the image's right (positive yaw ratio) for a camera that is not mirrored.
    assert turn(TurnDirection.LEFT, [0.0, 0.05, 0.15, 0.22, 0.3]).passed
    assert turn(TurnDirection.RIGHT, [0.02, -0.1, -0.21, -0.35]).passed


def test_turn_the_wrong_way_is_flagged_and_fails():
    challenge = turn(TurnDirection.LEFT, [0.0, -0.15, -0.25, -0.3])
    assert not challenge.passed and challenge.wrong_way


def test_turn_must_start_frontal_and_last_more_than_one_frame():
    assert not turn(TurnDirection.LEFT, [0.3, 0.3, 0.3]).passed  # already turned when asked
    assert not turn(TurnDirection.LEFT, [0.0, 0.3, 0.0, 0.3, 0.0]).passed  # one-frame spikes
    assert not turn(TurnDirection.LEFT, [0.0, 0.25, None, 0.25]).passed  # face lost in between


def test_a_still_photo_never_turns():
    assert not turn(TurnDirection.RIGHT, [0.03] * 300).passed
    assert not turn(TurnDirection.LEFT, [0.03] * 300).passed


def test_random_direction_uses_both_sides():
    import random
    rng = random.Random(7)
    assert {random_direction(rng) for _ in range(50)} == {TurnDirection.LEFT, TurnDirection.RIGHT}

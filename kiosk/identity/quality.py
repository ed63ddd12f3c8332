"""Quality guidance for the screen: is the face in this frame usable, and if not, what should the applicant do."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

logger = logging.getLogger(__name__)


class Guidance(StrEnum):
    """Message keys for the verify screen (VerificationProgress.guidance)."""

    STARTING = "starting"            # camera and reference being prepared
    NO_FACE = "no_face"              # nobody in front of the camera
    SEVERAL_FACES = "several_faces"  # only the applicant, please
    TOO_FAR = "too_far"              # face too small: move closer
    TOO_CLOSE = "too_close"          # face cut off by the frame edge: step back
    TOO_DARK = "too_dark"            # not enough light on the face
    NOT_FRONTAL = "not_frontal"      # look straight at the camera
    HOLD_STILL = "hold_still"        # good frame, comparing
    BLINK = "blink"                  # liveness: please blink
    TURN_LEFT = "turn_left"          # liveness challenge: turn your head to your left
    TURN_RIGHT = "turn_right"        # liveness challenge: turn your head to your right
    LOOK_AT_CAMERA = "look_at_camera"  # back to frontal for the closing check
    RETRY = "retry"                  # an attempt failed; the next one starts


# Problems a frame can have, in the order they are reported when several apply.
PROBLEMS = (Guidance.NO_FACE, Guidance.SEVERAL_FACES, Guidance.TOO_FAR, Guidance.TOO_CLOSE, Guidance.TOO_DARK,
            Guidance.NOT_FRONTAL)

# 68-point landmark indices (iBUG 300-W layout, as dlib's predictor uses).
JAW_RIGHT_EDGE, JAW_LEFT_EDGE, NOSE_TIP = 0, 16, 30
RIGHT_EYE = slice(36, 42)  # the subject's right eye, on the image's left
LEFT_EYE = slice(42, 48)


@dataclass(frozen=True)
class QualityLimits:
    min_face_px: int = 80
    min_brightness: float = 60.0  # mean grey level (0-255) inside the face box
    frontal_yaw: float = 0.08     # |yaw ratio| at or below this is frontal (pose is what spreads distances most)
    edge_margin_px: int = 2       # a box touching the frame edge is cut off
    second_face_ratio: float = 0.6  # a second face at least this wide (relative) counts as another person


def eye_aspect_ratio(eye: np.ndarray) -> float:
    """Soukupova & Cech (2016): (|p2-p6| + |p3-p5|) / (2 |p1-p4|); about 0.3 open, near 0.1 closed."""
    eye = np.asarray(eye, dtype=np.float64)
    width = np.linalg.norm(eye[0] - eye[3])
    if width <= 0:
        return 0.0
    return float((np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])) / (2.0 * width))


def mean_ear(landmarks: np.ndarray) -> float:
    return (eye_aspect_ratio(landmarks[RIGHT_EYE]) + eye_aspect_ratio(landmarks[LEFT_EYE])) / 2.0


def yaw_ratio(landmarks: np.ndarray) -> float:
    """Where the nose tip sits between the jaw edges, -0.5..0.5; 0 is frontal.

    Positive means the nose points to the image's right, which for a camera that is not mirrored is the
    applicant's own left. A flat photo turned in front of the camera keeps this ratio (foreshortening scales the
    jaw and the nose alike), which is what makes it a liveness cue as well as a pose measure.
    """
    left_x = landmarks[JAW_RIGHT_EDGE][0]
    right_x = landmarks[JAW_LEFT_EDGE][0]
    span = right_x - left_x
    if span <= 1:
        return 0.0
    return float((landmarks[NOSE_TIP][0] - left_x) / span - 0.5)


def face_brightness(gray: np.ndarray, box: tuple[int, int, int, int]) -> float:
    left, top, right, bottom = box
    region = gray[max(0, top):bottom, max(0, left):right]
    return float(region.mean()) if region.size else 0.0


def assess(frame_shape: tuple[int, ...], boxes: list[tuple[int, int, int, int]], brightness: float | None,
           yaw: float | None, limits: QualityLimits) -> Guidance | None:
    """The first problem with this frame, or None when it is a good frontal face (boxes largest first)."""
    if not boxes:
        return Guidance.NO_FACE
    main = boxes[0]
    main_w = main[2] - main[0]
    others = [b for b in boxes[1:] if (b[2] - b[0]) >= limits.second_face_ratio * main_w
              and (b[2] - b[0]) >= 0.75 * limits.min_face_px]
    if others:
        return Guidance.SEVERAL_FACES
    if main_w < limits.min_face_px:
        return Guidance.TOO_FAR
    h, w = frame_shape[:2]
    m = limits.edge_margin_px
    if main[0] <= m - 1 or main[1] <= m - 1 or main[2] >= w - m + 1 or main[3] >= h - m + 1 or main_w > 0.9 * w:
        return Guidance.TOO_CLOSE
    if brightness is not None and brightness < limits.min_brightness:
        return Guidance.TOO_DARK
    if yaw is not None and abs(yaw) > limits.frontal_yaw:
        return Guidance.NOT_FRONTAL
    return None

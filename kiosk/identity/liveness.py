"""Liveness cues from landmark sequences: a blink (eye aspect ratio dips and recovers) and a head-turn challenge.

Both are plain state machines fed with (time, measurement) so they are tested on landmark sequences without a
camera. A still photo gives a constant eye aspect ratio and a constant yaw, so it can pass neither.
"""
from __future__ import annotations

import logging
import random
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

logger = logging.getLogger(__name__)


class TurnDirection(StrEnum):
    """In the applicant's terms (their own left), as the screen asks it."""

    LEFT = "left"
    RIGHT = "right"

    @property
    def sign(self) -> int:
        # Camera frames are not mirrored: the applicant's left is the image's right, where yaw_ratio is positive.
        return 1 if self is TurnDirection.LEFT else -1


def random_direction(rng: random.Random | None = None) -> TurnDirection:
    return (rng or random.SystemRandom()).choice([TurnDirection.LEFT, TurnDirection.RIGHT])


@dataclass(frozen=True)
class BlinkLimits:
    closed_ratio: float = 0.65   # closed: EAR below this fraction of the open-eye baseline
    open_ratio: float = 0.85     # reopened: EAR back above this fraction
    max_closed_s: float = 0.8    # longer than this is eyes shut (or looking down), not a blink
    baseline_samples: int = 15   # open-eye samples in the rolling baseline
    min_baseline_samples: int = 3
    max_yaw: float = 0.25        # EAR is only trusted on a roughly frontal face


class BlinkDetector:
    """Counts blinks from a stream of (t, ear, yaw); the baseline adapts to each person's open eyes."""

    def __init__(self, limits: BlinkLimits = BlinkLimits()):
        self.limits = limits
        self._open: deque[float] = deque(maxlen=limits.baseline_samples)
        self._closed_since: float | None = None
        self.blinks = 0

    @property
    def baseline(self) -> float | None:
        if len(self._open) < self.limits.min_baseline_samples:
            return None
        return sorted(self._open)[len(self._open) // 2]

    def update(self, t: float, ear: float | None, yaw: float = 0.0) -> bool:
        """Feed one measurement (ear None: no face in this frame); True when this sample completes a blink."""
        if ear is None or abs(yaw) > self.limits.max_yaw:
            # The face left or turned away: a dip across that gap proves nothing.
            self._closed_since = None
            return False
        baseline = self.baseline
        if baseline is None:
            self._open.append(ear)
            return False
        if self._closed_since is None:
            if ear < self.limits.closed_ratio * baseline:
                self._closed_since = t
            else:
                if ear >= self.limits.open_ratio * baseline:
                    self._open.append(ear)
            return False
        if ear >= self.limits.open_ratio * baseline:
            closed_for = t - self._closed_since
            self._closed_since = None
            self._open.append(ear)
            if closed_for <= self.limits.max_closed_s:
                self.blinks += 1
                return True
            return False
        if t - self._closed_since > self.limits.max_closed_s:
            # Eyes kept shut: wait for them to open, and do not count that as a blink.
            self._closed_since = float("-inf")
        return False


@dataclass(frozen=True)
class TurnLimits:
    turned_yaw: float = 0.2    # |yaw ratio| the turn must reach, in the asked direction
    frontal_yaw: float = 0.12  # the turn must start from a frontal pose
    min_frames: int = 2        # consecutive turned frames (one noisy landmark fit is not a turn)


class HeadTurnChallenge:
    """Asks for a turn to one side; passes once the head went from frontal to turned that way."""

    def __init__(self, direction: TurnDirection, limits: TurnLimits = TurnLimits()):
        self.direction = direction
        self.limits = limits
        self._seen_frontal = False
        self._turned_frames = 0
        self.passed = False
        self.wrong_way = False

    def update(self, yaw: float | None) -> bool:
        """Feed one yaw ratio (None: no face); True once the challenge is met."""
        if self.passed:
            return True
        if yaw is None:
            self._turned_frames = 0
            return False
        if abs(yaw) <= self.limits.frontal_yaw:
            self._seen_frontal = True
            self._turned_frames = 0
            return False
        signed = yaw * self.direction.sign
        if self._seen_frontal and signed >= self.limits.turned_yaw:
            self._turned_frames += 1
            if self._turned_frames >= self.limits.min_frames:
                self.passed = True
        else:
            self._turned_frames = 0
            if signed <= -self.limits.turned_yaw:
                self.wrong_way = True
        return self.passed

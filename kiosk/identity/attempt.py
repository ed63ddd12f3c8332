"""One verification attempt as a state machine: match a good frontal face, prove liveness, then match again.

Fed with one FrameAnalysis per analysed frame (no camera, no dlib here), so every path is tested on sequences.
Phases: MATCH (first good frontal frame is encoded and compared) -> LIVENESS (a blink, then the random head-turn
challenge, shown only once asked for so a replayed video cannot know it in advance) -> CONFIRM (a last good frontal
frame must match too, so a photo of the card holder cannot do the matching while someone else does the liveness).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum

from kiosk.identity.liveness import BlinkDetector, HeadTurnChallenge, TurnDirection
from kiosk.identity.quality import Guidance

logger = logging.getLogger(__name__)


class Phase(StrEnum):
    MATCH = "match"
    LIVENESS = "liveness"
    CONFIRM = "confirm"
    PASSED = "passed"
    FAILED = "failed"


@dataclass(frozen=True)
class FrameAnalysis:
    """What the analyser saw in one frame; no pixels and no encoding, only measures and the distance."""

    t: float                        # capture time (monotonic seconds)
    problem: Guidance | None        # None: a good frontal face
    faces: int = 0
    ear: float | None = None        # mean eye aspect ratio of the main face
    yaw: float | None = None        # yaw ratio of the main face
    distance: float | None = None   # set when this frame was encoded and compared


@dataclass
class AttemptLimits:
    threshold: float
    time_s: float = 20.0
    checks: tuple[str, ...] = ("blink", "turn")
    match_tries: int = 3          # good frames compared before an attempt is a no-match
    face_gap_s: float = 1.0       # face lost longer than this during liveness: liveness starts over


@dataclass
class AttemptResult:
    passed: bool
    reason: str | None            # message key when failed: no_face, no_match, liveness_failed
    distance: float | None        # the worst (largest) accepted distance, or the best one seen on a no-match
    first_good_at: float | None   # capture time of the first good frontal frame
    matched_at: float | None      # when the match decision was made (clock time)
    blink: bool = False
    turn: bool = False
    distances: list[float] = field(default_factory=list)


class FaceAttempt:
    def __init__(self, limits: AttemptLimits, direction: TurnDirection, started_at: float):
        self.limits = limits
        self.direction = direction
        self.started_at = started_at
        self.phase = Phase.MATCH
        self.guidance = Guidance.NO_FACE
        self.blink = BlinkDetector()
        self.blink_seen = "blink" not in limits.checks
        self.challenge: HeadTurnChallenge | None = None
        self.turn_seen = "turn" not in limits.checks
        self.reason: str | None = None
        self.match_distance: float | None = None
        self.confirm_distance: float | None = None
        self.distances: list[float] = []
        self.first_good_at: float | None = None
        self.matched_at: float | None = None
        self._last_face_at: float | None = None
        self._confirm_tries = 0

    # -- what the analyser should do --------------------------------------------------------------------------
    @property
    def wants_encoding(self) -> bool:
        """Encode the next good frontal frame? Only when a comparison is due (encoding is the costly step)."""
        return self.phase in (Phase.MATCH, Phase.CONFIRM)

    @property
    def done(self) -> bool:
        return self.phase in (Phase.PASSED, Phase.FAILED)

    def seconds_left(self, now: float) -> float:
        return max(0.0, self.started_at + self.limits.time_s - now)

    # -- feeding ----------------------------------------------------------------------------------------------
    def update(self, a: FrameAnalysis, now: float | None = None) -> Phase:
        now = a.t if now is None else now
        if self.done:
            return self.phase
        if a.problem is None and self.first_good_at is None:
            self.first_good_at = a.t
        if a.faces:
            self._last_face_at = a.t
        if self.phase in (Phase.LIVENESS, Phase.CONFIRM):
            self._watch_continuity(a)
        # Blinks count from the match on, on the face that matched (continuity is watched from then): a live face
        # blinking before a photo is put up for the match proves nothing about the photo.
        if (self.phase is not Phase.MATCH and a.problem not in (Guidance.NO_FACE, Guidance.SEVERAL_FACES)
                and a.ear is not None):
            if self.blink.update(a.t, a.ear, a.yaw or 0.0):
                self.blink_seen = True
        if self.phase is Phase.MATCH:
            self._match(a, now)
        elif self.phase is Phase.LIVENESS:
            self._liveness(a)
        elif self.phase is Phase.CONFIRM:
            self._confirm(a)
        if not self.done and self.seconds_left(now) <= 0:
            self._fail("no_face" if self.phase is Phase.MATCH else "liveness_failed")
        return self.phase

    def expire(self, now: float) -> None:
        """Called when no frame arrives at all: the attempt still ends on time."""
        if not self.done and self.seconds_left(now) <= 0:
            self._fail("no_face" if self.phase is Phase.MATCH else "liveness_failed")

    def _match(self, a: FrameAnalysis, now: float) -> None:
        if a.problem is not None:
            self.guidance = a.problem
            return
        if a.distance is None:
            self.guidance = Guidance.HOLD_STILL
            return
        self.distances.append(a.distance)
        if a.distance <= self.limits.threshold:
            self.match_distance = a.distance
            self.matched_at = now
            self.phase = Phase.LIVENESS
            self._liveness(a)
        elif len(self.distances) >= self.limits.match_tries:
            self._fail("no_match")
        else:
            self.guidance = Guidance.HOLD_STILL

    def _liveness(self, a: FrameAnalysis) -> None:
        if not self.blink_seen:
            self.guidance = Guidance.BLINK
            return
        if not self.turn_seen:
            if self.challenge is None:
                self.challenge = HeadTurnChallenge(self.direction)  # asked from now on, not before
            self.guidance = Guidance.TURN_LEFT if self.direction is TurnDirection.LEFT else Guidance.TURN_RIGHT
            if a.problem in (Guidance.NO_FACE, Guidance.SEVERAL_FACES):
                self.challenge.update(None)
                return
            if self.challenge.update(a.yaw):
                self.turn_seen = True
            elif self.challenge.wrong_way:
                self._fail("liveness_failed")
                return
            else:
                return
        self.phase = Phase.CONFIRM
        self.guidance = Guidance.LOOK_AT_CAMERA

    def _confirm(self, a: FrameAnalysis) -> None:
        if a.problem is not None or a.distance is None:
            self.guidance = Guidance.LOOK_AT_CAMERA
            return
        self.distances.append(a.distance)
        self._confirm_tries += 1
        if a.distance <= self.limits.threshold:
            self.confirm_distance = a.distance
            self.phase = Phase.PASSED
        elif self._confirm_tries >= self.limits.match_tries:
            self._fail("no_match")

    def _watch_continuity(self, a: FrameAnalysis) -> None:
        """Someone else stepping in, or the face gone for a while: the liveness shown so far no longer counts."""
        lost = self._last_face_at is not None and a.t - self._last_face_at > self.limits.face_gap_s
        if a.problem is Guidance.SEVERAL_FACES or lost:
            self.blink = BlinkDetector()
            self.blink_seen = "blink" not in self.limits.checks
            self.challenge = None
            self.turn_seen = "turn" not in self.limits.checks
            self.phase = Phase.MATCH
            self.match_distance = None
            self.distances.clear()
            self._last_face_at = a.t if a.faces else self._last_face_at

    def fail(self, reason: str) -> None:
        """End the attempt from outside (the camera went away)."""
        if not self.done:
            self._fail(reason)

    def _fail(self, reason: str) -> None:
        self.reason = reason
        self.phase = Phase.FAILED

    def result(self) -> AttemptResult:
        passed = self.phase is Phase.PASSED
        if passed:
            distance = max(d for d in (self.match_distance, self.confirm_distance) if d is not None)
        else:
            distance = min(self.distances) if self.distances else None
        return AttemptResult(passed, None if passed else (self.reason or "timeout"), distance, self.first_good_at,
                             self.matched_at, blink=self.blink_seen and "blink" in self.limits.checks,
                             turn=self.turn_seen and "turn" in self.limits.checks, distances=list(self.distances))

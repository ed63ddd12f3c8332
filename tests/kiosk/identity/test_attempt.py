"""Tests for kiosk/identity/attempt.py: one attempt driven by FrameAnalysis sequences (no camera, no dlib)."""
from __future__ import annotations

from kiosk.identity.attempt import AttemptLimits, FaceAttempt, FrameAnalysis, Phase
from kiosk.identity.liveness import TurnDirection
from kiosk.identity.quality import Guidance

DT = 1 / 30
OPEN, SHUT = 0.32, 0.05


class Script:
    """Feeds an attempt frame by frame with a clock that advances one camera frame each time."""

    def __init__(self, checks=("blink", "turn"), direction=TurnDirection.LEFT, threshold=0.6, time_s=10.0):
        self.t = 0.0
        self.attempt = FaceAttempt(AttemptLimits(threshold, time_s, tuple(checks)), direction, started_at=0.0)

    def frame(self, problem=None, ear=OPEN, yaw=0.0, distance=None, faces=1, n=1):
        for _ in range(n):
            self.t += DT
            if self.attempt.wants_encoding and problem is None and distance is None:
                distance = 0.4
            self.attempt.update(FrameAnalysis(self.t, problem, faces, ear, yaw,
                                              distance if self.attempt.wants_encoding and problem is None else None))
        return self.attempt

    def blink(self):
        self.frame(ear=SHUT, n=2)
        return self.frame(ear=OPEN)


def test_happy_path_match_blink_turn_confirm():
    s = Script()
    a = s.frame(problem=Guidance.NO_FACE, ear=None, yaw=None, faces=0, n=5)
    assert a.guidance is Guidance.NO_FACE and a.phase is Phase.MATCH
    s.frame(problem=Guidance.TOO_FAR, n=3)
    assert a.guidance is Guidance.TOO_FAR
    s.frame(distance=0.42)
    assert a.phase is Phase.LIVENESS and a.guidance is Guidance.BLINK
    s.frame(n=15)  # the blink baseline builds up
    s.blink()
    assert a.guidance is Guidance.TURN_LEFT
    s.frame(yaw=0.05, n=3)
    s.frame(yaw=0.25, problem=Guidance.NOT_FRONTAL, n=3)
    assert a.phase is Phase.CONFIRM and a.guidance is Guidance.LOOK_AT_CAMERA
    s.frame(distance=0.47)
    result = a.result()
    assert a.phase is Phase.PASSED and result.passed and result.blink and result.turn
    assert result.distance == 0.47  # the worse of the two comparisons is the score
    assert result.first_good_at is not None and result.matched_at is not None


def test_three_non_matching_good_frames_are_a_no_match():
    s = Script()
    s.frame(distance=0.8)
    s.frame(distance=0.75)
    assert s.attempt.phase is Phase.MATCH
    s.frame(distance=0.9)
    result = s.attempt.result()
    assert s.attempt.phase is Phase.FAILED and result.reason == "no_match" and result.distance == 0.75


def test_a_poor_frame_then_a_match_passes_the_match_step():
    s = Script(checks=("turn",))
    s.frame(distance=0.7)
    s.frame(distance=0.5)
    assert s.attempt.phase is Phase.LIVENESS


def test_nobody_until_the_time_limit_is_no_face():
    s = Script(time_s=1.0)
    s.frame(problem=Guidance.NO_FACE, faces=0, ear=None, yaw=None, n=40)
    assert s.attempt.phase is Phase.FAILED and s.attempt.result().reason == "no_face"


def test_a_still_photo_matches_but_fails_liveness_at_the_time_limit():
    s = Script(time_s=2.0)
    s.frame(n=80)  # the same open eyes and frontal pose, frame after frame
    result = s.attempt.result()
    assert s.attempt.phase is Phase.FAILED and result.reason == "liveness_failed"
    assert result.matched_at is not None and not result.blink and not result.turn


def test_the_turn_is_only_taken_after_it_was_asked_for():
    s = Script(checks=("blink", "turn"), direction=TurnDirection.LEFT)
    s.frame(distance=0.4)
    s.frame(n=15)
    s.frame(yaw=0.3, problem=Guidance.NOT_FRONTAL, n=5)  # turned before the challenge was shown
    s.frame(n=2)
    s.blink()
    assert s.attempt.guidance is Guidance.TURN_LEFT and not s.attempt.turn_seen
    s.frame(yaw=0.3, problem=Guidance.NOT_FRONTAL, n=3)
    assert s.attempt.phase is Phase.CONFIRM


def test_turning_the_wrong_way_fails_the_attempt():
    s = Script(checks=("turn",), direction=TurnDirection.RIGHT)
    s.frame(distance=0.4)
    s.frame(yaw=0.3, problem=Guidance.NOT_FRONTAL, n=2)
    assert s.attempt.phase is Phase.FAILED and s.attempt.result().reason == "liveness_failed"


def test_a_second_face_during_liveness_starts_over():
    s = Script(checks=("blink", "turn"))
    s.frame(distance=0.4)
    s.frame(n=15)
    s.blink()
    assert s.attempt.guidance is Guidance.TURN_LEFT
    s.frame(problem=Guidance.SEVERAL_FACES, faces=2)
    assert s.attempt.phase is Phase.MATCH and not s.attempt.blink_seen


def test_face_gone_for_a_while_during_liveness_starts_over():
    s = Script(checks=("turn",))
    s.frame(distance=0.4)
    s.frame(problem=Guidance.NO_FACE, faces=0, ear=None, yaw=None, n=40)  # 1.3 s without a face
    assert s.attempt.phase is Phase.MATCH


def test_someone_else_at_the_closing_check_is_a_no_match():
    s = Script(checks=("turn",))
    s.frame(distance=0.4)
    s.frame(yaw=0.3, problem=Guidance.NOT_FRONTAL, n=2)
    assert s.attempt.phase is Phase.CONFIRM
    s.frame(distance=0.85)
    s.frame(distance=0.8)
    assert s.attempt.phase is Phase.CONFIRM  # one poor frame is not a verdict
    s.frame(distance=0.9)
    assert s.attempt.phase is Phase.FAILED and s.attempt.result().reason == "no_match"


def test_closing_check_passes_after_a_poor_frame():
    s = Script(checks=("turn",))
    s.frame(distance=0.4)
    s.frame(yaw=0.3, problem=Guidance.NOT_FRONTAL, n=2)
    s.frame(distance=0.7)
    s.frame(distance=0.45)
    result = s.attempt.result()
    assert result.passed and result.distance == 0.45


def test_encoding_is_only_requested_when_a_comparison_is_due():
    s = Script(checks=("turn",))
    assert s.attempt.wants_encoding
    s.frame(distance=0.4)
    assert not s.attempt.wants_encoding  # liveness runs on landmarks only: cheap frames, smooth analysis
    s.frame(yaw=0.3, problem=Guidance.NOT_FRONTAL, n=2)
    assert s.attempt.wants_encoding


def test_expire_ends_an_attempt_with_no_frames():
    s = Script(time_s=1.0)
    s.attempt.expire(0.5)
    assert not s.attempt.done
    s.attempt.expire(1.01)
    assert s.attempt.phase is Phase.FAILED and s.attempt.result().reason == "no_face"


from hypothesis import given, settings, strategies as st  # noqa: E402

PROBLEMS = st.sampled_from([None, Guidance.NO_FACE, Guidance.SEVERAL_FACES, Guidance.TOO_FAR, Guidance.TOO_DARK,
                            Guidance.NOT_FRONTAL])
FRAMES = st.lists(st.tuples(PROBLEMS, st.floats(0.0, 0.6), st.floats(-0.5, 0.5), st.floats(0.0, 1.2)),
                  min_size=1, max_size=150)


@settings(max_examples=150, deadline=None)
@given(FRAMES, st.sampled_from([TurnDirection.LEFT, TurnDirection.RIGHT]))
def test_any_sequence_ends_by_the_time_limit_with_a_known_outcome(frames, direction):
    attempt = FaceAttempt(AttemptLimits(0.58, time_s=2.0), direction, started_at=0.0)
    t = 0.0
    for problem, ear, yaw, distance in frames:
        t += DT
        faces = 0 if problem is Guidance.NO_FACE else (2 if problem is Guidance.SEVERAL_FACES else 1)
        attempt.update(FrameAnalysis(t, problem, faces, ear if faces else None, yaw if faces else None,
                                     distance if attempt.wants_encoding and problem is None else None))
    attempt.expire(2.0 + 1e-6)
    result = attempt.result()
    assert attempt.done
    assert result.passed or result.reason in {"no_face", "no_match", "liveness_failed"}
    if result.passed:
        assert result.distance is not None and result.distance <= 0.58


@settings(max_examples=100, deadline=None)
@given(st.floats(0.15, 0.5), st.floats(-0.08, 0.08), st.floats(0.0, 0.58), st.integers(10, 300))
def test_a_still_face_never_passes_liveness(ear, yaw, distance, n):
    # Whatever the photo looks like, a constant eye opening and pose can neither blink nor turn.
    attempt = FaceAttempt(AttemptLimits(0.58, time_s=60.0), TurnDirection.LEFT, started_at=0.0)
    for i in range(n):
        attempt.update(FrameAnalysis((i + 1) * DT, None, 1, ear, yaw,
                                     distance if attempt.wants_encoding else None))
    assert not attempt.result().passed and attempt.phase is Phase.LIVENESS


def test_a_blink_before_the_match_does_not_count():
    # Someone blinks at the camera, then a photo of the card holder is put up for the match.
    s = Script(checks=("blink",))
    s.frame(problem=Guidance.TOO_FAR, n=15)
    s.frame(problem=Guidance.TOO_FAR, ear=SHUT, n=2)
    s.frame(problem=Guidance.TOO_FAR, n=3)
    s.frame(distance=0.4)
    assert s.attempt.phase is Phase.LIVENESS and s.attempt.guidance is Guidance.BLINK
    s.frame(n=30)
    assert s.attempt.phase is Phase.LIVENESS
    s.blink()
    s.frame(distance=0.42)
    assert s.attempt.phase is Phase.PASSED

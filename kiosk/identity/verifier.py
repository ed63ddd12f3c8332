"""The face verifier the runtime calls for StartVerification: camera frames, attempts, then a decision, as events.

`make_face_verifier(camera, decider=..., ...)` returns a function with the runtime's verifier signature
`(command, post, cancelled)`. It runs on a runtime worker thread (never the core or UI thread), posts
VerificationProgress while the applicant is at the camera, and ends with IdentityVerified or VerificationFailed.

Who decides: on a kiosk, the gateway (`decider`, kiosk.identity.decision.GatewayDecision). The kiosk proves
liveness and that one face did it all: the attempt's first good frontal frame is its own reference, and the closing
frame must match it; the two encodings, with what the liveness check saw, go to the decider, which answers with the
applicant token (IdentityVerified(method="face", token=...)). With a `reference_provider` instead (field staff's
`kiosk face verify`, the benchmark's local floor) the kiosk compares with that image itself. Encodings and frames
live only in local variables of the run and are zeroed after the decision; the log gets the outcome, the distance
and the time, nothing else.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from kiosk import events as ev
from kiosk.identity.analyser import FrameAnalyser
from kiosk.identity.attempt import AttemptLimits, AttemptResult, FaceAttempt, Phase
from kiosk.identity.faces import FaceEngine, FaceImageError, decode_image
from kiosk.identity.liveness import TurnDirection, random_direction
from kiosk.identity.quality import Guidance, QualityLimits

logger = logging.getLogger(__name__)

ReferenceProvider = Callable[[object], "bytes | None"]


@dataclass
class FaceEvidence:
    """What the kiosk sends for the gateway's decision: live encodings (never logged) and what liveness saw."""

    encodings: list = field(repr=False)
    blink: bool
    turn: bool

    def scrub(self) -> None:
        for encoding in self.encodings:
            encoding.fill(0)
        self.encodings.clear()


# (card, evidence) -> the applicant token (None: decided without the gateway, a locker offline); refusals raise
# with a message_key.
Decider = Callable[[object, FaceEvidence], "str | None"]
# The gateway's refusals, as the keys the screens already explain (i18n): nothing more precise is shown.
DECISION_REFUSALS = {"not_verified": "no_match", "evidence_replayed": "no_match", "liveness_required":
                     "liveness_failed", "platform_unavailable": "platform_unavailable"}

DEFAULT_THRESHOLD = 0.58  # see config.schema.IdentityConfig.face_distance_threshold for how it was chosen


@dataclass
class VerificationOutcome:
    """What a verification run ended with; only measures, nothing biometric."""

    verified: bool
    reason: str | None
    distance: float | None
    attempts: int
    elapsed_s: float
    face_found: bool = False
    matched: bool = False
    blink: bool = False
    turn: bool = False
    latency_ms: float | None = None  # first good frontal frame captured -> match decision
    matched_at: float | None = None  # clock time of the match decision
    # Without a reference: the passing attempt's match and closing encodings, for the gateway (never logged).
    encodings: list = field(default_factory=list, repr=False)


class FaceVerification:
    """One applicant's face check; run() blocks its (worker) thread until verified, failed or cancelled."""

    def __init__(self, camera, engine: FaceEngine, threshold: float = DEFAULT_THRESHOLD, *, max_attempts: int = 3,
                 attempt_time_s: float = 20.0, checks: tuple[str, ...] = ("blink", "turn"),
                 quality: QualityLimits | None = None, direction: TurnDirection | None = None,
                 rng: random.Random | None = None, clock: Callable[[], float] = time.monotonic,
                 stop_when_offline: bool = False, camera_wait_s: float = 5.0):
        self.camera = camera
        self.engine = engine
        self.threshold = threshold
        self.max_attempts = max_attempts
        self.attempt_time_s = attempt_time_s
        self.checks = tuple(checks)
        self.analyser = FrameAnalyser(engine, quality or QualityLimits(min_face_px=engine.min_face_px))
        self.direction = direction
        self.rng = rng
        self.clock = clock
        self.stop_when_offline = stop_when_offline  # a video file probe: its end ends the run
        self.camera_wait_s = camera_wait_s

    def run(self, reference: np.ndarray | None, progress: Callable[[Guidance, int, float], None] | None = None,
            cancelled: threading.Event | None = None) -> VerificationOutcome:
        """One applicant's check. reference None: the first good frame of an attempt is its own reference (the
        gateway decides later), and a passing outcome carries the match and closing encodings."""
        cancelled = cancelled or threading.Event()
        started = self.clock()
        outcome = VerificationOutcome(False, "camera_unavailable", None, 0, 0.0)
        if not self.camera.wait_online(self.camera_wait_s):
            outcome.elapsed_s = self.clock() - started
            return outcome
        first = self.camera.latest()
        if first is not None:
            self.engine.warm_up(first.image.shape)
            del first
        results: list[AttemptResult] = []
        evidence: list[np.ndarray] = []
        for number in range(1, self.max_attempts + 1):
            direction = self.direction or random_direction(self.rng)
            attempt = FaceAttempt(AttemptLimits(self.threshold, self.attempt_time_s, self.checks), direction,
                                  self.clock())
            evidence.clear()
            ended = self._run_attempt(attempt, reference, number, progress, cancelled, evidence)
            result = attempt.result()
            results.append(result)
            if cancelled.is_set():
                evidence.clear()
                return VerificationOutcome(False, "cancelled", None, number, self.clock() - started)
            if result.passed or ended:
                break
            if progress is not None and number < self.max_attempts:
                progress(Guidance.RETRY, number + 1, self.attempt_time_s)
        outcome = self._outcome(results, started)
        if outcome.verified and reference is None:
            outcome.encodings = list(evidence)
        evidence.clear()
        return outcome

    def _run_attempt(self, attempt: FaceAttempt, reference: np.ndarray | None, number: int, progress, cancelled,
                     evidence: list) -> bool:
        """Feed frames until the attempt is over; True if the camera itself ended (no more attempts make sense).
        Without a reference, `evidence` ends up holding the match frame's and the closing frame's encodings."""
        anchor: np.ndarray | None = None
        last_seq = 0
        shown: tuple[Guidance, int] | None = None
        offline_since: float | None = None
        skipped = False
        self.analyser.reset()
        while not attempt.done and not cancelled.is_set():
            frame = self.camera.next_frame(last_seq, timeout=0.5)
            now = self.clock()
            if frame is None:
                if not self.camera.status.usable:
                    if self.stop_when_offline:  # a video probe has ended
                        attempt.fail("no_face" if attempt.matched_at is None else "liveness_failed")
                        return True
                    offline_since = now if offline_since is None else offline_since
                    if now - offline_since >= self.camera_wait_s:
                        attempt.fail("camera_unavailable")
                        return True
                attempt.expire(now)
                continue
            offline_since = None
            if self.analyser.sees_nobody and not skipped and frame.seq == last_seq + 1:
                # Nobody in front of the camera: every other frame is plenty, and the preview keeps the CPU.
                skipped = True
                last_seq = frame.seq
                attempt.expire(now)
                continue
            skipped = False
            last_seq = frame.seq
            if reference is not None:
                analysis = self.analyser.analyse(frame.image, frame.captured_at,
                                                 reference if attempt.wants_encoding else None)
                del frame  # the verifier keeps no picture longer than one analysis
                attempt.update(analysis, now=self.clock())
            else:
                if attempt.phase is Phase.MATCH:  # (again, after a break in continuity): a new first frame
                    anchor = None
                    evidence.clear()
                keep: list | None = [] if attempt.wants_encoding else None
                analysis = self.analyser.analyse(frame.image, frame.captured_at, anchor, keep)
                del frame
                before = attempt.phase
                attempt.update(analysis, now=self.clock())
                if keep:
                    if before is Phase.MATCH and attempt.phase is not Phase.MATCH:
                        anchor = keep[0]
                        evidence[:] = [anchor]
                    elif before is Phase.CONFIRM and attempt.phase is Phase.PASSED:
                        evidence.append(keep[0])
            if progress is not None:
                left = attempt.seconds_left(self.clock())
                key = (attempt.guidance, int(left))
                if key != shown:  # one update per guidance change or second, not one per frame
                    shown = key
                    progress(attempt.guidance, number, round(left, 1))
        return False

    def _outcome(self, results: list[AttemptResult], started: float) -> VerificationOutcome:
        last = results[-1]
        elapsed = self.clock() - started
        face_found = any(r.first_good_at is not None for r in results)
        matched = any(r.matched_at is not None for r in results)
        latency = matched_at = None
        for r in results:
            if r.matched_at is not None and r.first_good_at is not None:
                latency = (r.matched_at - r.first_good_at) * 1000.0
                matched_at = r.matched_at
                break
        if last.passed:
            return VerificationOutcome(True, None, last.distance, len(results), elapsed, face_found, True,
                                       last.blink, last.turn, latency, matched_at)
        # A no-match in any attempt is what staff most need to know about.
        reason = "no_match" if any(r.reason == "no_match" for r in results) else last.reason
        distances = [r.distance for r in results if r.distance is not None]
        return VerificationOutcome(False, reason, min(distances) if distances else None, len(results), elapsed,
                                   face_found, matched, any(r.blink for r in results), any(r.turn for r in results),
                                   latency, matched_at)


def encode_reference(engine: FaceEngine, image: bytes) -> np.ndarray:
    """The reference portrait's encoding, from image bytes in memory; FaceImageError when unusable."""
    encoding, _face = engine.encode_single(decode_image(image))
    return encoding


def make_face_verifier(camera, reference_provider: ReferenceProvider | None = None,
                       threshold: float = DEFAULT_THRESHOLD, *, decider: Decider | None = None,
                       max_attempts: int = 3, attempt_time_s: float = 20.0,
                       checks: tuple[str, ...] = ("blink", "turn"), min_face_px: int = 80,
                       engine: FaceEngine | None = None, direction: TurnDirection | None = None,
                       rng: random.Random | None = None, camera_wait_s: float = 5.0, preload: bool = False):
    """The runtime verifier for method "face": `verifiers={"face": make_face_verifier(camera, decider=...)}`.

    Exactly one of `decider` (the gateway decides: a kiosk) and `reference_provider` (a local reference image:
    field tools and the benchmark's floor) is given.

    Without an engine, one is made on first use (loading the models takes seconds); preload=True starts loading
    it now on a background thread so the first applicant does not wait for it.
    """
    if (decider is None) == (reference_provider is None):
        raise ValueError("give exactly one of decider and reference_provider")
    engine_box: list[FaceEngine] = [engine] if engine is not None else []
    engine_lock = threading.Lock()

    def get_engine() -> FaceEngine:
        with engine_lock:
            if not engine_box:
                engine_box.append(FaceEngine(min_face_px=min_face_px))
            return engine_box[0]

    if preload and not engine_box:
        threading.Thread(target=get_engine, name="face-models", daemon=True).start()

    # One face check at a time: the camera and dlib are not shared safely between threads. A new check (the next
    # mortgage party, a quick card swap) waits for the previous one, which its session's end has cancelled.
    run_lock = threading.Lock()

    def face_verifier(command, post: Callable[[ev.Event], None], cancelled: threading.Event) -> None:
        while not run_lock.acquire(timeout=0.2):
            if cancelled.is_set():
                return
        try:
            verify(command, post, cancelled)
        finally:
            run_lock.release()

    def verify(command, post: Callable[[ev.Event], None], cancelled: threading.Event) -> None:
        engine = get_engine()
        verification = FaceVerification(camera, engine, threshold, max_attempts=max_attempts,
                                        attempt_time_s=attempt_time_s, checks=checks, direction=direction, rng=rng,
                                        camera_wait_s=camera_wait_s)
        post(ev.VerificationProgress(Guidance.STARTING.value, 1, attempt_time_s))
        if decider is not None:
            decide(command, post, cancelled, verification)
            return
        try:
            portrait = reference_provider(command.card)
        except Exception as exc:
            key = getattr(exc, "message_key", None)
            if key is None:
                logger.exception("reference portrait provider failed")
                key = "reference_unavailable"
            else:
                logger.warning("reference portrait unavailable: %s", key)
            post(ev.VerificationFailed(key))
            return
        if not portrait:
            logger.warning("face verification: no reference portrait for this applicant")
            post(ev.VerificationFailed("reference_unavailable"))
            return
        try:
            reference = encode_reference(engine, portrait)
        except FaceImageError as exc:
            logger.warning("face verification: reference portrait unusable (%s)", exc.reason)
            post(ev.VerificationFailed("reference_unusable"))
            return
        finally:
            del portrait

        def progress(guidance: Guidance, attempt: int, seconds_left: float) -> None:
            post(ev.VerificationProgress(guidance.value, attempt, seconds_left))

        outcome = verification.run(reference, progress, cancelled)
        del reference
        if outcome.reason == "cancelled" or cancelled.is_set():
            logger.info("face verification cancelled after %.1f s", outcome.elapsed_s)
            return
        log_outcome(outcome)
        if outcome.verified:
            post(ev.IdentityVerified(method="face", score=outcome.distance))
        else:
            post(ev.VerificationFailed(outcome.reason or "no_match"))

    def decide(command, post: Callable[[ev.Event], None], cancelled: threading.Event,
               verification: FaceVerification) -> None:
        def progress(guidance: Guidance, attempt: int, seconds_left: float) -> None:
            post(ev.VerificationProgress(guidance.value, attempt, seconds_left))

        outcome = verification.run(None, progress, cancelled)
        if outcome.reason == "cancelled" or cancelled.is_set():
            logger.info("face verification cancelled after %.1f s", outcome.elapsed_s)
            return
        log_outcome(outcome)
        if not outcome.verified:
            post(ev.VerificationFailed(outcome.reason or "no_match"))
            return
        evidence = FaceEvidence(outcome.encodings, outcome.blink, outcome.turn)
        outcome.encodings = []
        try:
            token = decider(command.card, evidence)
        except Exception as exc:
            key = getattr(exc, "message_key", None)
            if key is None:
                logger.exception("the identity decision failed")
            else:
                logger.info("identity decision: refused (%s)", key)
            post(ev.VerificationFailed(DECISION_REFUSALS.get(key, "verification_unavailable")))
            return
        finally:
            evidence.scrub()
        if cancelled.is_set():  # the applicant left while the gateway decided: nobody may use this token
            revoke = getattr(decider, "revoke", None)
            if revoke is not None and token:
                revoke(token)
            return
        post(ev.IdentityVerified(method="face", score=None, token=token))

    face_verifier.decider = decider  # who decides, for the wiring's tests
    return face_verifier


def face_verifier_from_config(camera, decider: Decider, identity_config, *, engine: FaceEngine | None = None,
                              preload: bool = True):
    """make_face_verifier (the gateway decides) with the limits of config.schema.IdentityConfig; the models start
    loading at once."""
    return make_face_verifier(camera, None, identity_config.face_distance_threshold, decider=decider,
                              max_attempts=identity_config.max_attempts,
                              attempt_time_s=identity_config.attempt_time_s,
                              checks=tuple(identity_config.liveness_checks),
                              min_face_px=identity_config.min_face_px, engine=engine, preload=preload)


def log_outcome(outcome: VerificationOutcome) -> None:
    """The audit line: result, distance and time only."""
    distance = "-" if outcome.distance is None else f"{outcome.distance:.3f}"
    logger.info("face verification %s: distance=%s attempts=%d elapsed=%.1fs",
                "passed" if outcome.verified else f"failed ({outcome.reason})", distance, outcome.attempts,
                outcome.elapsed_s)


__all__ = ["FaceEvidence", "FaceVerification", "VerificationOutcome", "encode_reference", "face_verifier_from_config",
           "kiosk_face_verifier", "make_face_verifier", "log_outcome"]


def kiosk_face_verifier(config, platform, camera, engine: FaceEngine | None = None):
    """The "face" verifier for a kiosk config: the gateway decides (with the card photo too where a WLT plug-in
    decodes it), limits from config.identity. The app passes it as Runtime(verifiers={"face": ...}); create the
    engine at start-up (loading the models takes a few seconds) and start the camera
    (peripherals.camera.camera_from_config) before."""
    from kiosk.identity.decision import decision_from_config
    identity = config.identity
    return make_face_verifier(camera, None, identity.face_distance_threshold,
                              decider=decision_from_config(config, platform), max_attempts=identity.max_attempts,
                              attempt_time_s=identity.attempt_time_s, checks=tuple(identity.liveness_checks),
                              min_face_px=identity.min_face_px, engine=engine, preload=engine is None)

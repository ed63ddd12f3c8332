"""`kiosk face verify`: compare a probe photo or video with a reference portrait, as the kiosk would (field staff)."""
from __future__ import annotations

import json
import logging
from pathlib import Path

from kiosk.cli import CliError

logger = logging.getLogger(__name__)


def register(groups) -> None:
    face = groups["top"].add_parser("face", help="face verification tools").add_subparsers(dest="face_command",
                                                                                          metavar="ACTION")
    face.required = True
    verify = face.add_parser("verify", help="compare a probe image or video with a reference portrait")
    verify.add_argument("--reference", required=True, help="reference portrait (JPEG, PNG, BMP)")
    verify.add_argument("--probe", required=True, help="probe image, or a video played as the camera")
    verify.add_argument("--json", action="store_true", help="print one JSON object")
    verify.add_argument("--threshold", type=float, default=None,
                        help="largest distance taken as a match (default: the kiosk's configured default)")
    verify.add_argument("--liveness", default="blink,turn",
                        help="video probe: liveness checks to require, comma-separated (blink, turn)")
    verify.add_argument("--challenge", choices=["left", "right", "random"], default="random",
                        help="video probe: the head-turn the challenge asks for (a recording cannot answer a "
                             "random one)")
    verify.add_argument("--min-face-px", type=int, default=80, help="smallest usable face, in pixels across")
    verify.set_defaults(func=_verify)


def _read(path_text: str, what: str) -> bytes:
    path = Path(path_text)
    if not path.is_file():
        raise CliError(f"{what}: no such file: {path_text}")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CliError(f"{what}: cannot read {path_text} ({exc.strerror})") from None


def _verify(args) -> int:
    from config.schema import IdentityConfig
    from kiosk.identity.faces import FaceEngine, FaceImageError, decode_image
    from peripherals.camera.source import SourceKind, parse_source

    threshold = args.threshold if args.threshold is not None else IdentityConfig().face_distance_threshold
    if not 0 < threshold < 1.2:
        raise CliError("--threshold: must be between 0 and 1.2")
    checks = tuple(c.strip() for c in args.liveness.split(",") if c.strip())
    if not checks or set(checks) - {"blink", "turn"}:
        raise CliError("--liveness: give blink, turn or blink,turn")
    engine = FaceEngine(min_face_px=args.min_face_px)
    try:
        reference = engine.encode_single(decode_image(_read(args.reference, "reference")))[0]
    except FaceImageError as exc:
        raise CliError(f"reference: {exc}") from None

    probe_kind = parse_source(args.probe).kind
    if probe_kind is SourceKind.IMAGE:
        report = _verify_image(engine, reference, _read(args.probe, "probe"), threshold)
    else:
        _read(args.probe, "probe")  # exists and is readable
        report = _verify_video(engine, reference, args.probe, threshold, checks, args.challenge)
    _print(report, args.json)
    return 0


def _verify_image(engine, reference, data: bytes, threshold: float) -> dict:
    from kiosk.identity.faces import FaceImageError, decode_image
    try:
        probe = engine.encode_single(decode_image(data))[0]
    except FaceImageError as exc:
        raise CliError(f"probe: {exc}") from None
    distance = engine.distance(reference, probe)
    return {"match": distance <= threshold, "distance": round(distance, 4), "face_found": True,
            "threshold": threshold}


def _verify_video(engine, reference, path: str, threshold: float, checks: tuple[str, ...], challenge: str) -> dict:
    import cv2

    from kiosk.identity.liveness import TurnDirection
    from kiosk.identity.verifier import FaceVerification
    from peripherals.camera import Camera

    capture = cv2.VideoCapture(path)
    opened = capture.isOpened() and capture.grab()
    frames = capture.get(cv2.CAP_PROP_FRAME_COUNT)
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    capture.release()
    if not opened:
        raise CliError("probe: not an image or a video (cannot decode it)")
    duration = frames / fps if frames > 0 and fps > 0 else 60.0
    direction = None if challenge == "random" else TurnDirection(challenge)
    camera = Camera(path, loop=False, reconnect_s=60.0, name="probe video")
    camera.start()
    try:
        verification = FaceVerification(camera, engine, threshold, max_attempts=1, attempt_time_s=duration + 2.0,
                                        checks=checks, direction=direction, stop_when_offline=True)
        outcome = verification.run(reference)
    finally:
        camera.stop()
    if outcome.reason == "camera_unavailable":
        raise CliError("probe: the video delivered no frames")
    if not outcome.face_found:
        raise CliError("probe: no usable face in the video (none, or never frontal, close and bright enough)")
    liveness = outcome.verified or ((("blink" not in checks) or outcome.blink) and
                                    (("turn" not in checks) or outcome.turn))
    return {"match": outcome.matched, "distance": None if outcome.distance is None else round(outcome.distance, 4),
            "face_found": True, "liveness": bool(liveness), "latency_ms": None if outcome.latency_ms is None
            else round(outcome.latency_ms, 1), "blink": outcome.blink, "turn": outcome.turn,
            "verified": outcome.verified, "reason": outcome.reason, "threshold": threshold}


def _print(report: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report, sort_keys=False))
        return
    for key, value in report.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif value is None:
            value = "-"
        print(f"{key}: {value}")

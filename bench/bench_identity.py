"""Identity decision latency: card read -> applicant token with the gateway deciding, against a local-only decision.

Run: .venv/bin/python bench/bench_identity.py [--runs 2]     (under a minute on 2 cores; run it on a quiet machine)

Both sides run the real kiosk core (Session + Runtime) with the real face verifier on the clip
(../shared/data/faces/short_hamilton_clip.mp4, Lin-Manuel Miranda, turning right at about 3.3 s) played in real
time as the camera, the head-turn challenge fixed to his side, and his demo card (440305198001163458).
  floor ("local"): the kiosk compares with his registry portrait itself (as it did before the gateway decided) and
                   the session reaches the menu on its own decision: card read -> IdentityVerified;
  ours ("gateway"): the kiosk sends the live evidence to a real gateway on loopback (SQLite, uvicorn) which compares
                   with the registry portrait's encoding (encrypted at rest) and mints the token:
                   card read -> ApplicantAuthorised, token in the session.
The first gateway run encodes the portrait (once per person, then kept encrypted): reported on its own as "cold".
Then the decision round trip alone (POST /v1/identity-verifications with evidence from photos, warm), against the
gateway's /v1/health round trip as its floor. Nothing is written outside a temporary directory.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gateway.testing import LiveGateway  # noqa: E402
from kiosk import events as ev  # noqa: E402
from kiosk.identity.decision import GatewayDecision  # noqa: E402
from kiosk.identity.faces import FaceEngine, decode_image  # noqa: E402
from kiosk.identity.liveness import TurnDirection  # noqa: E402
from kiosk.identity.verifier import make_face_verifier  # noqa: E402
from kiosk.platform_client import PlatformClient  # noqa: E402
from kiosk.runtime import Runtime  # noqa: E402
from kiosk.session import Session, State  # noqa: E402
from peripherals.camera import Camera  # noqa: E402

FACES = REPO.parent / "shared" / "data" / "faces"
CLIP = FACES / "short_hamilton_clip.mp4"
LIN = "440305198001163458"
OBAMA = "110105196108041235"


@dataclass
class Card:
    id_number: str = LIN
    name: str = "林曼努"
    card_type: str = "resident"
    photo_wlt: bytes = b""
    expired: bool = False


class LocalPlatform:
    """The floor's platform: the session asks for a token after its own decision; answered at once."""

    def issue_applicant_token(self, id_number, method, score):
        return "local"

    def list_cases(self, token):
        return ()


def one_run(engine: FaceEngine, platform, verifier_for) -> tuple[float | None, str]:
    """Card read -> the session holds a token (gateway) or is in the menu on its own decision (local), in ms."""
    camera = Camera(str(CLIP), loop=False).start()
    try:
        verifier = verifier_for(camera)
        session = Session(["case_status"], [], identity_method="face")
        runtime = Runtime(session, platform, verifiers={"face": verifier}, tick_s=0.05)
        done = threading.Event()
        stopped_at: list[float] = []

        def watch(view):
            if stopped_at:
                return
            if (isinstance(platform, LocalPlatform) and view.state is State.MENU) or session.personal.token \
                    or view.state is State.DONE:
                stopped_at.append(time.perf_counter())
                done.set()
        session.subscribe(watch)
        runtime.start()
        try:
            camera.wait_online(5)
            started = time.perf_counter()
            runtime.post(ev.CardRead(Card()))
            done.wait(40)
        finally:
            runtime.stop()
        if not stopped_at or session.state is State.DONE:
            return None, session.message or "no decision"
        return (stopped_at[0] - started) * 1000, "ok"
    finally:
        camera.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="clip runs per side (default 2)")
    parser.add_argument("--calls", type=int, default=30, help="decision round trips for the warm figure")
    args = parser.parse_args(argv)
    if not CLIP.is_file():
        print(f"face data not found at {FACES}", file=sys.stderr)
        return 1
    print(f"bench_identity: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    engine = FaceEngine(min_face_px=80)
    engine.warm_up((360, 640, 3))
    portrait = (FACES / "lin_manuel_miranda_1.png").read_bytes()
    common = dict(engine=engine, checks=("turn",), direction=TurnDirection.RIGHT, max_attempts=1,
                  attempt_time_s=20)
    with tempfile.TemporaryDirectory() as tmp, LiveGateway(Path(tmp)) as gateway:
        client = PlatformClient(gateway.base_url, gateway.api_key("demo-hall-01"), timeout_s=30)
        local, ours, problems = [], [], []
        cold, status = one_run(engine, client, lambda cam: make_face_verifier(cam, decider=GatewayDecision(client),
                                                                             **common))
        if cold is None:
            problems.append(f"gateway cold run: {status}")
        for _ in range(args.runs):
            ms, status = one_run(engine, LocalPlatform(), lambda cam: make_face_verifier(cam, lambda c: portrait,
                                                                                        **common))
            (local.append(ms) if ms is not None else problems.append(f"local: {status}"))
            ms, status = one_run(engine, client, lambda cam: make_face_verifier(cam, decider=GatewayDecision(client),
                                                                               **common))
            (ours.append(ms) if ms is not None else problems.append(f"gateway: {status}"))
        # The decision round trip alone, warm: evidence from two photos of obama (new frames each call).
        a, b = (engine.encode_single(decode_image((FACES / n).read_bytes()))[0] for n in ("obama_2.jpg",
                                                                                          "obama_3.jpg"))
        client.verify_identity(OBAMA, [a, b], {"passed": True, "turn": True})  # encodes his portrait once
        decide, health = [], []
        for i in range(1, args.calls + 1):
            t = time.perf_counter()
            client.health()
            health.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            client.verify_identity(OBAMA, [a + i * 1e-5, b], {"passed": True, "turn": True})
            decide.append((time.perf_counter() - t) * 1000)
        client.close()

    def med(values):
        return statistics.median(values) if values else None

    def fmt(value):
        return "-" if value is None else f"{value:.0f} ms"
    print(f"   {'figure':52s} {'floor':>12s} {'ours':>12s} {'ratio':>7s}")
    lf, of = med(local), med(ours)
    ratio = f"{of / lf:.2f}x" if lf and of else "-"
    print(f"   {'card read -> token, median of ' + str(args.runs):52s} {fmt(lf):>12s} {fmt(of):>12s} {ratio:>7s}")
    print(f"   {'  first gateway run (portrait encoded then)':52s} {'':>12s} {fmt(cold):>12s}")
    hf, df = med(health), med(decide)
    ratio = f"{df / hf:.1f}x" if hf and df else "-"
    print(f"   {'decision round trip alone (vs /v1/health), median':52s} {hf:11.1f}  {df:11.1f}  {ratio:>7s}")
    print(f"   runs: local {[round(v) for v in local]}, gateway {[round(v) for v in ours]}")
    for problem in problems:
        print(f"   problem: {problem}")
    print(f"   load average at end {os.getloadavg()[0]:.2f}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())

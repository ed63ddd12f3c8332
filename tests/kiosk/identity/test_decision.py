"""Tests for kiosk/identity/decision.py: the verifier's live evidence decided by the real gateway on loopback.

The clip shows Lin-Manuel Miranda (demo person 440305198001163458, registry portrait lin_manuel_miranda_1.png),
turning to his right at about 3.3 s; the camera plays it once, from a file, as the kiosk's camera would.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from gateway.models import AuditEntry
from gateway.testing import LiveGateway
from kiosk import events as ev
from kiosk.identity.decision import GatewayDecision, card_photo_jpeg
from kiosk.identity.liveness import TurnDirection
from kiosk.identity.verifier import FaceEvidence, make_face_verifier
from kiosk.platform_client import PlatformClient, PlatformRejected, PlatformUnavailable
from kiosk.runtime import Runtime
from kiosk.session import Session, State
from peripherals.camera import Camera
from tests.kiosk.identity.conftest import CLIP, still_frame, write_still_video
from tests.kiosk.identity.test_verifier import final, run_verifier

LIN = "440305198001163458"
OBAMA = "110105196108041235"
NOBODY = "110105199001011232"


@dataclass
class Card:
    id_number: str = LIN
    name: str = "林曼努"
    card_type: str = "resident"
    photo_wlt: bytes = b""
    expired: bool = False


@pytest.fixture
def gateway(tmp_path):
    with LiveGateway(tmp_path) as gw:
        yield gw


@pytest.fixture
def hall(gateway):
    client = PlatformClient(gateway.base_url, gateway.api_key("demo-hall-01"), timeout_s=30, kiosk_id="demo-hall-01")
    yield client
    client.close()


@pytest.fixture
def clip_camera(faces_dir):
    # Played at 15 frames a second (the file has 30): each frame stays long enough for an analysis on a busy CPU.
    camera = Camera(str(faces_dir / CLIP), loop=False, fps=15).start()
    yield camera
    camera.stop()


def clip_verifier(camera, engine, decider):
    return make_face_verifier(camera, decider=decider, engine=engine, checks=("turn",),
                              direction=TurnDirection.RIGHT, max_attempts=1, attempt_time_s=25)


def decisions(gateway):
    with gateway.sessionmaker()() as db:
        return [e.detail for e in db.execute(select(AuditEntry).where(
            AuditEntry.action == "identity_decision").order_by(AuditEntry.seq)).scalars()]


def test_the_gateway_decides_and_the_token_ends_with_the_session(engine, clip_camera, gateway, hall, caplog):
    # Card placed -> live frames -> liveness -> evidence to the gateway -> its match -> token -> menu -> cases;
    # then the applicant leaves and the token is refused.
    verifier = clip_verifier(clip_camera, engine, GatewayDecision(hall))
    session = Session(["case_status"], [], identity_method="face")
    runtime = Runtime(session, hall, verifiers={"face": verifier}, tick_s=0.05)
    runtime.start()
    try:
        with caplog.at_level(logging.INFO):
            runtime.post(ev.CardRead(Card()))
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not session.personal.cases_loaded \
                    and session.state is not State.DONE:
                time.sleep(0.05)
            assert session.state is State.MENU, session.message
            token = session.personal.token
            assert token and session.personal.cases
            runtime.post(ev.CancelRequested())
            deadline = time.monotonic() + 10
            refused = None
            while time.monotonic() < deadline and refused is None:
                try:
                    hall.list_cases(token)
                except PlatformRejected as exc:
                    refused = exc
                time.sleep(0.05)
    finally:
        runtime.stop()
    assert refused is not None and refused.code == "token_invalid"
    decision, = decisions(gateway)
    assert decision["matched"] is True and decision["liveness"] == {"blink": False, "turn": True}
    assert 0 < decision["distance"] <= decision["threshold"]
    for record in caplog.records:
        message = record.getMessage()
        assert LIN not in message and "林" not in message and "array(" not in message


@pytest.mark.parametrize("id_number", [OBAMA, NOBODY])
def test_someone_else_and_nobody_get_the_same_no_match(engine, clip_camera, gateway, hall, id_number):
    # A live face (liveness passes) that is not the card's holder, or a card number nobody holds.
    posted = run_verifier(clip_verifier(clip_camera, engine, GatewayDecision(hall)), Card(id_number=id_number))
    assert final(posted) == [ev.VerificationFailed("no_match")]
    decision, = decisions(gateway)
    assert decision["matched"] is False


def test_a_held_photo_never_reaches_the_gateway(engine, faces_dir, gateway, hall, tmp_path):
    # A still photo of the card holder (rose_leslie, 982611198702095671) held to the camera.
    video = write_still_video(tmp_path / "held.mp4", still_frame(faces_dir, "rose_leslie_1.jpg"))
    camera = Camera(video, loop=True).start()
    try:
        verifier = make_face_verifier(camera, decider=GatewayDecision(hall), engine=engine, max_attempts=1,
                                      attempt_time_s=1.5)
        posted = run_verifier(verifier, Card(id_number="982611198702095671", name="罗丝"))
        assert final(posted) == [ev.VerificationFailed("liveness_failed")]
    finally:
        camera.stop()
    assert decisions(gateway) == []


def test_the_gateway_unreachable_is_platform_unavailable(engine, clip_camera):
    offline = PlatformClient("http://127.0.0.1:9", "key", timeout_s=0.5, retries=0)
    posted = run_verifier(clip_verifier(clip_camera, engine, GatewayDecision(offline)), Card())
    assert final(posted) == [ev.VerificationFailed("platform_unavailable")]


class Recorder:
    def __init__(self):
        self.calls = []

    def verify_identity(self, id_number, encodings, liveness, card):
        self.calls.append((id_number, [np.array(e) for e in encodings], liveness, card))
        return "tok"


def test_evidence_is_two_distinct_frames_of_one_face_and_is_zeroed_after(engine, clip_camera):
    recorder = Recorder()
    seen: list[FaceEvidence] = []

    def decider(card, evidence):
        seen.append(evidence)
        return GatewayDecision(recorder)(card, evidence)

    posted = run_verifier(clip_verifier(clip_camera, engine, decider), Card())
    assert final(posted) == [ev.IdentityVerified(method="face", score=None, token="tok")]
    (id_number, encodings, liveness, card), = recorder.calls
    assert id_number == LIN and liveness == {"passed": True, "blink": False, "turn": True}
    assert card == {"card_type": "resident"}
    first, closing = encodings
    assert first.shape == (128,) and 0 < np.linalg.norm(first - closing) <= 0.58
    assert seen[0].encodings == []  # scrubbed once the gateway answered


def test_the_decoded_card_photo_goes_along_as_a_jpeg(faces_dir):
    bmp = cv2.imencode(".bmp", cv2.resize(cv2.imread(str(faces_dir / "obama_1.jpg")), (102, 126)))[1].tobytes()
    decision = GatewayDecision(Recorder(), wlt_decode=lambda wlt: bmp)
    details = decision.card_details(Card(photo_wlt=b"\x01" * 1024))
    import base64
    jpeg = base64.b64decode(details["photo"])
    assert jpeg[:3] == b"\xff\xd8\xff" and len(details["photo"]) < 40_000
    assert card_photo_jpeg(b"not an image") is None

    def broken(wlt):
        raise RuntimeError("vendor library error")
    assert "photo" not in GatewayDecision(Recorder(), wlt_decode=broken).card_details(Card(photo_wlt=b"\x01"))


def test_a_verifier_takes_exactly_one_way_to_decide(engine):
    with pytest.raises(ValueError, match="exactly one of decider and reference_provider"):
        make_face_verifier(object(), engine=engine)
    with pytest.raises(ValueError, match="exactly one of decider and reference_provider"):
        make_face_verifier(object(), lambda card: b"", decider=lambda card, evidence: "t", engine=engine)


def test_the_platform_client_refuses_nothing_silently(gateway, hall):
    with pytest.raises(PlatformRejected) as refused:
        hall.verify_identity(LIN, [[0.01] * 128, [0.02] * 128], {"passed": True, "turn": True}, {})
    assert refused.value.code == "not_verified"
    with pytest.raises(PlatformUnavailable):
        PlatformClient("http://127.0.0.1:9", "k", timeout_s=0.5, retries=0).revoke_applicant_token("t")

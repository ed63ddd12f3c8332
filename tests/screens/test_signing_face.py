"""A party who is not at the camera, through the real UI under Xvfb: the bank profile with identity by face, the
camera simulator (a file camera showing a photo from ../shared/data/faces), the real face verifier in the kiosk
process, the ID card simulator and the real gateway. Someone else's photo is held to the camera when rose_leslie's
card is read for her application: the liveness check refuses the photo before any evidence goes to the gateway,
nothing is signed and the application stays open. (A live face that is not the card holder's is refused by the
gateway's own match: tests/kiosk/identity/test_decision.py.)

The applicant who opens the menu is let in by posting IdentityVerified (a photo cannot pass the liveness check); the
party's check is the real one, from camera frames to the match decision."""
from __future__ import annotations

import time

import cv2
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session as DbSession

from gateway.bank_demo import seed_bank_demo

from gateway.bank_models import MortgageApplication, MortgageSignature
from peripherals.idcard import IdCardSimulator
from kiosk_testkit.demo import DemoGateway, demo_site_config
from kiosk_testkit.harness import KioskProcess
from tests.kiosk.identity.conftest import still_frame
from tests.screens.conftest import assert_fits, shot, texts
from tests.screens.test_signing import place, tap, type_digits, wait_text, zh

pytestmark = [pytest.mark.ui, pytest.mark.slow]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, faces_dir):
    workdir = tmp_path_factory.mktemp("signing-face")
    gateway = DemoGateway(workdir / "gw").start()
    parts = [gateway]
    try:
        engine = create_engine(f"sqlite:///{gateway.database}")
        with DbSession(engine) as db:
            seed_bank_demo(db, "demo-bank-01")
        engine.dispose()
        simulator = IdCardSimulator(link=workdir / "dev" / "idcard").start()
        parts.append(simulator)
        photo = workdir / "at_the_camera.png"  # biden holds his photo up to the camera, whoever's card is read
        cv2.imwrite(str(photo), still_frame(faces_dir, "biden_2.jpg"))
        creds = gateway.credentials("bank")
        config = demo_site_config(
            workdir, card_port=simulator.path, gateway_url=gateway.url, kiosk_id=creds["kiosk_id"],
            api_key=creds["api_key"],
            extra={"site": {"kind": "bank", "services": ["mortgage_signing", "case_status"]},
                   "identity": {"method": "face", "max_attempts": 1, "attempt_time_s": 10,
                                "liveness_checks": ["turn"]},
                   "devices": {"camera": {"enabled": True, "source": str(photo), "fps": 5}}})
        kiosk = KioskProcess(config, workdir=workdir, log_path=workdir / "kiosk.log").start()
        parts.append(kiosk)
    except BaseException:
        for part in reversed(parts):
            part.stop()
        raise
    yield type("Stack", (), {"gateway": gateway, "simulator": simulator, "kiosk": kiosk, "client": kiosk.client})
    for part in reversed(parts):
        try:
            part.stop()
        except Exception:
            pass


def wait_log(kiosk, text: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while text not in kiosk.log_text():
        assert time.monotonic() < deadline, f"the kiosk log never said {text!r}"
        time.sleep(0.5)


def rows(gateway, model, application_id):
    engine = create_engine(f"sqlite:///{gateway.database}")
    try:
        with DbSession(engine) as db:
            return list(db.execute(select(model).where(model.application_id == application_id)).scalars())
    finally:
        engine.dispose()


def test_a_party_whose_face_does_not_match_cannot_sign(stack):
    client = stack.client
    client.wait_for_screen("attract", 60)
    place(stack, "biden")
    client.wait_for_screen("verify", 60)
    client.post("IdentityVerified", method="face", score=0.4)  # the applicant at the terminal: see the docstring
    client.wait_for_screen("menu", 30)
    # Her own check, still running on the photo, ends first (on a real kiosk it is what opened the menu).
    wait_log(stack.kiosk, "face verification failed (liveness_failed)")
    client.tap(intent="service", arg="mortgage_signing")
    wait_text(client, zh("bank.enter_staff_no"))
    type_digits(client, "1001")
    wait_text(client, zh("bank.enter_pin"))
    type_digits(client, "246810")
    state = wait_text(client, zh("bank.choose_prompt"))
    (button,) = [b for b in state["buttons"] if "MA-DEMO-002" in b["text"]]
    tap(client, button["text"])
    wait_text(client, zh("bank.card_prompt", party=zh("bank.role.mortgagor") + "罗*"))
    place(stack, "rose_leslie")  # her card; biden's face at the camera
    state = client.wait_for_screen("done", 120)
    assert zh("mortgage_verification_failed") in texts(state)
    assert_fits(state)
    shot(client, "zh_CN", "bank_party_face_mismatch")
    (app,) = rows(stack.gateway, MortgageApplication, "MA-DEMO-002")
    assert app.status == "prepared", "nothing was signed; the bank can try again with the right person"
    assert rows(stack.gateway, MortgageSignature, "MA-DEMO-002") == []
    log = stack.kiosk.log_text()
    assert log.count("face verification failed (liveness_failed)") >= 2, "the real verifier refused the photo"
    assert "POST /v1/identity-verifications" not in log  # no evidence was sent for a photo
    assert "982611198702095671" not in log and "罗丝" not in log
    client.post("CancelRequested")

"""The mortgage_signing flow headless through kiosk.runtime: the real gateway on loopback, the ID card simulator on a
pty read by the real CardReader, and the real face verifier on file cameras (the person in front of the camera)."""
from __future__ import annotations

import dataclasses
import threading
import datetime
import time
from pathlib import Path

import cv2
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session as DbSession

from gateway.bank_demo import seed_bank_demo

from gateway.bank_models import MortgageApplication, MortgageSignature
from kiosk import events as ev
from kiosk.app import card_reader_listener
from kiosk.flows import mortgage_signing as ms
from kiosk.flows.mortgage_signing import MortgageSigningFlow
from kiosk.identity.faces import FaceEngine
from kiosk.identity.liveness import TurnDirection
from kiosk.identity.reference import PortraitSource
from kiosk.identity.verifier import make_face_verifier
from kiosk.platform_client import PlatformClient, PlatformRejected
from kiosk.runtime import FlowContext, Runtime
from kiosk.session import Session, State
from peripherals.camera import Camera
from peripherals.idcard import CardReader, IdCardSimulator, load_card_file
from kiosk_testkit.demo import DemoGateway
from tests.kiosk.identity.conftest import CLIP, still_frame

CARDS = Path(__file__).resolve().parents[3] / "peripherals" / "idcard" / "cards"
LIN, OBAMA, ROSE = "440305198001163458", "110105196108041235", "982611198702095671"
# The demo card of lin_manuel_miranda is expired on purpose (docs/demo-persons.md); his renewed card:
RENEWED_LIN = dataclasses.replace(load_card_file(CARDS / "lin_manuel_miranda.toml"),
                                  valid_to=datetime.date(2035, 1, 1))
PNG = cv2.imencode(".png", 255 * __import__("numpy").ones((60, 200, 3), "uint8"))[1].tobytes()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    demo = DemoGateway(tmp_path_factory.mktemp("gateway")).start()
    engine = create_engine(f"sqlite:///{demo.database}")
    with DbSession(engine) as db:
        seed_bank_demo(db, "demo-bank-01")
    engine.dispose()
    yield demo
    demo.stop()


@pytest.fixture(scope="module")
def engine():
    return FaceEngine(min_face_px=80)


def db_rows(gateway, model, application_id):
    engine = create_engine(f"sqlite:///{gateway.database}")
    try:
        with DbSession(engine) as db:
            return list(db.execute(select(model).where(model.application_id == application_id)).scalars())
    finally:
        engine.dispose()


class Bench:
    """Session + runtime + flow, the card reader on the simulator, and one file camera per person."""

    def __init__(self, gateway, engine, tmp_path, faces_dir):
        self.faces_dir, self.tmp_path, self.engine = faces_dir, tmp_path, engine
        creds = gateway.credentials("bank")
        self.platform = PlatformClient(gateway.url, creds["api_key"], kiosk_id=creds["kiosk_id"])
        self.cameras: dict[str, Camera] = {}
        self.verifiers: dict[str, object] = {}
        self.flow = MortgageSigningFlow(self.platform, verifier=self._verify, method="face", answer_timeout_s=30)
        self.session = Session(["mortgage_signing"], [], identity_method="card_only_demo")
        self.views = []
        self.session.subscribe(self.views.append)
        self.runtime = Runtime(self.session, self.platform, flows={"mortgage_signing": self.flow}, tick_s=0.05)
        self.sim = IdCardSimulator(link=tmp_path / "dev" / "idcard").start()
        self.reader = CardReader(self.sim.path, poll_interval_s=0.1, name="card_reader")
        self.reader.add_listener(card_reader_listener(self.runtime.post))

    def person(self, id_number: str, source, checks=(), attempt_time_s=12.0, **kwargs) -> None:
        """Who stands in front of the camera when the card with this ID number is read."""
        camera = Camera(str(source), **kwargs)  # switched on when this person's check begins
        self.cameras[id_number] = camera
        self.verifiers[id_number] = make_face_verifier(
            camera, PortraitSource(self.platform), engine=self.engine, checks=checks,
            direction=TurnDirection.RIGHT, max_attempts=1, attempt_time_s=attempt_time_s)

    def still(self, name: str) -> str:
        path = self.tmp_path / f"still_{name}.png"
        cv2.imwrite(str(path), still_frame(self.faces_dir, name))
        return str(path)

    def _verify(self, command, post, cancelled):
        self.cameras[command.card.id_number].start()
        return self.verifiers[command.card.id_number](command, post, cancelled)

    def start(self, card="biden"):
        self.runtime.start()
        self.reader.start()
        self.wait(lambda v: self.reader.status.usable, "the card reader online")
        self.sim.place(card)  # the applicant at the terminal: card-only here, the parties verify by face
        self.wait(lambda v: v.state == State.MENU, "the menu")
        self.sim.lift()
        self.runtime.post(ev.ServiceChosen("mortgage_signing"))

    def wait(self, predicate, what, timeout_s=40.0):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            view = self.session.view()
            if predicate(view):
                return view
            time.sleep(0.05)
        view = self.session.view()
        raise AssertionError(f"timed out waiting for {what}; state {view.state}, message {view.message}, "
                             f"step {type(view.flow).__name__}, outcome {view.outcome}")

    def step(self, step_type, timeout_s=40.0):
        return self.wait(lambda v: v.state == State.FLOW and isinstance(v.flow, step_type), step_type.__name__,
                         timeout_s)

    def reply(self, action, value=None):
        """An answer as the screen sends it: one FlowAnswer through the runtime."""
        self.runtime.post(ev.FlowAnswer(action, value))

    def answer(self, step_type, action, value=None):
        view = self.step(step_type)
        self.reply(action, value)
        return view

    def sign_in(self, staff_id, pin):
        """The staff number and PIN typed on the keypad, key by key, as the screen sends them."""
        self.step(ms.StaffSignIn)
        for key in (*staff_id, "ok", *pin, "ok"):
            self.reply("key", key)

    def present(self, card_key):
        self.step(ms.PartyCard)
        self.sim.lift()
        time.sleep(0.3)
        self.sim.place(card_key)

    def outcome(self, timeout_s=60.0):
        return self.wait(lambda v: v.state == State.DONE, "the end of the flow", timeout_s).outcome

    def stop(self):
        self.runtime.stop()
        self.reader.stop()
        self.sim.stop()
        for camera in self.cameras.values():
            camera.stop()
        self.platform.close()


@pytest.fixture
def bench(gateway, engine, tmp_path, faces_dir):
    b = Bench(gateway, engine, tmp_path, faces_dir)
    yield b
    b.stop()


def sign_in_and_choose(bench, application_id):
    bench.sign_in("1001", "000000")
    view = bench.wait(lambda v: isinstance(v.flow, ms.StaffSignIn) and v.flow.message == "staff_pin_wrong",
                      "the wrong-PIN message")
    assert view.flow.shown == "" and not view.flow.asking_pin, "asked again from the staff number"
    bench.sign_in("1001", "246810")
    view = bench.step(ms.ChooseApplication)
    assert application_id in [a.application_id for a in view.flow.applications]
    bench.reply("choose", application_id)


def test_two_parties_verify_by_face_read_sign_and_the_registration_is_submitted(bench, gateway, faces_dir):
    # Live: the clip's person turns right at about 3.3 s; it loops, so a busy machine gets another pass at the turn.
    bench.person(LIN, faces_dir / CLIP, checks=("turn",), loop=True, attempt_time_s=25)
    bench.person(OBAMA, bench.still("obama_1.jpg"), fps=10)  # a still: face match only (no liveness on a still)
    bench.start()
    sign_in_and_choose(bench, "MA-DEMO-001")
    bench.present(load_card_file(CARDS / "lin_manuel_miranda.toml"))  # his old card: expired, refused
    bench.wait(lambda v: isinstance(v.flow, ms.PartyCard) and v.flow.message == "card_expired",
               "the expired-card message")
    bench.present(RENEWED_LIN)
    view = bench.step(ms.ReadApplication, timeout_s=60)
    assert view.flow.party.seq == 1 and view.flow.application.loan_amount_fen == 150_000_000
    bench.reply("agree")
    bench.answer(ms.Sign, "sign", PNG)
    # The second party: someone else's card first is refused, then the co-owner's own.
    bench.present("rose_leslie")
    bench.wait(lambda v: isinstance(v.flow, ms.PartyCard) and v.flow.message == "wrong_party",
               "the wrong-party message")
    bench.present("obama")
    view = bench.step(ms.ReadApplication, timeout_s=60)
    assert view.flow.party.seq == 2
    bench.reply("agree")
    bench.answer(ms.Sign, "sign", PNG)
    assert bench.outcome() == "mortgage_submitted"
    (app,) = db_rows(gateway, MortgageApplication, "MA-DEMO-001")
    assert app.status == "submitted" and app.case_id and app.reference
    signatures = db_rows(gateway, MortgageSignature, "MA-DEMO-001")
    assert [(s.seq, s.method) for s in signatures] == [(1, "face"), (2, "face")]
    assert all(0 < s.score <= 0.6 and s.signature_png == PNG for s in signatures)


def test_a_party_who_declines_ends_it_with_the_reason(bench, gateway, faces_dir):
    bench.person(OBAMA, bench.still("obama_1.jpg"), fps=10)
    bench.start()
    sign_in_and_choose(bench, "MA-DEMO-003")
    bench.present("obama")
    bench.answer(ms.ReadApplication, "decline")  # the reasons to choose from
    bench.wait(lambda v: isinstance(v.flow, ms.ReadApplication) and v.flow.declining, "the decline reasons")
    bench.reply("decline", "贷款期限与约定不符")
    assert bench.outcome() == "mortgage_declined"
    (app,) = db_rows(gateway, MortgageApplication, "MA-DEMO-003")
    assert (app.status, app.decline_reason, app.case_id) == ("declined", "贷款期限与约定不符", None)
    assert db_rows(gateway, MortgageSignature, "MA-DEMO-003") == []


def test_a_party_whose_face_does_not_match_cannot_sign(bench, gateway, faces_dir):
    bench.person(ROSE, bench.still("biden_2.jpg"), fps=10)  # someone else holds rose_leslie's card
    bench.start()
    sign_in_and_choose(bench, "MA-DEMO-002")
    bench.present("rose_leslie")
    bench.wait(lambda v: isinstance(v.flow, ms.PartyFailed) or v.state == State.DONE, "the failed check")
    assert bench.outcome() == "mortgage_verification_failed"
    assert isinstance(bench.session.view().flow, ms.Finished)
    (app,) = db_rows(gateway, MortgageApplication, "MA-DEMO-002")
    assert app.status == "prepared"  # nothing was signed; the bank can try again with the right person
    assert db_rows(gateway, MortgageSignature, "MA-DEMO-002") == []


def test_cancel_on_screen_ends_it_and_nothing_is_sent(bench, gateway):
    bench.start()
    bench.sign_in("1001", "246810")
    bench.answer(ms.ChooseApplication, "cancel")
    assert bench.outcome() == "mortgage_cancelled"
    assert isinstance(bench.session.view().flow, ms.Finished)  # nothing left to answer


def test_without_a_verifier_the_service_says_it_is_unavailable(gateway):
    posted = []

    class Ctx:
        cancelled = threading.Event()
        token = None
        post = staticmethod(posted.append)

    MortgageSigningFlow(object(), bank=object(), verifier=None)(Ctx())
    assert posted == [ev.FlowFinished("service_unavailable")]


def test_the_bank_profile_offers_mortgage_signing_with_its_verifier_wired(tmp_path):
    from kiosk.app import build_kiosk
    from tests.kiosk_config import kiosk_config

    core = build_kiosk(kiosk_config(tmp_path, kiosk_id="demo-bank-01", api_key="k" * 43,
                                    extra={"site": {"kind": "bank", "services": ["mortgage_signing", "case_status"]}}))
    try:
        assert core.session.services == ("mortgage_signing", "case_status")
        flow = core.runtime.flows["mortgage_signing"]
        assert flow.method == "card_only_demo" and flow.verifier is core.runtime.verifiers["card_only_demo"]
    finally:
        if core.offline is not None:
            core.offline.stop()


def test_staff_open_the_full_progress_list_and_come_back_to_choose(bench):
    bench.start()
    bench.sign_in("1001", "246810")
    view = bench.step(ms.ChooseApplication)
    assert view.flow.submitted_count == len(view.flow.submitted) >= 1
    bench.reply("submissions")
    view = bench.step(ms.Submissions)
    (recorded,) = [a for a in view.flow.submitted if a.application_id == "MA-DEMO-004"]
    assert recorded.case_status == "recorded" and recorded.reference.startswith("BK")
    assert "310115194211202341" not in str(view.flow.submitted)
    bench.reply("back")
    view = bench.step(ms.ChooseApplication)
    assert "MA-DEMO-002" in [a.application_id for a in view.flow.applications]
    bench.reply("cancel")
    assert bench.outcome() == "mortgage_cancelled"


def test_the_sign_in_keypad_lives_in_the_flow_and_shows_the_pin_only_as_dots():
    """Each key is one FlowAnswer; the flow echoes the field (the staff number as typed, the PIN as dots), clear
    empties it, and only OK on a non-empty field moves on. The PIN goes to the gateway and nowhere else."""
    signed_in = []

    class Bank:
        def staff_sign_in(self, staff_id, pin):
            signed_in.append((staff_id, pin))
            raise PlatformRejected("staff_locked", 409)

    steps = []
    ctx = FlowContext("mortgage_signing", lambda e: steps.append(e.step) if isinstance(e, ev.FlowUpdate) else None,
                      threading.Event(), token=None)
    flow = MortgageSigningFlow(object(), bank=Bank(), verifier=lambda *a: None, answer_timeout_s=5)
    thread = threading.Thread(target=flow, args=(ctx,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not steps:  # keys typed before the keypad is shown are an earlier step's: dropped
        assert time.monotonic() < deadline, "the keypad was never shown"
        time.sleep(0.01)
    for key in ("ok", "7", "clear", "1", "0", "0", "1", "ok", "2", "4", "6", "8", "ok"):
        ctx.inbox.put(ev.FlowAnswer("key", key))
    thread.join(10)
    assert not thread.is_alive()
    assert signed_in == [("1001", "2468")]
    shown = [(s.asking_pin, s.shown) for s in steps if isinstance(s, ms.StaffSignIn)]
    assert shown[:2] == [(False, ""), (False, "7")] and (False, "") in shown[2:3], "clear empties the field"
    assert (False, "1001") in shown and (True, "") in shown and (True, "\u25cf" * 4) in shown
    assert not any("2468" in s.shown or "246" in s.shown for s in steps if isinstance(s, ms.StaffSignIn))
    assert isinstance(steps[-1], ms.Finished), "a locked staff member ends the flow"

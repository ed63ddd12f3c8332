"""Staff sign-in through the real kiosk wiring: the ID card and scanner simulators on ptys, the real drivers, the
core loop; a staff card or staff QR code opens the PIN pad, an applicant's card and a pickup code go on unchanged."""
from __future__ import annotations

import logging
import time

import pytest

from config import load_config
from kiosk import events as ev
from kiosk.app import build_kiosk
from kiosk.maintenance import hash_secret
from kiosk.session import ANY, State
from tests.kiosk_config import write_kiosk_config
from tests.waiting import wait_for

STAFF_QR = "STAFF-7F3A-2291-QX"
APPLICANT_ID = "110105196108041235"  # obama in docs/demo-persons.md
STAFF_CARD_ID = "310115194211202341"  # biden: here a staff member's card


@pytest.fixture(scope="module")
def hashes():
    return {"card": hash_secret(STAFF_CARD_ID), "qr": hash_secret(STAFF_QR), "pin": hash_secret("4826"),
            "pin2": hash_secret("7319")}


@pytest.fixture
def sims(tmp_path):
    from peripherals.idcard import IdCardSimulator
    from peripherals.scanner import ScannerSimulator

    card = IdCardSimulator(link=tmp_path / "dev" / "idcard").start()
    scanner = ScannerSimulator(link=tmp_path / "dev" / "scanner").start()
    yield card, scanner
    scanner.stop()
    card.stop()


@pytest.fixture
def kiosk(tmp_path, sims, hashes):
    card, scanner = sims
    path = write_kiosk_config(tmp_path, card_port=card.path, extra={
        "storage": {"offline_probe_s": 600},
        "fleet": {"pin_max_failures": 3, "pin_lockout_s": 120, "staff": [
            {"staff_id": "s-017", "card_hash": hashes["card"], "pin_hash": hashes["pin"]},
            {"staff_id": "s-020", "qr_hash": hashes["qr"], "pin_hash": hashes["pin2"]}]}})
    text = path.read_text(encoding="utf-8")
    # The demo config leaves the scanner off; this kiosk has one, on the simulator's pty.
    text = text.replace("[devices.scanner]\nenabled = false", f'[devices.scanner]\nenabled = true\nport = "{scanner.path}"'
                        f'\nmode = "serial"')
    path.write_text(text, encoding="utf-8")
    config = load_config(path, env={})
    core = build_kiosk(config)
    codes: list[str] = []
    # The codes that reach the session's own code handling: from its row for any state, and from the hall's queue
    # part, which takes the codes scanned at the start screen and passes on what is not an appointment.
    original = core.session._code_scanned
    core.session._code_scanned = lambda event: (codes.append(event.code), original(event))[1]
    core.session._transitions[(ANY, ev.CodeScanned)] = core.session._code_scanned
    core.start()
    yield core, codes
    core.stop()


def state(core) -> State:
    return core.session.state


def test_the_scanner_is_configured_in_this_kiosk(kiosk):
    core, _ = kiosk
    assert {d.name for d in core.devices} >= {"card_reader", "scanner"}


def test_a_staff_card_opens_the_pin_pad_and_the_right_pin_enters_maintenance(kiosk, sims, caplog):
    core, _ = kiosk
    card, _ = sims
    caplog.set_level(logging.DEBUG)
    card.place("biden")
    wait_for(lambda: state(core) == State.STAFF_PIN, what="the PIN pad")
    assert core.session.personal.is_empty(), "a staff card is never an applicant's card"
    core.runtime.post(ev.StaffPinEntered("0000"))
    wait_for(lambda: core.session.message == "wrong_pin", what="the wrong PIN shown")
    assert core.session.view().staff_attempts_left == 2
    core.runtime.post(ev.StaffPinEntered("4826"))
    wait_for(lambda: state(core) == State.MAINTENANCE, what="maintenance mode")
    assert core.session.staff_id == "s-017"
    assert STAFF_CARD_ID not in caplog.text


def test_an_applicants_card_at_attract_starts_an_applicant_session_and_is_never_logged(kiosk, sims, caplog):
    core, _ = kiosk
    card, _ = sims
    caplog.set_level(logging.DEBUG)
    card.place("obama")
    wait_for(lambda: state(core) in (State.VERIFY, State.MENU), what="the applicant's session")
    assert core.session.personal.card.id_number == APPLICANT_ID
    assert APPLICANT_ID not in caplog.text
    assert core.maintenance.sign_in.gate._pending is None


def test_in_maintenance_a_card_and_a_code_are_tests_shown_masked(kiosk, sims):
    core, codes = kiosk
    card, scanner = sims
    core.runtime.post(ev.StaffCredentialPresented())
    core.runtime.post(ev.MaintenanceRequested("s-017"))
    wait_for(lambda: state(core) == State.MAINTENANCE, what="maintenance mode")
    desk = core.maintenance.desk
    assert desk.run_test("card_reader")
    assert desk.snapshot()["actions"]["test:card_reader"]["message_key"] == "maint.place_card"
    card.place("obama")
    snap = wait_for(lambda: (s := desk.snapshot())["card"] and s, what="the card test")
    assert snap["card"]["id_number"] == "1101**********1235" and snap["card"]["name"] == "欧**"
    assert snap["actions"]["test:card_reader"]["ok"] is True
    assert APPLICANT_ID not in repr(snap) and "欧阳明" not in repr(snap)
    assert core.session.personal.is_empty() and state(core) == State.MAINTENANCE
    scanner.scan("PK1.AAAABBBBCCCCDDDD.EEEEFFFF")
    snap = wait_for(lambda: (s := desk.snapshot())["code"] and s, what="the scanner test")
    assert snap["code"].startswith("PK1.") and "AAAABBBB" not in snap["code"]
    assert codes == [], "in maintenance mode a scan is a test, not an applicant's code"


def test_a_staff_qr_code_opens_the_pin_pad_and_a_pickup_code_goes_on(kiosk, sims):
    core, codes = kiosk
    _, scanner = sims
    scanner.scan("PK1.AAAABBBBCCCCDDDD.EEEEFFFF")
    wait_for(lambda: codes, what="the pickup code reaching the session")
    assert state(core) != State.STAFF_PIN
    scanner.scan(STAFF_QR)
    wait_for(lambda: state(core) == State.STAFF_PIN, what="the PIN pad")
    assert codes == ["PK1.AAAABBBBCCCCDDDD.EEEEFFFF"], "a staff code never reaches the session as a code"
    core.runtime.post(ev.StaffPinEntered("7319"))
    wait_for(lambda: state(core) == State.MAINTENANCE, what="maintenance mode")
    assert core.session.staff_id == "s-020"
    core.runtime.post(ev.MaintenanceExited())
    wait_for(lambda: state(core) == State.ATTRACT, what="attract after maintenance")


def test_wrong_pins_lock_sign_in_but_applicants_still_get_through(kiosk, sims):
    core, _ = kiosk
    card, _ = sims
    card.place("biden")
    wait_for(lambda: state(core) == State.STAFF_PIN, what="the PIN pad")
    for expected_left in (2, 1):
        core.runtime.post(ev.StaffPinEntered("1111"))
        wait_for(lambda: core.session.view().staff_attempts_left == expected_left, what="a wrong PIN counted")
    core.runtime.post(ev.StaffPinEntered("1111"))
    wait_for(lambda: core.session.view().staff_locked_s, what="the lockout shown")
    assert core.session.message == "maintenance_locked" and core.session.view().staff_locked_s == 120
    core.runtime.post(ev.StaffPinEntered("4826"))  # the right PIN during the lockout is refused too
    time.sleep(0.5)
    assert state(core) == State.STAFF_PIN
    core.runtime.post(ev.CancelRequested())
    wait_for(lambda: state(core) == State.ATTRACT, what="attract")
    card.lift()
    time.sleep(0.6)
    card.place("biden")  # the staff card during the lockout: the pad says it is locked
    wait_for(lambda: state(core) == State.STAFF_PIN and core.session.view().staff_locked_s, what="locked pad")
    core.runtime.post(ev.CancelRequested())
    wait_for(lambda: state(core) == State.ATTRACT, what="attract")
    card.lift()
    time.sleep(0.6)
    card.place("obama")  # an applicant is not held up by a staff lockout
    wait_for(lambda: state(core) in (State.VERIFY, State.MENU), what="the applicant's session")

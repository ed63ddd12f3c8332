"""The certificate pickup locker end to end: the real kiosk app under Xvfb with the locker profile, the real gateway,
the ID card, QR scanner, Kerong lock board and receipt printer simulators on ptys. Staff loaded five certificates
before the kiosk started (kiosk.pickup.demo_loading); the test scans codes, types digits on the on-screen keypad,
places cards, takes certificates out of the simulated compartments, and kills the kiosk with a door open."""
from __future__ import annotations

import datetime as dt
import os
import signal
import time

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from gateway.models import KioskEvent, SigningKey
from gateway.pickup import make_code
from gateway.ratings import ServiceRating
from gateway.seed import demo_person
from peripherals.printer.simulator import ReceiptPrinterSimulator
from catalog import i18n
from kiosk_testkit.demo import DemoStack
from kiosk_testkit.harness import KioskProcess
from tests.screens.conftest import assert_fits, running, shot, texts

pytestmark = [pytest.mark.ui, pytest.mark.slow]

DOOR_CLOSE_TIMEOUT_S = 8
LOCKOUT_S = 12
LOADED = ("biden", "obama", "rose_leslie", "alex_lacamoire", "kit_harington")


@pytest.fixture(scope="module")
def printer_sim(tmp_path_factory):
    sim = ReceiptPrinterSimulator(link=tmp_path_factory.mktemp("dev") / "receipt-printer").start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, printer_sim):
    demo = DemoStack(tmp_path_factory.mktemp("locker"), site="locker", locker_load=LOADED, config_extra={"devices": {
        "receipt_printer": {"enabled": True, "url": f"serial:{printer_sim.path}", "poll_interval_s": 1.0},
        "locker": {"door_close_timeout_s": DOOR_CLOSE_TIMEOUT_S, "code_lockout_s": LOCKOUT_S},
        # A pickup code is ~300 characters, 0.3 s at 9600 baud: on a loaded test machine the simulator's pacing can
        # pause longer than the default 80 ms gap that ends a code from a scanner without a suffix.
        "scanner": {"idle_gap_ms": 500}}})
    yield from running(demo)


@pytest.fixture
def kiosk(stack):
    stack.client.wait_for_screen("pickup_code", 30)
    yield stack
    stack.simulator.lift()
    if stack.client.state()["screen"] != "pickup_code" or stack.client.state()["overlay"]:
        stack.client.post("CancelRequested")
    stack.client.wait_for_screen("pickup_code", 30)


def t(key, **values):
    return i18n.text(key, "zh_CN", **values)


def shown(key, **values):
    return lambda s: t(key, **values) in texts(s)


def lock_of(stack, person) -> int:
    return int(stack.deposits[person]["compartment"][1:])


def scan(stack, person_or_code: str) -> None:
    code = stack.deposits[person_or_code]["qr"] if person_or_code in stack.deposits else person_or_code
    stack.scanner.scan(code)


def type_digits(client, digits: str) -> None:
    for key in digits:
        client.tap(intent="pickup_key", arg=key)
    client.tap(intent="pickup_key", arg="ok")


def wait_door(stack, lock: int, opened: bool = True, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while stack.locker.door_closed(0, lock) == opened:
        assert time.monotonic() < deadline, f"door {lock} never {'opened' if opened else 'shut'}"
        time.sleep(0.05)


def identify(stack, person: str):
    state = stack.client.wait_for_screen("identify", 20, predicate=shown("pickup_code_accepted"))
    stack.simulator.place(person)
    return state


def take_and_close(stack, person: str) -> dict:
    """The door opens for the person: the screen says take it and close; they do."""
    lock = lock_of(stack, person)
    state = stack.client.wait_for_screen("pickup_door", 20, predicate=shown("pickup.take_hint"))
    wait_door(stack, lock)
    stack.locker.remove_item(0, lock)
    stack.locker.close_door(0, lock)
    return state


def gateway_db(stack) -> Session:
    return Session(create_engine(f"sqlite:///{stack.gateway.database}"))


def pickup_events(stack, code_id: str) -> int:
    with gateway_db(stack) as db:
        events = db.execute(select(KioskEvent).where(KioskEvent.kind == "locker_pickup")).scalars().all()
        return sum(1 for e in events if e.payload.get("code_id") == code_id)


def wait_recorded(stack, code_id: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while pickup_events(stack, code_id) == 0:
        assert time.monotonic() < deadline, f"pickup of {code_id} never reached the gateway"
        time.sleep(0.3)


def test_pickup_by_scanned_qr_code(kiosk, printer_sim):
    client = kiosk.client
    state = client.state()
    assert_fits(state)
    shot(client, "zh_CN", "pickup_locker_attract")
    scan(kiosk, "biden")
    state = identify(kiosk, "biden")
    assert_fits(state)
    shot(client, "zh_CN", "pickup_locker_identify")
    state = take_and_close(kiosk, "biden")
    assert kiosk.deposits["biden"]["compartment"] in texts(state)
    shot(client, "zh_CN", "pickup_locker_take")
    # The door shut on an empty compartment: the 好差评 panel over the door screen, then the outcome under it.
    state = client.wait_for_screen("pickup_door", 20, predicate=lambda s: s["overlay"] and s["settled"]
                                   and t("rating.ask") in texts(s))
    assert t("picked_up") in [x["text"] for x in state["texts"] if x["layer"] == 1], "the outcome under the panel"
    assert {b["arg"] for b in state["buttons"] if b["intent"] == "rate"} == {"1", "2", "3", "4", "5"}
    assert_fits(state)
    shot(client, "zh_CN", "pickup_locker_rating")
    assert printer_sim.wait_for_receipts(1, 10), "the pickup slip is printed"
    client.tap(intent="rate", arg="4")
    client.wait_until(lambda s: t("rating.thanks") in texts(s), 20, "the thanks")
    client.tap(intent="rate_skip")  # closes the thanks page
    state = client.wait_for_screen("pickup_door", 20, predicate=lambda s: not s["overlay"] and s["settled"]
                                   and t("picked_up") in texts(s))
    assert_fits(state)
    shot(client, "zh_CN", "pickup_locker_done")
    wait_recorded(kiosk, kiosk.deposits["biden"]["code_id"])
    assert kiosk.locker.unlocked.count((0, lock_of(kiosk, "biden"))) == 2  # the deposit, then this pickup
    deadline = time.monotonic() + 30
    while not (ratings := gateway_db(kiosk).execute(select(ServiceRating)).scalars().all()):
        assert time.monotonic() < deadline, "the locker's rating never reached the gateway"
        time.sleep(0.3)
    assert [(r.service, r.level, r.outcome, r.reasons) for r in ratings] == [("pickup", 4, "picked_up", [])]
    client.tap(intent="cancel")


def test_a_used_code_is_refused_with_a_clear_message(kiosk):
    scan(kiosk, "biden")
    state = kiosk.client.wait_for_screen("pickup_code", 20, predicate=shown("code_used"))
    assert_fits(state)
    assert kiosk.locker.unlocked.count((0, lock_of(kiosk, "biden"))) == 2, "nothing opened"


def expired_code(stack, person: str) -> str:
    """A genuine code (the gateway's own signing key) for this locker whose time is up."""
    with gateway_db(stack) as db:
        key = db.execute(select(SigningKey).where(SigningKey.active.is_(True))).scalars().first()
        return make_code(key, "PCEXPIRED0001", "demo-locker-01", stack.deposits[person]["compartment"],
                         demo_person(person).id_number, dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1))


def test_wrong_and_expired_codes_are_refused(kiosk):
    client = kiosk.client
    for code, reason in (("PK1.bm90LWEtY29kZQ.AAAA", "code_malformed"),
                         (expired_code(kiosk, "obama"), "code_expired")):
        scan(kiosk, code)
        state = client.wait_for_screen("pickup_code", 20, predicate=shown(reason))
        assert_fits(state)
        shot(client, "zh_CN", f"pickup_locker_{reason}")
    type_digits(client, "00000000")
    client.wait_for_screen("pickup_code", 20, predicate=shown("digits_wrong"))
    assert all(kiosk.locker.door_closed(0, n) for n in range(1, 7))


def _wrong_digits(client, attempt: int) -> bool:
    """Types a wrong code; whether code entry is locked afterwards."""
    type_digits(client, f"1111111{attempt % 10}")
    state = client.wait_for_screen("pickup_code", 20, predicate=lambda s: t("digits_wrong") in texts(s)
                                   or t("pickup.locked", minutes=1) in texts(s))
    return t("pickup.locked", minutes=1) in texts(state)


def _wait_out_the_lock(client) -> None:
    time.sleep(LOCKOUT_S)
    client.wait_for_screen("pickup_code", 20, predicate=lambda s: t("pickup.locked", minutes=1) not in texts(s))


def test_five_failures_without_a_verified_identity_lock_code_entry_with_the_time_shown(kiosk):
    client = kiosk.client
    # Failures count until an identity step succeeds, whatever earlier tests left: start from a lock run out.
    for attempt in range(5):
        if _wrong_digits(client, attempt):
            break
    _wait_out_the_lock(client)
    for attempt in range(4):
        assert not _wrong_digits(client, attempt), f"attempt {attempt + 1}"
    scan(kiosk, "obama")  # a valid scan (never followed by the holder's card and face) does not reset the count
    client.wait_for_screen("identify", 20)
    client.post("CancelRequested")
    client.wait_for_screen("pickup_code", 20)
    assert _wrong_digits(client, 4), "the fifth wrong code in a row did not lock"
    shot(client, "zh_CN", "pickup_locker_locked")
    scan(kiosk, "obama")  # even a good code is refused while locked
    time.sleep(1.0)
    assert client.state()["screen"] == "pickup_code" and t("pickup.locked", minutes=1) in texts(client.state())
    _wait_out_the_lock(client)


def test_only_the_holder_or_the_registered_agent_collects(kiosk):
    client = kiosk.client
    scan(kiosk, "obama")
    identify(kiosk, "kit_harington")  # not obama, not his agent
    state = client.wait_for_screen("pickup_door", 20, predicate=shown("person_mismatch"))
    assert_fits(state)
    shot(client, "zh_CN", "pickup_locker_person_mismatch")
    assert kiosk.locker.door_closed(0, lock_of(kiosk, "obama"))
    client.tap(intent="cancel")
    client.wait_for_screen("pickup_code", 20)
    kiosk.simulator.lift()

    scan(kiosk, "obama")
    identify(kiosk, "biden")  # registered as obama's agent in the gateway's demo data
    take_and_close(kiosk, "obama")
    client.wait_for_screen("pickup_door", 20, predicate=shown("picked_up"))
    wait_recorded(kiosk, kiosk.deposits["obama"]["code_id"])


def test_pickup_by_typed_digits(kiosk):
    client = kiosk.client
    digits = kiosk.deposits["rose_leslie"]["digits"]
    assert digits and len(digits) == 8
    for key in digits[:4]:
        client.tap(intent="pickup_key", arg=key)
    client.wait_for_screen("pickup_code", 10, predicate=lambda s: f"{digits[:4]} ____" in texts(s))
    shot(client, "zh_CN", "pickup_locker_typing")
    for key in digits[4:]:
        client.tap(intent="pickup_key", arg=key)
    client.tap(intent="pickup_key", arg="ok")
    identify(kiosk, "rose_leslie")
    take_and_close(kiosk, "rose_leslie")
    client.wait_for_screen("pickup_door", 20, predicate=shown("picked_up"))
    wait_recorded(kiosk, kiosk.deposits["rose_leslie"]["code_id"])


def test_a_door_that_does_not_open_offers_staff_help_and_keeps_the_code(kiosk):
    client = kiosk.client
    lock = lock_of(kiosk, "alex_lacamoire")
    kiosk.locker.set_stuck(0, lock)
    try:
        scan(kiosk, "alex_lacamoire")
        identify(kiosk, "alex_lacamoire")
        state = client.wait_for_screen("pickup_door", 30, predicate=shown("door_did_not_open"))
        assert_fits(state)
        shot(client, "zh_CN", "pickup_locker_door_did_not_open")
    finally:
        kiosk.locker.set_stuck(0, lock, False)
    client.tap(intent="cancel")
    client.wait_for_screen("pickup_code", 20)
    kiosk.simulator.lift()
    scan(kiosk, "alex_lacamoire")  # still valid
    client.wait_for_screen("identify", 20, predicate=shown("pickup_code_accepted"))


def test_kill_between_door_opened_and_pickup_recorded_then_the_journal_settles_it(kiosk):
    client = kiosk.client
    lock = lock_of(kiosk, "alex_lacamoire")
    code_id = kiosk.deposits["alex_lacamoire"]["code_id"]
    scan(kiosk, "alex_lacamoire")
    identify(kiosk, "alex_lacamoire")
    wait_door(kiosk, lock)
    kiosk.locker.remove_item(0, lock)  # taken, and then the power goes before the door is shut
    os.kill(kiosk.kiosk._process.pid, signal.SIGKILL)
    kiosk.kiosk.stop()
    kiosk.simulator.lift()
    kiosk.locker.close_door(0, lock)
    assert pickup_events(kiosk, code_id) == 0

    kiosk.kiosk = KioskProcess(kiosk.config_path, workdir=kiosk.workdir, display=kiosk.display,
                               log_path=kiosk.workdir / "kiosk-restarted.log").start()
    client = kiosk.client
    client.wait_for_screen("pickup_code", 30)
    wait_recorded(kiosk, code_id)
    time.sleep(2.0)  # a second delivery would land by now
    assert pickup_events(kiosk, code_id) == 1, "recorded exactly once"
    scan(kiosk, "alex_lacamoire")
    client.wait_for_screen("pickup_code", 20, predicate=shown("code_used"))


def test_a_door_left_open_raises_an_alarm_until_it_is_shut(kiosk):
    client = kiosk.client
    lock = lock_of(kiosk, "kit_harington")
    compartment = kiosk.deposits["kit_harington"]["compartment"]
    scan(kiosk, "kit_harington")
    identify(kiosk, "kit_harington")
    client.wait_for_screen("pickup_door", 20, predicate=shown("pickup.take_hint"))
    wait_door(kiosk, lock)
    kiosk.locker.remove_item(0, lock)  # taken; the door is left standing open
    state = client.wait_for_screen("pickup_door", DOOR_CLOSE_TIMEOUT_S + 20, predicate=lambda s: t(
        "pickup.close_title", compartment=compartment) in texts(s))
    assert t("door_left_open") in texts(state)
    # the open door is named once, in the title: not also "已打开" or the standing alarm for the same door
    assert t("pickup.take", compartment=compartment) not in texts(state)
    assert t("pickup.alarm", compartments=compartment) not in texts(state)
    shot(client, "zh_CN", "pickup_locker_door_left_open")
    client.tap(intent="cancel")
    state = client.wait_for_screen("pickup_code", 20, predicate=shown("pickup.alarm", compartments=compartment))
    shot(client, "zh_CN", "pickup_locker_alarm")
    kiosk.locker.close_door(0, lock)
    client.wait_for_screen("pickup_code", 20, predicate=lambda s: t("pickup.alarm", compartments=compartment)
                           not in texts(s))
    wait_recorded(kiosk, kiosk.deposits["kit_harington"]["code_id"])

"""The locker wired into the running kiosk core, headless: build_kiosk with a Kerong board simulator on a pty and the
real gateway on loopback. Codes reach the session as events, the session's commands open exactly one door, the pickup
reaches the gateway through the outbox, alarms reach the session; a restart settles an interrupted pickup."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest

from gateway.testing import LiveGateway
from kiosk import events as ev
from kiosk.app import build_kiosk
from kiosk.pickup.assembly import LockerParts
from kiosk.pickup.steps import DoorRetrying, TakeCertificate
from kiosk.platform_client import PlatformClient
from kiosk.session import State
from peripherals.locker import KerongSimulator
from kiosk_testkit.demo import DEMO_COMPARTMENTS, LOCKER_PROFILE
from tests.kiosk_config import kiosk_config
from tests.waiting import wait_for

LOCKER = "demo-locker-01"
OBAMA, BIDEN, KIT = "110105196108041235", "310115194211202341", "GBR110861226013"  # docs/demo-persons.md


@dataclass(frozen=True)
class Card:
    id_number: str
    name: str = "测试"
    expired: bool = False


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    with LiveGateway(tmp_path_factory.mktemp("gateway")) as gw:
        yield gw


def ready_case(gateway, id_number):
    hall = PlatformClient(gateway.base_url, gateway.api_key("demo-hall-01"), kiosk_id="demo-hall-01")
    try:
        token = hall.issue_applicant_token(id_number, "face", 0.3)
        return next((c.case_id, c.status) for c in hall.list_cases(token)
                    if c.status in ("certificate_ready", "collected") and c.kind == "first_registration")
    finally:
        hall.close()


@pytest.fixture
def sim(tmp_path):
    with KerongSimulator((0,), link=tmp_path / "dev" / "locker") as simulator:
        yield simulator


def make_config(tmp_path, gateway, sim, devices=None, **locker):
    return kiosk_config(
        tmp_path, gateway=gateway, kiosk_id=LOCKER, profile_path=LOCKER_PROFILE,
        extra={"devices": {"locker": {"enabled": True, "port": str(sim.path), "boards": [0],
                                      "compartments": DEMO_COMPARTMENTS, "door_close_timeout_s": 3, **locker},
                           **(devices or {})},
               "site": {"required_devices": ["locker"]}})


def start(config):
    kiosk = build_kiosk(config)
    views = []
    kiosk.session.subscribe(views.append)
    kiosk.start()
    return kiosk, views


def when_open(sim, lock, *, put=False, take=False, close=True):
    def run():
        wait_for(lambda: not sim.door_closed(0, lock), 10, f"door {lock} open")
        time.sleep(0.1)
        if put:
            sim.add_item(0, lock)
        if take:
            sim.remove_item(0, lock)
        if close:
            sim.close_door(0, lock)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def deposit(kiosk, sim, case_id):
    compartments = [c["lock"] for c in DEMO_COMPARTMENTS if sim.door_closed(0, c["lock"])
                    and not sim.item_present(0, c["lock"])]
    threads = [when_open(sim, lock, put=True) for lock in compartments[:1]]
    outcome = kiosk.locker.service.deposit(case_id, "medium")
    threads[0].join(10)
    assert outcome.ok, outcome
    return outcome


def scan_and_identify(kiosk, code_text, id_number):
    session = kiosk.session
    kiosk.runtime.post(ev.CodeScanned(code_text))
    wait_for(lambda: session.state == State.IDENTIFY, what="the code accepted")
    kiosk.runtime.post(ev.CardRead(Card(id_number)))


def test_build_kiosk_wires_the_locker_and_a_pickup_reaches_the_gateway(tmp_path, gateway, sim):
    case_id, _ = ready_case(gateway, OBAMA)
    kiosk, views = start(make_config(tmp_path, gateway, sim))
    try:
        assert isinstance(kiosk.locker, LockerParts) and kiosk.locker.controller in kiosk.devices
        wait_for(lambda: any(v.state == State.ATTRACT and "locker" not in v.unusable_devices for v in views)
                 or "locker" not in kiosk.session.unusable, what="the locker usable")
        assert kiosk.session.services == ("pickup",)
        stored = deposit(kiosk, sim, case_id)
        qr = kiosk.locker.ledger.deposit(stored.code_id).qr
        lock = int(stored.compartment[1:])

        # Someone who is neither the holder nor the registered agent: refused, nothing opens.
        scan_and_identify(kiosk, qr, KIT)
        wait_for(lambda: kiosk.session.state == State.DONE, what="the refusal")
        assert kiosk.session.outcome == "person_mismatch" and sim.door_closed(0, lock)
        kiosk.runtime.post(ev.CancelRequested())

        # The registered agent (biden for obama's certificate, seeded by the gateway's demo data): accepted.
        taker = when_open(sim, lock, take=True)
        scan_and_identify(kiosk, qr, BIDEN)
        wait_for(lambda: kiosk.session.state == State.DONE, what="the pickup")
        taker.join(10)
        assert kiosk.session.outcome == "picked_up"
        assert sim.unlocked.count((0, lock)) == 2  # the deposit and this pickup: exactly that door, once each
        assert any(isinstance(v.flow, TakeCertificate) for v in views)
        wait_for(lambda: ready_case(gateway, OBAMA)[1] == "collected", what="the case collected at the gateway")

        kiosk.runtime.post(ev.CancelRequested())
        wait_for(lambda: kiosk.session.state == State.ATTRACT)
        kiosk.runtime.post(ev.CodeScanned(qr))
        wait_for(lambda: kiosk.session.message == "code_used", what="the reused code refused")
    finally:
        kiosk.stop()


def test_door_left_open_alarms_then_the_watcher_records_the_pickup_when_it_shuts(tmp_path, gateway, sim):
    case_id, _ = ready_case(gateway, BIDEN)
    kiosk, views = start(make_config(tmp_path, gateway, sim))
    try:
        stored = deposit(kiosk, sim, case_id)
        lock = int(stored.compartment[1:])
        taker = when_open(sim, lock, take=True, close=False)
        scan_and_identify(kiosk, kiosk.locker.ledger.deposit(stored.code_id).qr, BIDEN)
        taker.join(10)
        wait_for(lambda: kiosk.session.state == State.DONE, 10, "the door timeout")
        assert kiosk.session.outcome == "door_left_open"
        wait_for(lambda: kiosk.session.view().locker_alarms == (stored.compartment,), what="the alarm on screen")
        assert [d["compartment"] for d in kiosk.locker.doors_open()] == [stored.compartment]  # for the heartbeat
        sim.close_door(0, lock)
        wait_for(lambda: kiosk.session.view().locker_alarms == (), what="the alarm cleared")
        wait_for(lambda: kiosk.locker.ledger.is_used(stored.code_id), what="the pickup recorded")
        wait_for(lambda: ready_case(gateway, BIDEN)[1] == "collected", what="the case collected")
    finally:
        kiosk.stop()


def test_door_that_never_opens_is_retried_then_staff_help_and_the_code_stays_valid(tmp_path, gateway, sim):
    from gateway.seed import demo_person

    case_id, _ = ready_case(gateway, demo_person("alex_lacamoire").id_number)
    kiosk, views = start(make_config(tmp_path, gateway, sim))
    try:
        stored = deposit(kiosk, sim, case_id)
        lock = int(stored.compartment[1:])
        sim.set_stuck(0, lock)
        scan_and_identify(kiosk, kiosk.locker.ledger.deposit(stored.code_id).qr,
                          demo_person("alex_lacamoire").id_number)
        wait_for(lambda: kiosk.session.state == State.DONE, 20, "the door failure")
        assert kiosk.session.outcome == "door_did_not_open"
        tries = [e.step for e in kiosk.locker.ledger.entries() if e.code_id == stored.code_id]
        assert tries == ["cancelled", "cancelled"]  # journaled, tried twice, nothing handed over
        assert any(isinstance(v.flow, DoorRetrying) for v in views)
        assert not kiosk.locker.ledger.is_used(stored.code_id)
        assert kiosk.locker.verifier.verify_qr(kiosk.locker.ledger.deposit(stored.code_id).qr).ok
        # Staff free the lock; the same code now collects the certificate.
        sim.set_stuck(0, lock, False)
        kiosk.runtime.post(ev.CancelRequested())
        wait_for(lambda: kiosk.session.state == State.ATTRACT)
        taker = when_open(sim, lock, take=True)
        scan_and_identify(kiosk, kiosk.locker.ledger.deposit(stored.code_id).qr,
                          demo_person("alex_lacamoire").id_number)
        wait_for(lambda: kiosk.session.outcome == "picked_up", 10, "the pickup with the same code")
        taker.join(10)
        # Recorded at the gateway before this kiosk stops: the next test's deposit needs the compartment free there.
        wait_for(lambda: ready_case(gateway, demo_person("alex_lacamoire").id_number)[1] == "collected",
                 what="the case collected at the gateway")
    finally:
        kiosk.stop()


class PowerCut(BaseException):
    """Stands in for the process dying: nothing after it runs."""


class DeadBank:
    def __getattr__(self, name):
        raise PowerCut


@pytest.fixture
def own_gateway(tmp_path):
    """A gateway of this test's own: no deposit another test left in a compartment (the module's gateway keeps
    those) stands in the way of this one's."""
    with LiveGateway(tmp_path / "own-gateway") as gw:
        yield gw


def test_restart_settles_a_pickup_interrupted_between_door_opened_and_recorded(tmp_path, own_gateway, sim):
    from gateway.seed import demo_person

    gateway = own_gateway

    holder = demo_person("rose_leslie").id_number
    case_id, _ = ready_case(gateway, holder)
    config = make_config(tmp_path, gateway, sim, door_close_timeout_s=30)
    kiosk, _ = start(config)
    stored = deposit(kiosk, sim, case_id)
    lock = int(stored.compartment[1:])
    qr = kiosk.locker.ledger.deposit(stored.code_id).qr
    try:
        scan_and_identify(kiosk, qr, holder)
        wait_for(lambda: kiosk.locker.ledger.entries()[-1].step == "opened", what="the door opened")
    finally:
        # A power cut: nothing more of this process runs (no stop, no settle): the worker waiting at the door dies
        # at its next look at the sensors; the person takes the certificate and shuts the door.
        kiosk.locker.service.bank = DeadBank()
        kiosk.runtime.stop()
        kiosk.locker.handover.stop()
        time.sleep(0.5)
    sim.remove_item(0, lock)
    sim.close_door(0, lock)
    again, _ = start(config)  # a second process in effect: a fresh ledger connection on the same files
    try:
        assert again.locker.ledger.is_used(stored.code_id)  # settled in start(), before the first applicant
        wait_for(lambda: ready_case(gateway, holder)[1] == "collected", what="the pickup at the gateway")
        pickups = [e for e in again.locker.ledger.entries() if e.kind == "pickup"]
        assert [e.step for e in pickups] == ["recorded"]
        again.runtime.post(ev.CodeScanned(qr))
        wait_for(lambda: again.session.message == "code_used", what="the code refused")
    finally:
        again.stop()
        kiosk.stop()


def test_a_silent_lock_board_takes_the_locker_out_of_service_and_back(tmp_path, gateway, sim):
    config = make_config(tmp_path, gateway, sim)
    kiosk, views = start(config)
    try:
        wait_for(lambda: any(v.state == State.ATTRACT for v in views) or kiosk.session.state == State.ATTRACT)
        sim.mute_board(0)
        wait_for(lambda: kiosk.session.state == State.OUT_OF_SERVICE, 20, "out of service")
        assert "locker" in kiosk.session.unusable and "pickup" not in kiosk.session.available_services()
        sim.mute_board(0, False)
        wait_for(lambda: kiosk.session.state == State.ATTRACT, 20, "back in service")
    finally:
        kiosk.stop()


def test_a_pickup_slip_is_counted_as_paper_used_and_recorded_as_a_print(tmp_path, gateway, sim):
    """The slip goes to the receipt printer every receipt goes to: through the paper counter (maintenance) and the
    print audit record (the audit trail), never around them on the raw device."""
    from gateway.seed import demo_person
    from peripherals.printer.simulator import ReceiptPrinterSimulator

    person = demo_person("lin_manuel_miranda").id_number
    case_id, _ = ready_case(gateway, person)
    printer = ReceiptPrinterSimulator(link=tmp_path / "dev" / "receipt-printer").start()
    try:
        config = make_config(tmp_path, gateway, sim, devices={"receipt_printer": {
            "enabled": True, "url": f"serial:{printer.path}", "poll_interval_s": 1.0}})
        kiosk, views = start(config)
        try:
            stored = deposit(kiosk, sim, case_id)
            paper_before = kiosk.maintenance.counters.snapshot()["paper_used_mm"]
            taker = when_open(sim, int(stored.compartment[1:]), take=True)
            scan_and_identify(kiosk, kiosk.locker.ledger.deposit(stored.code_id).qr, person)
            wait_for(lambda: kiosk.session.state == State.DONE, 20, "the pickup")
            taker.join(10)
            assert kiosk.session.outcome == "picked_up" and kiosk.session.receipt_pending, "the slip printed"
            assert printer.wait_for_receipts(1, 10) and len(printer.receipts) == 1
            assert kiosk.maintenance.counters.snapshot()["paper_used_mm"] > paper_before, "the slip's paper counted"
            prints = wait_for(lambda: [e.details for e in kiosk.offline.store.audit.entries() if e.action == "print"],
                              what="the slip's print record")
            assert [(p["device"], p["job"], p["outcome"]) for p in prints] == [("receipt_printer", "receipt",
                                                                                  "success")]
        finally:
            kiosk.stop()
    finally:
        printer.stop()

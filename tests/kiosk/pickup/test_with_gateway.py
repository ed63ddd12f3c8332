"""The locker against the real gateway on loopback: a deposit issues a code that verifies offline and opens one door."""
import threading
import time

import pytest

from gateway.testing import LiveGateway
from kiosk.pickup.keys import PickupKeyRing
from kiosk.pickup.ledger import PickupLedger
from kiosk.pickup.service import LockerService
from kiosk.pickup.verifier import PickupVerifier
from kiosk.platform_client import PlatformClient
from peripherals.locker import Compartment, KerongSimulator, LockController, LockerBank, make_protocol

OBAMA = "110105196108041235"  # demo person (docs/demo-persons.md)
LOCKER = "demo-locker-01"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    with LiveGateway(tmp_path_factory.mktemp("gateway")) as gw:
        yield gw


def _ready_case(gateway) -> str:
    hall = PlatformClient(gateway.base_url, gateway.api_key("demo-hall-01"), kiosk_id="demo-hall-01")
    try:
        token = hall.issue_applicant_token(OBAMA, "card_only_demo", None)
        return next(c.case_id for c in hall.list_cases(token) if c.status == "certificate_ready")
    finally:
        hall.close()


def _act_when_open(sim, board, lock, *, put=False, take=False):
    def run():
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and sim.door_closed(board, lock):
            time.sleep(0.01)
        time.sleep(0.1)
        if put:
            sim.add_item(board, lock)
        if take:
            sim.remove_item(board, lock)
        sim.close_door(board, lock)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_deposit_and_pickup_through_the_gateway(gateway, tmp_path, sealer):
    case_id = _ready_case(gateway)
    client = PlatformClient(gateway.base_url, gateway.api_key(LOCKER), kiosk_id=LOCKER)
    with KerongSimulator((0,)) as sim:
        ctl = LockController(sim.path, make_protocol("kerong"), (0,), reply_timeout_s=0.15, confirm_s=0.3)
        bank = LockerBank(ctl, [Compartment("A01", 0, 1, "small"), Compartment("A02", 0, 2, "medium")])
        ledger = PickupLedger(tmp_path / "pickup.db", sealer)
        recorded = []

        def record(code_id, compartment, key):
            recorded.append(client.record_pickup(code_id, compartment, key))
        try:
            keys = PickupKeyRing(client.pickup_keys, tmp_path / "keys.json")
            verifier = PickupVerifier(keys, ledger, LOCKER, compartments={"A01", "A02"})
            service = LockerService(bank, ledger, record_pickup=record, deposit_api=client.deposit,
                                    verifier=verifier, door_close_timeout_s=3, poll_s=0.02)
            person = _act_when_open(sim, 0, 2, put=True)
            deposited = service.deposit(case_id, "medium")
            person.join(5)
            assert deposited.ok and deposited.compartment == "A02", deposited

            qr = ledger.active_deposits()[0].qr
            check = verifier.verify_qr(qr)
            assert check.ok and check.code.compartment == "A02" and check.code.issued_to(OBAMA)
            person = _act_when_open(sim, 0, 2, take=True)
            done = service.pickup(check.code, OBAMA)
            person.join(5)
            assert done.ok and done.reason == "picked_up"
            assert recorded and recorded[0]["status"] == "collected" and recorded[0]["case_id"] == case_id
            assert sim.unlocked == [(0, 2), (0, 2)]
            assert verifier.verify_qr(qr).reason == "code_used"
        finally:
            ledger.close()
            ctl.close()
            client.close()

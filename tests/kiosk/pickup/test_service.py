"""Deposit and pickup end to end over a simulated lock board on a pty, with the journal settling power cuts."""
import threading
import time

import pytest

from kiosk.pickup.ledger import PickupLedger
from kiosk.pickup.service import LockerService
from kiosk.pickup.verifier import AttemptGuard, PickupVerifier
from peripherals.locker import (Compartment, EightASimulator, KerongSimulator, LockController, LockerBank,
                                make_protocol)

from tests.kiosk.pickup.conftest import ID_NUMBER, LOCKER, Issuer, deposited

LAYOUT = [Compartment("A01", 0, 1, "small"), Compartment("A02", 0, 2, "medium"), Compartment("B01", 0, 16, "large")]
WHERE = {c.label: (c.board, c.lock) for c in LAYOUT}


class FakeGatewayDeposits:
    """Issues codes for deposits exactly per the contract, idempotent on the key like the real gateway."""

    def __init__(self, issuer, clock):
        self.issuer, self.clock = issuer, clock
        self.answers, self.online = {}, True

    def __call__(self, case_id, compartment, key):
        if not self.online:
            raise ConnectionError("gateway unreachable")
        if key not in self.answers:
            cid = f"c-{len(self.answers) + 1}"
            digits = f"{len(self.answers) + 1:08d}"
            self.answers[key] = {"deposit_id": f"d-{cid}", "code_id": cid, "digits": digits,
                                 "qr": self.issuer.code(cid=cid, cp=compartment, exp=self.clock() + 86400),
                                 "digits_sha256": Issuer.digits_sha256(cid, digits),
                                 "expires_at": "2030-03-17T12:00:00+00:00"}
        return dict(self.answers[key])


class Recorder:
    def __init__(self):
        self.pickups, self.alarms, self.slips = [], [], []

    def record(self, code_id, compartment, key):
        self.pickups.append((code_id, compartment, key))

    def alarm(self, code, label):
        self.alarms.append((code, label))


class Person(threading.Thread):
    """Someone at the locker: waits for the door to open, then does things to it (bounded wait)."""

    def __init__(self, sim, board, lock, *, put=False, take=False, close=True):
        super().__init__(daemon=True)
        self.sim, self.where, self.put, self.take, self.close = sim, (board, lock), put, take, close
        self.saw_open = False

    def run(self):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and self.sim.door_closed(*self.where):
            time.sleep(0.01)
        self.saw_open = not self.sim.door_closed(*self.where)
        if not self.saw_open:
            return
        time.sleep(0.15)  # a person reaching in
        if self.put:
            self.sim.add_item(*self.where)
        if self.take:
            self.sim.remove_item(*self.where)
        if self.close:
            self.sim.close_door(*self.where)


@pytest.fixture
def sim():
    with KerongSimulator((0,)) as simulator:
        yield simulator


@pytest.fixture
def world(sim, tmp_path, issuer, keys, sealer, clock):
    ctl = LockController(sim.path, make_protocol("kerong"), (0,), reply_timeout_s=0.15, confirm_s=0.3)
    bank = LockerBank(ctl, LAYOUT)
    made = []

    def build(**kwargs):
        ledger = PickupLedger(tmp_path / "pickup.db", sealer, clock=clock)
        rec = Recorder()
        verifier = PickupVerifier(keys, ledger, LOCKER, compartments=set(WHERE),
                                  guard=AttemptGuard(5, 300, clock=clock), clock=clock)
        gateway = kwargs.pop("gateway", None) or FakeGatewayDeposits(issuer, clock)
        service = LockerService(bank, ledger, record_pickup=rec.record, alarm=rec.alarm, deposit_api=gateway,
                                verifier=verifier, print_slip=lambda outcome, deposit: rec.slips.append(outcome),
                                door_close_timeout_s=kwargs.pop("timeout", 2.0), poll_s=0.02)
        made.append(ledger)
        return service, verifier, rec, gateway

    yield build
    for ledger in made:
        ledger.close()
    ctl.close()


def _deposit(service, sim, label, size):
    person = Person(sim, *WHERE[label], put=True)
    person.start()
    outcome = service.deposit("case-1", size)
    person.join(5)
    return outcome


def test_deposit_then_pickup(world, sim):
    service, verifier, rec, gateway = world()
    outcome = _deposit(service, sim, "A02", "medium")
    assert outcome.ok and outcome.reason == "deposited" and outcome.compartment == "A02"
    assert sim.unlocked == [(0, 2)] and sim.item_present(0, 2) and sim.door_closed(0, 2)
    qr = next(iter(gateway.answers.values()))["qr"]

    check = verifier.verify_qr(qr)
    assert check.ok and check.code.compartment == "A02"
    person = Person(sim, 0, 2, take=True)
    person.start()
    done = service.pickup(check.code, ID_NUMBER)
    person.join(5)
    assert done.ok and done.reason == "picked_up"
    assert rec.slips == [done]
    assert sim.unlocked == [(0, 2), (0, 2)]
    assert len(rec.pickups) == 1 and rec.pickups[0][:2] == (outcome.code_id, "A02")
    assert verifier.verify_qr(qr).reason == "code_used"
    assert service.ledger.compartment_state("A02") == "free"


def test_typed_digits_pickup(world, sim):
    service, verifier, rec, gateway = world()
    _deposit(service, sim, "A02", "medium")
    digits = next(iter(gateway.answers.values()))["digits"]
    check = verifier.verify_digits(digits)
    assert check.ok and check.code.compartment == "A02"


def test_wrong_person_opens_nothing(world, sim, issuer):
    service, verifier, rec, _ = world()
    code = verifier.verify_qr(deposited(service.ledger, issuer, cp="A01")).code
    outcome = service.pickup(code, "110105194912310037")
    assert outcome.reason == "person_mismatch" and sim.unlocked == [] and rec.pickups == []


def test_door_did_not_open_keeps_the_code_valid(world, sim, issuer):
    service, verifier, rec, _ = world()
    sim.set_stuck(0, 1)
    sim.add_item(0, 1)
    qr = deposited(service.ledger, issuer, cp="A01")
    outcome = service.pickup(verifier.verify_qr(qr).code, ID_NUMBER)
    assert outcome.reason == "door_did_not_open"
    assert rec.alarms == [("door_did_not_open", "A01")] and rec.pickups == []
    assert verifier.verify_qr(qr).ok


def test_item_not_taken(world, sim, issuer):
    service, verifier, rec, _ = world()
    sim.add_item(0, 1)
    person = Person(sim, 0, 1)  # opens and shuts, takes nothing
    person.start()
    outcome = service.pickup(verifier.verify_qr(deposited(service.ledger, issuer, cp="A01")).code, ID_NUMBER)
    person.join(5)
    assert outcome.reason == "item_not_taken" and rec.pickups == []
    assert verifier.verify_qr(deposited(service.ledger, issuer, cp="A01")).ok


def test_door_left_open_alarms_then_settles(world, sim, issuer):
    service, verifier, rec, _ = world(timeout=0.3)
    sim.add_item(0, 1)
    person = Person(sim, 0, 1, take=True, close=False)
    person.start()
    outcome = service.pickup(verifier.verify_qr(deposited(service.ledger, issuer, cp="A01")).code, ID_NUMBER)
    person.join(5)
    assert outcome.reason == "door_left_open" and rec.alarms == [("door_left_open", "A01")]
    assert service.settle()[0][1] == "door_left_open"
    assert rec.alarms == [("door_left_open", "A01")]  # raised once, not on every poll
    sim.close_door(0, 1)
    assert [o for _, o in service.settle()] == ["picked_up"]
    assert len(rec.pickups) == 1 and service.settle() == []


class PowerCut(BaseException):
    """Stands in for the process dying: nothing after it runs."""


def _cut(*_):
    raise PowerCut


def test_power_cut_after_door_opened_is_settled_from_the_sensors(world, sim, issuer):
    service, verifier, rec, _ = world()
    sim.add_item(0, 1)
    code = verifier.verify_qr(deposited(service.ledger, issuer, cid="c-77", cp="A01")).code
    service.record_pickup = _cut  # the power goes between "door opened and shut" and "pickup recorded"
    person = Person(sim, 0, 1, take=True)
    person.start()
    with pytest.raises(PowerCut):  # PowerCut has no message and only _cut raises it: the type is the check
        service.pickup(code, ID_NUMBER)
    person.join(5)
    entry = service.ledger.unsettled()[0]
    assert (entry.code_id, entry.step) == ("c-77", "opened")

    restarted, verifier2, rec2, _ = world()  # a new process over the same ledger file
    assert [o for _, o in restarted.settle()] == ["picked_up"]
    assert rec2.pickups == [("c-77", "A01", entry.idempotency_key)]  # the same key: delivered once in effect
    assert verifier2.verify_qr(issuer.code(cid="c-77", cp="A01")).reason == "code_used"
    assert sim.unlocked == [(0, 1)]  # settling never opens a door


def test_power_cut_before_the_door_opened_cancels(world, sim, issuer):
    service, verifier, rec, _ = world()
    sim.add_item(0, 1)
    service.ledger.begin("pickup", "A01", "opening", code_id="c-5")  # journaled, then the power went
    restarted, verifier2, rec2, _ = world()
    assert [o for _, o in restarted.settle()] == ["cancelled"]
    assert rec2.pickups == [] and verifier2.verify_qr(deposited(restarted.ledger, issuer, cid="c-5", cp="A01")).ok


def test_two_deposits_never_share_a_compartment(world, sim):
    service, verifier, rec, gateway = world()
    first = _deposit(service, sim, "A02", "medium")
    second = service.deposit("case-2", "medium")
    assert first.ok and (second.ok, second.reason) == (False, "no_free_compartment")
    assert sim.unlocked == [(0, 2)]


def test_concurrent_claims_from_two_processes(tmp_path, sealer):
    ledgers = [PickupLedger(tmp_path / "shared.db", sealer) for _ in range(2)]
    ledgers[0].ensure_compartments([("A02", "medium")])
    wins, barrier = [], threading.Barrier(8)

    def claim(i):
        barrier.wait()
        label = ledgers[i % 2].claim_free("medium", f"claim-{i}")
        if label:
            wins.append(label)
    threads = [threading.Thread(target=claim, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert wins == ["A02"]
    for ledger in ledgers:
        ledger.close()


def test_deposit_without_an_item(world, sim):
    service, *_ = world()
    person = Person(sim, 0, 2)
    person.start()
    outcome = service.deposit("case-1", "medium")
    person.join(5)
    assert outcome.reason == "no_item" and service.ledger.compartment_state("A02") == "free"


def test_deposit_skips_a_compartment_that_is_not_empty(world, sim):
    service, verifier, rec, _ = world()
    sim.add_item(0, 2)  # something left behind that the ledger does not know about
    outcome = service.deposit("case-1", "medium")
    assert outcome.reason == "no_free_compartment" and sim.unlocked == []
    assert rec.alarms == [("compartment_not_empty", "A02")]
    assert service.ledger.compartment_state("A02") == "out_of_order"


def test_deposit_while_the_gateway_is_offline_completes_later(world, sim, issuer, clock):
    gateway = FakeGatewayDeposits(issuer, clock)
    gateway.online = False
    service, verifier, rec, _ = world(gateway=gateway)
    outcome = _deposit(service, sim, "B01", "large")
    assert outcome.reason == "deposit_pending"
    gateway.online = True
    assert [o for _, o in service.settle()] == ["deposited"]
    assert len(gateway.answers) == 1
    assert service.ledger.active_deposits()[0].compartment == "B01"


def test_board_without_item_sensors_holds_an_unclear_pickup_for_staff(tmp_path, issuer, keys, sealer, clock):
    with EightASimulator((1,)) as sim:
        ctl = LockController(sim.path, make_protocol("8a"), (1,), reply_timeout_s=0.15, confirm_s=0.3)
        bank = LockerBank(ctl, [Compartment("C01", 1, 5)])
        ledger = PickupLedger(tmp_path / "p.db", sealer, clock=clock)
        rec = Recorder()
        try:
            service = LockerService(bank, ledger, record_pickup=rec.record, alarm=rec.alarm, poll_s=0.02)
            ledger.begin("pickup", "C01", "opening", code_id="c-9")
            assert [o for _, o in service.settle()] == ["held"]
            assert rec.alarms == [("pickup_unsettled", "C01")]
            verifier = PickupVerifier(keys, ledger, LOCKER, clock=clock)
            assert verifier.verify_qr(issuer.code(cid="c-9", cp="C01")).reason == "code_held"
            # a door that did open and shut again on such a board counts as handed over
            entry = ledger.begin("pickup", "C01", "opened", code_id="c-10")
            assert service.settle()[-1][1] == "picked_up"
            assert rec.pickups == [("c-10", "C01", entry.idempotency_key)]
        finally:
            ledger.close()
            ctl.close()


def test_door_left_open_by_anyone_is_watched(world, sim):
    service, verifier, rec, _ = world(timeout=0.2)
    service.bank.controller.open_lock(0, 16)  # staff opened it from the service menu and walked away
    assert service.watch_doors() == ["B01"] and rec.alarms == []
    time.sleep(0.25)
    assert service.watch_doors() == ["B01"] and service.watch_doors() == ["B01"]
    assert rec.alarms == [("door_left_open", "B01")]
    sim.close_door(0, 16)
    assert service.watch_doors() == []


def test_pickups_go_to_the_durable_outbox_once(tmp_path, world, sim, issuer):
    from offline_cache import Outbox, Store
    from kiosk.pickup.service import outbox_recorder
    store = Store.open(tmp_path / "offline.db", b"k" * 32)
    try:
        outbox = Outbox(store)
        service, verifier, rec, _ = world()
        service.record_pickup = outbox_recorder(outbox)
        sim.add_item(0, 1)
        code = verifier.verify_qr(deposited(service.ledger, issuer, cid="c-42", cp="A01")).code
        person = Person(sim, 0, 1, take=True)
        person.start()
        assert service.pickup(code, ID_NUMBER).reason == "picked_up"
        person.join(5)
        entry = service.ledger.entries()[-1]
        service.record_pickup("c-42", "A01", entry.idempotency_key)  # a replay after a crash
        events = outbox.due(per_kind=10)
        assert [(e.kind, e.payload, e.idempotency_key) for e in events] == [
            ("locker_pickup", {"code_id": "c-42", "compartment": "A01"}, entry.idempotency_key)]
    finally:
        store.close()


def test_every_outcome_and_refusal_has_words():
    import re
    from pathlib import Path
    from catalog.pickup import PICKUP_MESSAGES
    source = "".join(Path(p).read_text() for p in ("kiosk/pickup/service.py", "kiosk/pickup/verifier.py"))
    keys = set(re.findall(r'(?:LockerOutcome\((?:True|False), |_fail\(|PickupCodeError\()"([a-z_]+)"', source))
    keys |= {"code_malformed", "code_entry_locked", "person_mismatch"}
    keys -= {"platform_unavailable"}  # a core key the screens' catalog already has
    assert keys and keys <= set(PICKUP_MESSAGES)
    assert all(zh and en for zh, en in PICKUP_MESSAGES.values())


def test_the_registered_agent_collects_and_the_door_opened_callback_fires(world, sim, issuer):
    from kiosk.pickup.codes import subject_hash

    service, verifier, rec, _ = world()
    agent = "310115194211202341"
    sim.add_item(0, 1)
    person = Person(sim, 0, 1, take=True)
    person.start()
    code = verifier.verify_qr(deposited(service.ledger, issuer, cid="c-ag", cp="A01", ag=[subject_hash("c-ag", agent)])).code
    opened = []
    outcome = service.pickup(code, agent, on_opened=opened.append)
    person.join(5)
    assert outcome.ok and outcome.reason == "picked_up" and opened == ["A01"] and len(rec.pickups) == 1


def test_an_alarm_is_cleared_once_when_its_door_shuts(world, sim, issuer):
    service, verifier, rec, _ = world(timeout=0.3)
    cleared = []
    service.alarm_cleared = lambda code, label: cleared.append((code, label))
    sim.add_item(0, 1)
    person = Person(sim, 0, 1, take=True, close=False)
    person.start()
    service.pickup(verifier.verify_qr(deposited(service.ledger, issuer, cp="A01")).code, ID_NUMBER)
    person.join(5)
    assert cleared == []
    sim.close_door(0, 1)
    service.settle()
    service.settle()
    assert cleared == [("door_left_open", "A01")]

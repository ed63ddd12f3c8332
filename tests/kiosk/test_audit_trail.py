"""The audit trail: every kind of security-relevant event reaches the kiosk's hash chain through the real runtime and
store, nothing personal is written, and `kiosk audit verify` passes on the result and fails once it is tampered with."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk import events as ev
from kiosk.audit_trail import AuditTrail
from kiosk.payment_journal import PAID, PENDING, PaymentJournal
from kiosk.runtime import Runtime
from kiosk.session import Session, State
from offline_cache.keyfile import create_key
from offline_cache.offline_store import OfflineStore
from offline_cache.store import Store
from tests.waiting import wait_for

KIOSK = str(Path(sys.executable).parent / "kiosk")
OBAMA_ID, OBAMA_NAME = "110105196108041235", "欧阳明"


@dataclass
class Card:
    id_number: str = OBAMA_ID
    name: str = OBAMA_NAME
    card_type: str = "resident"
    expired: bool = False


@pytest.fixture
def kiosk(tmp_path):
    """A session and runtime (as kiosk.app builds them) over a real encrypted offline store, with the trail wired."""
    data = tmp_path / "data"
    key_file = data / "storage.key"
    store = Store.open(data / "kiosk.db", create_key(key_file))
    offline = OfflineStore(store)
    trail = AuditTrail(offline.audit, "demo-hall-01")
    made = []

    def make(method="card_only_demo", verifiers=None):
        session = Session(["case_status"], [], identity_method=method)
        runtime = Runtime(session, None, verifiers=verifiers, tick_s=0.05, audit_trail=trail)
        runtime.start()
        made.append(runtime)
        return session, runtime

    yield {"make": make, "offline": offline, "trail": trail, "store": store, "data": data, "key_file": key_file}
    for runtime in made:
        runtime.stop()
    store.close()


def actions(offline):
    return [e.action for e in offline.audit.entries()]


def test_a_verified_applicant_is_recorded_with_a_pseudonym_only(kiosk):
    session, runtime = kiosk["make"]()
    runtime.post(ev.CardRead(Card()))
    wait_for(lambda: "verification" in actions(kiosk["offline"]))
    started, verified = [e for e in kiosk["offline"].audit.entries()
                         if e.action in ("verification_started", "verification")]
    assert started.details["method"] == "card_only_demo"
    assert verified.details["outcome"] == "verified" and verified.details["card_type"] == "resident"
    # The same person is the same pseudonym (attempts can be linked), and it is not the number in any form.
    assert started.details["person"] == verified.details["person"] == \
        kiosk["store"].sealer.subject(OBAMA_ID)[:20]
    assert OBAMA_ID not in repr(verified)
    assert verified.actor == "demo-hall-01"


def test_a_failed_verification_is_recorded_with_its_reason(kiosk):
    def no_match(command, post, cancelled):
        post(ev.VerificationFailed("no_match"))

    session, runtime = kiosk["make"](method="face", verifiers={"face": no_match})
    runtime.post(ev.CardRead(Card()))
    wait_for(lambda: session.state == State.DONE and "verification" in actions(kiosk["offline"]))
    failed = [e for e in kiosk["offline"].audit.entries() if e.action == "verification"][0]
    assert failed.details["outcome"] == "no_match" and failed.details["person"]


def test_staff_sign_in_failures_sign_in_and_sign_out(kiosk):
    session, runtime = kiosk["make"]()
    runtime.post(ev.StaffCredentialPresented())
    runtime.post(ev.StaffPinRejected("wrong_pin", attempts_left=4))
    runtime.post(ev.MaintenanceRequested("staff-0042"))
    wait_for(lambda: session.state == State.MAINTENANCE)
    runtime.post(ev.MaintenanceExited())
    wait_for(lambda: "staff_sign_out" in actions(kiosk["offline"]))
    entries = {e.action: e for e in kiosk["offline"].audit.entries()}
    assert entries["staff_sign_in_failed"].details == {"reason": "wrong_pin", "attempts_left": 4, "locked_s": 0.0}
    assert entries["staff_sign_in"].actor == "staff-0042"
    assert entries["staff_sign_out"].actor == "staff-0042"
    assert actions(kiosk["offline"]) == ["staff_credential_presented", "staff_sign_in_failed", "staff_sign_in",
                                         "staff_sign_out"]


def test_fleet_service_mode_pickups_doors_and_alarms(kiosk):
    session, runtime = kiosk["make"]()
    runtime.post(ev.ServiceModeCommanded(False, "维护中"))
    runtime.post(ev.PickupAttempted("qr", "code_used", code_id="pk-1", compartment="A03"))
    runtime.post(ev.PickupAttempted("identity", "accepted", code_id="pk-2", compartment="A04"))
    runtime.post(ev.LockerDoorOpened("A04", code_id="pk-2"))
    runtime.post(ev.LockerAlarm("door_left_open", "A04"))
    wait_for(lambda: "locker_alarm" in actions(kiosk["offline"]))
    entries = kiosk["offline"].audit.entries()
    assert [e.action for e in entries] == ["service_mode", "pickup_attempt", "pickup_attempt", "door_opened",
                                           "locker_alarm"]
    assert entries[0].details == {"in_service": False, "message": "维护中"}
    assert entries[1].details == {"method": "qr", "outcome": "code_used", "code_id": "pk-1", "compartment": "A03"}
    assert entries[3].details == {"compartment": "A04", "code_id": "pk-2"}


def test_a_note_from_a_flow_lands_even_after_its_session_ended_and_is_scrubbed(kiosk):
    session, runtime = kiosk["make"]()
    cancelled = threading.Event()
    cancelled.set()
    post = runtime._poster(cancelled)  # what a flow of an ended session holds
    post(ev.FlowUpdate({"step": "ignored"}))
    post(ev.AuditNote("e_certificate_link_issued", {"case_id": "BJ2026-000123", "note": f"for {OBAMA_ID}"}))
    party = ev.AuditNote("verification", {"outcome": "verified", "party": 2}, card=Card())
    assert OBAMA_ID not in repr(party) and OBAMA_NAME not in repr(party)
    post(party)
    wait_for(lambda: len(actions(kiosk["offline"])) == 2)
    note, verified = kiosk["offline"].audit.entries()
    assert note.action == "e_certificate_link_issued" and note.details["case_id"] == "BJ2026-000123"
    assert OBAMA_ID not in note.details["note"]
    assert verified.details == {"outcome": "verified", "party": 2, "card_type": "resident",
                                "person": kiosk["store"].sealer.subject(OBAMA_ID)[:20]}


def test_payments_are_recorded_in_the_journals_own_transaction(kiosk):
    trail, offline = kiosk["trail"], kiosk["offline"]
    journal = PaymentJournal(kiosk["store"], audit=trail.journal_hook)
    entry = journal.begin("BJ2026-000123", {"total_fen": 5_758_000})
    journal.record_order(entry.idempotency_key, "PO-1", PENDING, 5_758_000)
    paid = journal.set_state(entry.idempotency_key, PAID, {"e_invoice_url": "https://x/1"})
    journal.reconciled(paid)
    journal.mark_receipt_printed(entry.idempotency_key)
    journal.mark_receipt_printed(entry.idempotency_key)  # already printed: no second record
    entries = offline.audit.entries()
    assert [e.action for e in entries] == ["payment_started", "payment_order_created", "payment_paid",
                                           "payment_reconciled", "receipt_printed"]
    assert entries[1].details == {"case_id": "BJ2026-000123", "order_id": "PO-1", "state": "pending",
                                  "amount_fen": 5_758_000}


def test_a_payment_step_whose_audit_record_fails_is_not_kept_either(kiosk):
    def broken(action, details):
        raise OSError("disk full")

    journal = PaymentJournal(kiosk["store"], audit=broken)
    with pytest.raises(OSError, match=r"^disk full$"):  # the audit trail's own error comes through unchanged
        journal.begin("BJ2026-000123")
    assert journal.for_case("BJ2026-000123") == []


def test_every_print_job_is_recorded_with_its_job_name(kiosk, tmp_path):
    from peripherals.printer import DocumentPrinter

    printer = kiosk["trail"].audited_printer(DocumentPrinter(output_dir=tmp_path / "out", name="certificate_printer"))
    code = printer.print_pdf(b"%PDF-1.4\n%%EOF\n", "certificate-ZH0012345")
    (record,) = kiosk["offline"].audit.entries()
    assert record.action == "print"
    assert record.details == {"device": "certificate_printer", "job": "certificate-ZH0012345",
                              "outcome": code.value}
    assert printer.destination.startswith("dir:")  # everything else is the printer's own


def test_config_hash_is_recorded_when_it_changes(kiosk, tmp_path):
    from tests.kiosk_config import kiosk_config

    trail = kiosk["trail"]
    first = kiosk_config(tmp_path / "a")
    h1 = trail.config_loaded(first)
    assert trail.config_loaded(first) == h1  # the same configuration again: nothing new
    second = kiosk_config(tmp_path / "b", language="en")
    h2 = trail.config_loaded(second, reason="reload")
    records = [e for e in kiosk["offline"].audit.entries() if e.action == "config_changed"]
    assert [r.details for r in records] == [{"sha256": h1, "previous_sha256": None, "reason": "start"},
                                            {"sha256": h2, "previous_sha256": h1, "reason": "reload"}]


def test_records_wait_in_memory_while_the_store_refuses_writes(kiosk, monkeypatch):
    trail, offline = kiosk["trail"], kiosk["offline"]
    real = offline.audit.record
    monkeypatch.setattr(offline.audit, "record", lambda *a, **k: (_ for _ in ()).throw(OSError("no space")))
    assert trail.record("door_opened", {"compartment": "A01"}) is False
    assert trail.record("door_opened", {"compartment": "A02"}) is False
    assert trail.problem == "audit_log_unwritable" and trail.waiting == 2
    monkeypatch.setattr(offline.audit, "record", real)
    assert trail.retry() and trail.problem is None and trail.waiting == 0
    assert [e.details["compartment"] for e in offline.audit.entries()] == ["A01", "A02"]


# -- the resulting store, verified and tampered with -----------------------------------------------------------------
@pytest.fixture
def audited_store(kiosk):
    """A store with one of every kind of record, written through the runtime and the taps."""
    session, runtime = kiosk["make"]()
    runtime.post(ev.CardRead(Card()))
    wait_for(lambda: "verification" in actions(kiosk["offline"]))
    runtime.post(ev.CancelRequested())
    runtime.post(ev.MaintenanceRequested("staff-0042"))
    runtime.post(ev.MaintenanceExited())
    runtime.post(ev.LockerDoorOpened("A01", code_id="pk-9"))
    wait_for(lambda: "door_opened" in actions(kiosk["offline"]))
    journal = PaymentJournal(kiosk["store"], audit=kiosk["trail"].journal_hook)
    entry = journal.begin("BJ2026-000124")
    journal.record_order(entry.idempotency_key, "PO-2", PENDING, 100)
    runtime.stop()
    return kiosk


def verify(kiosk):
    return subprocess.run([KIOSK, "audit", "verify", "--db", str(kiosk["data"] / "kiosk.db"), "--key-file",
                           str(kiosk["key_file"])], capture_output=True, text=True, timeout=60)


def test_the_resulting_store_verifies_and_holds_nothing_personal(audited_store):
    kiosk = audited_store
    result = verify(kiosk)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: audit log intact" in result.stdout
    assert actions(kiosk["offline"]) == ["verification_started", "verification", "staff_sign_in", "staff_sign_out",
                                         "door_opened", "payment_started", "payment_order_created"]
    kiosk["store"].checkpoint()
    raw = b"".join(p.read_bytes() for p in kiosk["data"].iterdir() if p.is_file())
    for secret in (OBAMA_ID, OBAMA_NAME):
        assert secret.encode() not in raw
    # The gateway gets the same records through the outbox: no ID number or name in them either.
    payloads = [str(e.payload) for e in kiosk["offline"].outbox.due(time.time() + 3600, per_kind=1000)]
    assert sum("verification" in p for p in payloads) >= 1
    assert not any(OBAMA_ID in p or OBAMA_NAME in p for p in payloads)


@pytest.mark.parametrize("sql, expected", [
    ("DELETE FROM audit_log WHERE seq = 3", "removed: record(s) 3 missing"),
    ("UPDATE audit_log SET action = 'door_closed' WHERE action = 'door_opened'", "was changed"),
    ("UPDATE audit_log SET seq = seq + 100 WHERE seq IN (2, 3); "
     "UPDATE audit_log SET seq = 105 - seq WHERE seq > 100", "reordered"),
])
def test_tampering_with_the_resulting_store_is_found(audited_store, sql, expected):
    kiosk = audited_store
    with kiosk["store"].write() as conn:
        for statement in sql.split(";"):
            conn.execute(statement)
    result = verify(kiosk)
    assert result.returncode == 1 and expected in result.stdout, result.stdout + result.stderr
    assert "BROKEN" in result.stderr


def test_the_kiosk_assembly_wires_the_trail(tmp_path):
    """kiosk.app.build_kiosk: the runtime, the payment journal, the flows' printers and the fleet commands all report
    to one trail; the configuration's hash is recorded once per change, at start and after a fleet reload."""
    from config import load_config
    from gateway.testing import LiveGateway
    from kiosk.app import build_kiosk
    from kiosk.audit_trail import AuditedPrinter
    from tests.kiosk_config import write_kiosk_config

    with LiveGateway(tmp_path / "gateway") as gateway:
        path = write_kiosk_config(tmp_path, gateway=gateway, extra={
            "devices": {"document_printer": {"enabled": True, "output_dir": str(tmp_path / "proofs")}}})
        config = load_config(path, env={})
        for run in range(2):
            kiosk = build_kiosk(config, config_path=path)
            try:
                trail = kiosk.runtime.audit_trail
                audit = kiosk.offline.store.audit
                services = kiosk.runtime.flows["payment"].services
                assert isinstance(trail, AuditTrail) and trail.log is audit
                assert services.payment_journal.audit == trail.journal_hook
                assert isinstance(services.document_printer, AuditedPrinter)
                changes = [e for e in audit.entries() if e.action == "config_changed"]
                assert len(changes) == 1, "the same configuration on the next start is not recorded again"
            finally:
                kiosk.stop()
        path.write_text(path.read_text(encoding="utf-8") + "\n[session]\nidle_timeout_s = 90\n", encoding="utf-8")
        kiosk = build_kiosk(config, config_path=path)
        try:
            assert kiosk.fleet is not None
            kiosk.fleet.handlers.reload_config()
            audit = kiosk.offline.store.audit
            reloads = [e.details for e in audit.entries() if e.action == "config_changed"]
            assert [r["reason"] for r in reloads] == ["start", "reload"]
            assert reloads[1]["previous_sha256"] == reloads[0]["sha256"] != reloads[1]["sha256"]
            assert {"kind": "reload_config", "ok": True} in [e.details for e in audit.entries()
                                                            if e.action == "fleet_command"]
        finally:
            kiosk.stop()


def test_every_door_the_sensors_see_open_is_recorded_whoever_opened_it(kiosk):
    """A Kerong lock board simulator on a real pty: a commanded opening and a forced one both show in the chain."""
    from peripherals.locker import Compartment, LockController, LockerBank, make_protocol, make_simulator

    sim = make_simulator("kerong", (0,)).start()
    controller = LockController(sim.path, make_protocol("kerong"), (0,), reply_timeout_s=0.25, retries=4,
                                confirm_s=0.3, backoff_s=0.02)
    try:
        bank = LockerBank(controller, [Compartment("A01", 0, 1), Compartment("A02", 0, 2)])
        controller.add_listener(kiosk["trail"].door_listener(bank))
        controller.poll_once()  # the first reading: nothing has changed yet
        assert bank.open("A01").opened
        controller.poll_once()
        sim.close_door(0, 1)
        sim.locks[(0, 2)].closed = False  # pried open: no command was sent
        controller.poll_once()
    finally:
        controller.close()
        sim.stop()
    doors = [e.details for e in kiosk["offline"].audit.entries() if e.action == "door_sensor"]
    assert doors == [{"compartment": "A01", "door_closed": False, "item_present": False},
                     {"compartment": "A01", "door_closed": True, "item_present": False},
                     {"compartment": "A02", "door_closed": False, "item_present": False}]


def test_odd_values_are_written_as_text_and_an_oversized_record_does_not_hold_back_the_rest(kiosk):
    import datetime as dt

    trail, offline = kiosk["trail"], kiosk["offline"]
    assert trail.record("blanks_loaded", {"on": dt.date(2026, 11, 23), "count": 50})
    assert trail.record("oversized", {"blob": "x" * 1_000_000}) is True  # refused by the outbox: dropped, logged
    assert trail.record("door_opened", {"compartment": "A01"})
    entries = offline.audit.entries()
    assert [e.action for e in entries] == ["blanks_loaded", "door_opened"]
    assert entries[0].details == {"on": "2026-11-23", "count": 50}
    assert trail.waiting == 0 and trail.problem is None
    assert offline.audit.verify().ok, "the refused record left no gap in the chain"

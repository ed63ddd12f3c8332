"""Maintenance mode's core: staff card or QR plus PIN against scrypt hashes, lockout, counters, self-tests."""
from __future__ import annotations

import datetime as dt
import io
import logging

import pytest

from config.schema import FleetConfig
from kiosk import events as ev
from kiosk.maintenance import (Counters, MaintenanceLocked, RecentErrors, SelfTests, StaffGate, hash_secret, main,
                               maintenance_event, verify_secret)
from kiosk.session import Session, State
from tests.fakes import Clock

STAFF_CARD = "110105196108041235"
STAFF_QR = "STAFF-7F3A-2291"


@pytest.fixture(scope="module")
def fleet_config():
    return FleetConfig(staff=[{"staff_id": "s-017", "card_hash": hash_secret(STAFF_CARD),
                               "pin_hash": hash_secret("4826")},
                              {"staff_id": "s-020", "qr_hash": hash_secret(STAFF_QR), "pin_hash": hash_secret("9911")}],
                       pin_max_failures=3, pin_lockout_s=60)


def test_card_plus_pin_grants_maintenance_and_the_session_enters_it(fleet_config):
    gate = StaffGate.from_config(fleet_config)
    assert gate.present_card(STAFF_CARD).message_key == "enter_pin"
    outcome = gate.enter_pin("4826")
    assert outcome.ok and outcome.staff_id == "s-017"
    session = Session(["case_status"], [])
    session.handle(maintenance_event(outcome))
    assert session.state == State.MAINTENANCE and session.staff_id == "s-017"
    session.handle(ev.MaintenanceExited())
    assert session.state == State.ATTRACT


def test_qr_plus_pin_and_the_wrong_pairing_is_refused(fleet_config):
    gate = StaffGate.from_config(fleet_config)
    gate.present_qr(STAFF_QR)
    assert gate.enter_pin("4826").message_key == "wrong_pin"  # another staff member's PIN
    gate.present_qr(STAFF_QR)
    assert gate.enter_pin("9911").staff_id == "s-020"


def test_an_applicant_card_or_unknown_code_is_not_a_credential(fleet_config):
    gate = StaffGate.from_config(fleet_config)
    assert gate.present_card("11010519491231002X").message_key == "not_staff_credential"
    assert gate.enter_pin("4826").message_key == "present_credential_first"
    assert gate.present_qr("PK1.abc.def").message_key == "not_staff_credential"


def test_wrong_pins_lock_entry_for_a_while(fleet_config):
    clock = Clock()
    gate = StaffGate.from_config(fleet_config, clock=clock)
    for _ in range(2):
        gate.present_card(STAFF_CARD)
        assert gate.enter_pin("0000").message_key == "wrong_pin"
    gate.present_card(STAFF_CARD)
    with pytest.raises(MaintenanceLocked, match=r"maintenance entry locked for 60 s"):
        gate.enter_pin("abc")
    with pytest.raises(MaintenanceLocked, match=r"maintenance entry locked for 60 s"):
        gate.present_card(STAFF_CARD)  # even the right PIN must wait
    clock.now += 61
    gate.present_card(STAFF_CARD)
    assert gate.enter_pin("4826").ok


def test_config_holds_only_hashes_and_refuses_clear_text():
    with pytest.raises(ValueError, match=r"(?s)staff\.0\.qr_hash\n\s+String should match pattern '\^scrypt.*"
                                         r"staff\.0\.pin_hash\n\s+String should match pattern '\^scrypt"):
        FleetConfig(staff=[{"staff_id": "s1", "qr_hash": "STAFF-1", "pin_hash": "1234"}])
    with pytest.raises(ValueError, match=r"staff\.0\n\s+Value error, a staff member needs a card_hash or a qr_hash"):
        FleetConfig(staff=[{"staff_id": "s1", "pin_hash": hash_secret("1234")}])  # no card, no QR
    assert not verify_secret("1234", "scrypt$16384$8$1$!!$!!")


def test_hash_secret_command_reads_stdin(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("2468\n"))
    assert main(["hash-secret"]) == 0
    assert verify_secret("2468", capsys.readouterr().out.strip())
    assert main([]) == 1


def test_counters_persist_and_jobs_reset_each_day(tmp_path):
    day = [dt.date(2026, 11, 23)]
    counters = Counters(tmp_path / "counters.json", today=lambda: day[0])
    counters.load_blanks(50)
    counters.record_job("receipt", paper_mm=120)
    counters.record_job("certificate", blanks=1)
    again = Counters(tmp_path / "counters.json", today=lambda: day[0]).snapshot()
    assert again["blanks_left"] == 49 and again["paper_used_mm"] == 120 and again["jobs_today_total"] == 2
    day[0] = dt.date(2026, 11, 24)
    assert counters.snapshot()["jobs_today"] == {}
    counters.load_paper()
    assert counters.snapshot()["paper_used_mm"] == 0
    with pytest.raises(ValueError, match=r"a blank-certificate count is 0-10000"):
        counters.load_blanks(-1)


def test_self_tests_report_pass_fail_and_missing():
    tests = SelfTests()
    tests.add("receipt_printer", lambda: "test page printed")
    tests.add("card_reader", lambda: (False, "no card on the reader"))

    def camera():
        raise OSError("camera 110105196108041235 gone")
    tests.add("camera", camera)
    assert tests.run("receipt_printer").ok
    assert tests.run("card_reader").detail == "no card on the reader"
    failed = tests.run("camera")
    assert not failed.ok and "110105196108041235" not in failed.detail
    assert tests.run("locker").detail == "no such test"


def test_recent_errors_are_masked():
    handler = RecentErrors(capacity=2)
    log = logging.getLogger("test.maintenance")
    log.addHandler(handler)
    try:
        log.warning("read failed for %s", STAFF_CARD)
        log.info("not kept")
    finally:
        log.removeHandler(handler)
    assert handler.last() == "read failed for 1101**********1235"


def test_receipt_self_test_prints_on_the_simulator_and_fails_without_paper(tmp_path):
    from peripherals.printer.receipt import ReceiptPrinter
    from peripherals.printer.simulator import ReceiptPrinterSimulator
    from kiosk.maintenance import receipt_test_page

    sim = ReceiptPrinterSimulator(link=tmp_path / "receipt-printer", paper_lines=500)
    sim.start()
    printer = ReceiptPrinter(f"serial:{sim.path}", timeout_s=0.5, poll_interval_s=0.2)
    try:
        tests = SelfTests({"receipt_printer": receipt_test_page(printer, "demo-hall-01", "0.1.0")})
        result = tests.run("receipt_printer")
        assert result.ok and result.detail == "test page: success"
        assert sim.wait_for_receipts(1) and "TEST PAGE".encode() in sim.receipts[0]
        sim.run_out_of_paper()
        failed = tests.run("receipt_printer")
        assert not failed.ok and failed.detail == "test page: no_media"
    finally:
        printer.stop()
        sim.stop()


def test_counters_feed_the_heartbeat_stock(tmp_path):
    from kiosk.maintenance import MaintenanceDesk, stock_provider

    counters = Counters(tmp_path / "c.json")
    counters.load_blanks(12)
    counters.record_job("certificate", blanks=2, paper_mm=0)
    with_blanks = MaintenanceDesk(device_rows=list, counters=counters)
    without = MaintenanceDesk(device_rows=list, counters=counters, blanks_kept=False)
    try:
        assert stock_provider(with_blanks)() == {"blank_certificates": 10, "paper_used_mm": 0, "jobs_today": 1,
                                                 "paper_loaded_at": None}
        assert "blank_certificates" not in stock_provider(without)(), "no certificate printer, no blank stock"
    finally:
        with_blanks.close()
        without.close()

"""The maintenance desk without a screen: device rows and their tests, supplies (the real blank ledger), a staff
deposit and a door test on the real Kerong lock-board simulator with the real gateway issuing the pickup code, jobs
counted from the session's views; nothing personal is ever kept unmasked."""
from __future__ import annotations

import os
import threading
import time
from types import SimpleNamespace

import pytest
from hypothesis import given, settings, strategies as st

from kiosk import events as ev
from kiosk.documents.ledger import BlankLedger
from kiosk.maintenance import Counters, MaintenanceDesk, SelfTests, mask_code
from kiosk.session import Session
from tests.waiting import wait_for

OBAMA = "110105196108041235"


def finished(desk, name):
    return wait_for(lambda: (a := desk.snapshot()["actions"].get(name)) and not a["running"] and a, what=name)


ROWS = [{"name": "card_reader", "status": "online", "reason": "", "usable": True},
        {"name": "scanner", "status": "disabled", "reason": "", "usable": False},
        {"name": "receipt_printer", "status": "media_out", "reason": "paper_out", "usable": False},
        {"name": "camera", "status": "online", "reason": "", "usable": True},
        {"name": "locker", "status": "disabled", "reason": "", "usable": False}]


@pytest.fixture
def desk(tmp_path):
    tests = SelfTests()
    tests.add("receipt_printer", lambda: (False, "test page: no_media"))
    made = MaintenanceDesk(device_rows=lambda: [dict(r) for r in ROWS], counters=Counters(tmp_path / "c.json"),
                           tests=tests, outbox_depth=lambda: 3, online=lambda: False, kiosk_id="k-1",
                           staff_id=lambda: "s-017")
    yield made
    made.close()


def test_each_device_row_offers_its_test(desk):
    rows = {r["name"]: r for r in desk.snapshot()["devices"]}
    assert rows["card_reader"]["test"] == "run" and rows["receipt_printer"]["test"] == "run"
    assert rows["camera"]["test"] == "page:camera"
    assert rows["scanner"]["test"] is None and rows["locker"]["test"] is None, "absent devices offer no test"
    snap = desk.snapshot()
    assert snap["outbox_depth"] == 3 and snap["online"] is False and snap["kiosk_id"] == "k-1"


def test_a_failing_device_test_is_a_result_not_a_crash(desk):
    assert desk.run_test("receipt_printer")
    action = finished(desk, "test:receipt_printer")
    assert action["ok"] is False and action["message_key"] == "maint.failed" and "no_media" in action["detail"]
    desk.tests.add("boom", lambda: 1 / 0)
    desk.run_test("boom")
    assert "ZeroDivisionError" in finished(desk, "test:boom")["detail"]


def test_card_and_code_tests_keep_only_masked_values(desk):
    desk.run_test("card_reader")
    assert desk.snapshot()["actions"]["test:card_reader"]["message_key"] == "maint.place_card"
    desk.on_card(SimpleNamespace(name="欧阳明", id_number=OBAMA))
    desk.on_code("PK1.eyJjaWQiOiJjLTAwMDEifQ.c2lnbmF0dXJl")
    snap = desk.snapshot()
    assert snap["card"]["id_number"] == "1101**********1235" and snap["card"]["name"] == "欧**"
    assert snap["actions"]["test:card_reader"]["ok"] is True
    assert OBAMA not in repr(vars(desk)) and "欧阳明" not in repr(vars(desk))
    assert "eyJjaWQiOiJjLTAwMDEifQ" not in repr(snap)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_mask_code_never_shows_most_of_a_code(code):
    masked = mask_code(code)
    stripped = code.strip()
    shown = sum(1 for c in masked if c != "*")
    assert shown <= 8 and shown <= len(stripped) // 3


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_any_scanned_text_is_taken_without_error(code):
    desk = MaintenanceDesk(device_rows=lambda: [])
    try:
        desk.on_code(code)
        assert desk.snapshot()["code"] == mask_code(code.strip())
    finally:
        desk.close()


def test_blank_stack_loaded_into_the_ledger_from_typed_and_scanned_serials(tmp_path):
    ledger = BlankLedger(tmp_path / "ledger.sqlite3")
    desk = MaintenanceDesk(device_rows=lambda: [], ledger=ledger, staff_id=lambda: "s-017")
    try:
        desk.on_code("A00012301")
        assert desk.snapshot()["blank_fields"]["first"] == "", "only while the supplies page asks for serials"
        desk.scan_for("blanks")
        desk.on_code("A00012301")  # the first blank's barcode fills the first field...
        for key in "12":  # ...the last is typed (digits only on the pad): a wrong one first
            desk.type_blank(key)
        desk.load_blanks()
        refused = finished(desk, "load_blanks")
        assert refused["ok"] is False and refused["message_key"] == "maint.blanks_refused"
        assert ledger.counts().loaded == 0, "a refused stack changes nothing"
        desk.type_blank("clear")
        desk.on_code("A00012350")
        assert desk.snapshot()["blank_fields"] == {"first": "A00012301", "last": "A00012350"}
        desk.load_blanks()
        assert finished(desk, "load_blanks")["message_key"] == "maint.blanks_loaded"
        snap = desk.snapshot()
        assert snap["blanks"]["remaining"] == 50 and snap["blanks"]["next_serial"] == "A00012301"
        assert snap["blank_fields"] == {"first": "", "last": ""}
        desk.on_code("A00012301")
        desk.on_code("A00012310")
        desk.load_blanks()
        again = finished(desk, "load_blanks")
        assert again["ok"] is False and "already" in again["detail"] and ledger.counts().loaded == 50
    finally:
        desk.close()
        ledger.close()


def test_jobs_today_are_counted_from_the_session(tmp_path):
    desk = MaintenanceDesk(device_rows=lambda: [], counters=Counters(tmp_path / "c.json"))
    session = Session(["case_status"], [])
    session.subscribe(desk.on_view)
    try:
        session.handle(ev.CardRead(SimpleNamespace(name="欧阳明", id_number=OBAMA, expired=False)))
        session.handle(ev.IdentityVerified("card_only_demo"))
        session.handle(ev.ServiceChosen("case_status"))
        session.handle(ev.FlowFinished("finished"))
        session.handle(ev.BackRequested())
        session.handle(ev.ServiceChosen("case_status"))
        session.handle(ev.CancelRequested())  # cancelled mid-flow: not a job done
        counters = desk.snapshot()["counters"]
        assert counters["jobs_today"] == {"case_status": 1} and counters["jobs_today_total"] == 1
    finally:
        desk.close()



def test_a_job_that_cannot_be_counted_says_why_without_the_path(tmp_path, caplog):
    import errno

    class FullDisk(Counters):
        def _save(self):
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "c.tmp"))

    desk = MaintenanceDesk(device_rows=lambda: [], counters=FullDisk(tmp_path / "c.json"))
    session = Session(["case_status"], [])
    session.subscribe(desk.on_view)
    try:
        session.handle(ev.CardRead(SimpleNamespace(name="欧阳明", id_number=OBAMA, expired=False)))
        session.handle(ev.IdentityVerified("card_only_demo"))
        session.handle(ev.ServiceChosen("case_status"))
        with caplog.at_level("ERROR", logger="kiosk.maintenance.desk"):
            session.handle(ev.FlowFinished("finished"))
        messages = [r.getMessage() for r in caplog.records]
        assert messages == ["could not count a job (disk full)"]  # the heartbeat's last error says why
        assert str(tmp_path) not in messages[0]
    finally:
        desk.close()

# -- the locker: a staff deposit and a door test on the real lock-board simulator, the real gateway ------------------
@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    from gateway.testing import LiveGateway

    with LiveGateway(tmp_path_factory.mktemp("gateway")) as gw:
        yield gw


@pytest.fixture
def locker(tmp_path, gateway):
    from kiosk.pickup.ledger import PickupLedger
    from kiosk.pickup.service import LockerService
    from kiosk.platform_client import PlatformClient
    from offline_cache.sealing import Sealer
    from peripherals.locker import Compartment, KerongSimulator, LockController, LockerBank, make_protocol

    client = PlatformClient(gateway.base_url, gateway.api_key("demo-locker-01"), kiosk_id="demo-locker-01")
    with KerongSimulator((0,)) as sim:
        ctl = LockController(sim.path, make_protocol("kerong"), (0,), reply_timeout_s=0.15, confirm_s=0.3)
        bank = LockerBank(ctl, [Compartment("A01", 0, 1, "small"), Compartment("A02", 0, 2, "medium")])
        ledger = PickupLedger(tmp_path / "pickup.db", Sealer(os.urandom(32)))
        service = LockerService(bank, ledger, record_pickup=lambda *a: None, deposit_api=client.deposit,
                                door_close_timeout_s=3, poll_s=0.02)
        try:
            yield SimpleNamespace(bank=bank, service=service, controller=ctl), sim
        finally:
            ledger.close()
            ctl.close()
            client.close()


def ready_case(gateway) -> str:
    from kiosk.platform_client import PlatformClient

    hall = PlatformClient(gateway.base_url, gateway.api_key("demo-hall-01"), kiosk_id="demo-hall-01")
    try:
        token = hall.issue_applicant_token(OBAMA, "card_only_demo", None)
        return next(c.case_id for c in hall.list_cases(token) if c.status == "certificate_ready")
    finally:
        hall.close()


def staff_puts_in(sim, board, lock):
    def run():
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and sim.door_closed(board, lock):
            time.sleep(0.01)
        time.sleep(0.1)
        sim.add_item(board, lock)
        sim.close_door(board, lock)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_deposit_the_scanned_case_and_open_a_chosen_door(tmp_path, gateway, locker):
    parts, sim = locker
    desk = MaintenanceDesk(device_rows=lambda: [], counters=Counters(tmp_path / "c.json"), locker=lambda: parts)
    try:
        assert [c["label"] for c in desk.snapshot()["compartments"]] == ["A01", "A02"]
        assert desk.deposit("medium") is False, "no case scanned yet"
        assert desk.snapshot()["actions"]["deposit"]["message_key"] == "maint.scan_case_first"
        case_id = ready_case(gateway)
        desk.scan_for("deposit")
        desk.on_code(f"https://kiosk.example.cn/cases/{case_id}")  # the acceptance notice's QR names the case
        assert desk.snapshot()["deposit_case"] == case_id
        staff = staff_puts_in(sim, 0, 2)
        assert desk.deposit("medium")
        action = finished(desk, "deposit")
        staff.join(5)
        assert action["ok"] is True and action["message_key"] == "maint.deposit.deposited"
        assert action["detail"] == "A02"
        snap = desk.snapshot()
        assert snap["counters"]["locker_deposits_loaded"] == 1 and snap["deposit_case"] is None

        sim.unlocked.clear()
        desk.open_door("A01")
        door = finished(desk, "open_door")
        assert door["ok"] is True and door["detail"] == "A01" and sim.unlocked == [(0, 1)]
    finally:
        desk.close()


def test_receipts_printed_count_as_paper_used(tmp_path):
    from kiosk.maintenance import CountedReceiptPrinter
    from peripherals.printer.layout import Cut, Text
    from peripherals.printer.receipt import ReceiptPrinter
    from peripherals.printer.simulator import ReceiptPrinterSimulator

    sim = ReceiptPrinterSimulator(link=tmp_path / "receipt-printer", paper_lines=500).start()
    printer = ReceiptPrinter(f"serial:{sim.path}", timeout_s=0.5, poll_interval_s=0.1)
    printer.start()
    counters = Counters(tmp_path / "c.json")
    counted = CountedReceiptPrinter(printer, counters)
    try:
        assert counted.name == printer.name, "everything else is the printer itself"
        assert counted.print_elements([Text(f"line {i}") for i in range(10)] + [Cut()]).value == "success"
        used = counters.snapshot()["paper_used_mm"]
        assert 10 * 3 <= used <= 10 * 6 + 40
        sim.run_out_of_paper()
        printer.refresh_status()
        assert counted.print_elements([Text("more"), Cut()]).value != "success"
        assert counters.snapshot()["paper_used_mm"] == used, "a receipt not printed used no paper"
        assert counters.snapshot()["jobs_today_total"] == 0, "a receipt is part of a job, not one of its own"
    finally:
        printer.stop()
        sim.stop()


def test_a_desk_action_from_the_session_runs_and_posts_what_the_pages_show(tmp_path):
    from kiosk.maintenance.session_part import RunDeskAction

    desk = MaintenanceDesk(device_rows=lambda: [], counters=Counters(tmp_path / "c.json"))
    posted = []
    try:
        for action in ("blank_field:last", "blank_key:4", "blank_key:2", "blank_key:back", "no_such_action:x"):
            desk.perform(RunDeskAction(action), posted.append)
        assert [type(e) for e in posted] == [ev.MaintenanceDeskChanged] * 5
        last = posted[-1].snapshot
        assert last["blank_field"] == "last" and last["blank_fields"] == {"first": "", "last": "4"}
        desk.perform(RunDeskAction("scan_for:deposit"), posted.append)
        assert desk.scan_target == "deposit"
        desk.perform(RunDeskAction("scan_for:"), posted.append)
        assert desk.scan_target is None
    finally:
        desk.close()

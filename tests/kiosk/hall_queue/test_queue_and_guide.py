"""Queue tickets and the service guide without an ID card: the session's parts against a real gateway on loopback
and a real receipt printer driver over a pty to its simulator; the printed ticket and slip read back."""
from __future__ import annotations

import dataclasses

import pytest

from gateway.settings import GatewaySettings
from gateway.testing import LiveGateway
from kiosk import events as ev
from kiosk.guide import entry, load
from kiosk.guide import events as gev
from kiosk.guide.printer import GuideSlipPrinter
from kiosk.guide.session_part import PrintGuideSlip
from kiosk.hall_queue import events as qev
from kiosk.hall_queue.desk import QueueDesk
from kiosk.hall_queue.session_part import IssueQueueTicket
from kiosk.platform_client import PlatformClient
from kiosk.runtime import Runtime
from kiosk.session import Session, State
from peripherals.printer.receipt import ReceiptPrinter
from peripherals.printer.simulator import ReceiptPrinterSimulator
from tests.waiting import wait_for

OFFICE = "演示不动产登记中心"


@pytest.fixture
def hall(tmp_path):
    sim = ReceiptPrinterSimulator(link=tmp_path / "receipt-printer")
    sim.start()
    printer = ReceiptPrinter(f"serial:{sim.path}", timeout_s=0.5, poll_interval_s=0.1)
    printer.start()
    gateway = LiveGateway(tmp_path, settings=dataclasses.replace(GatewaySettings())).start()
    client = PlatformClient(gateway.base_url, gateway.api_key("demo-hall-01"), timeout_s=5, retries=0)
    runtime = Runtime(Session(["case_status"], identity_method="card_only_demo"), client, tick_s=0.1, handlers={
        IssueQueueTicket: QueueDesk(client, printer, OFFICE, "demo-hall-01").issue,
        PrintGuideSlip: GuideSlipPrinter(printer, OFFICE).print_slip})
    runtime.start()
    try:
        yield runtime, sim
    finally:
        runtime.stop()
        client.close()
        gateway.stop()
        printer.stop()
        sim.stop()


def view(runtime):
    return runtime.session.view()


def test_an_enquiry_ticket_without_an_id_card_is_printed_and_read_back(hall):
    runtime, sim = hall
    runtime.post(ev.StartRequested())
    runtime.post(qev.QueueRequested())
    wait_for(lambda: view(runtime).state == State.QUEUE, what="the queue screen")
    runtime.post(qev.QueueBusinessChosen("enquiry"))
    v = wait_for(lambda: (v := view(runtime)).queue_page == "ticket" and v, what="the ticket")
    assert v.queue_printed and v.queue_ticket["number"] == "D001" and v.queue_ticket["waiting_ahead"] == 0
    assert sim.wait_for_receipts(1, 10)
    printed = sim.receipts[0]
    for text in ("排队号", "D001", "咨询", "前面等候", "0人", "一楼咨询台", OFFICE):
        assert text.encode("gb18030") in printed, text
    runtime.post(ev.CancelRequested())
    wait_for(lambda: view(runtime).state == State.ATTRACT, what="back at the start")
    runtime.post(qev.QueueRequested())  # from the start screen too, and the next one waits behind the first
    wait_for(lambda: view(runtime).state == State.QUEUE, what="the queue screen")
    runtime.post(qev.QueueBusinessChosen("enquiry"))
    v = wait_for(lambda: (v := view(runtime)).queue_page == "ticket" and v, what="the second ticket")
    assert (v.queue_ticket["number"], v.queue_ticket["waiting_ahead"]) == ("D002", 1)
    assert sim.wait_for_receipts(2, 10) and "1人".encode("gb18030") in sim.receipts[1]
    assert runtime.session.holds_no_personal_data()


def test_an_appointment_qr_scanned_at_the_start_checks_in(hall):
    runtime, sim = hall
    runtime.post(ev.CodeScanned("APPT1:DEMO-4"))
    v = wait_for(lambda: (v := view(runtime)).queue_page == "ticket" and v, what="the appointment's ticket")
    assert v.queue_ticket["appointment"] and v.queue_ticket["number"] == "Y001"
    assert sim.wait_for_receipts(1, 10) and "预约签到".encode("gb18030") in sim.receipts[0]
    runtime.post(ev.CodeScanned("APPT1:NOSUCH-1"))
    v = wait_for(lambda: (v := view(runtime)).queue_message == "appointment_unknown" and v, what="the refusal")
    assert v.queue_page == "choose"


def test_the_guide_is_read_and_printed_in_the_applicants_language(hall):
    runtime, sim = hall
    runtime.post(ev.StartRequested())
    runtime.post(ev.LanguageChanged("en"))
    runtime.post(gev.GuideRequested())
    wait_for(lambda: view(runtime).state == State.GUIDE, what="the guide")
    runtime.post(gev.GuideBusinessChosen("transfer"))
    runtime.post(gev.GuidePrintRequested())
    wait_for(lambda: view(runtime).guide_message == "guide.printed", what="the slip printed")
    assert sim.wait_for_receipts(1, 10)
    slip = sim.receipts[0]
    guide = entry("transfer", "en")
    for text in (guide["name"], guide["materials"][0], guide["fees"].split(";")[0], "Service guide"):
        assert text.encode("gb18030") in slip, text
    runtime.post(ev.BackRequested())
    wait_for(lambda: view(runtime).guide_page == "list", what="the list again")
    runtime.post(ev.BackRequested())
    wait_for(lambda: view(runtime).state == State.ATTRACT, what="the guide left")


def test_every_business_in_the_guide_file_has_both_languages():
    businesses = load()
    assert {"transfer", "mortgage", "certificate"} <= set(businesses)
    for business in businesses:
        zh, en = entry(business, "zh_CN"), entry(business, "en")
        assert len(zh["materials"]) == len(en["materials"]) > 0
        assert zh["fees"] != en["fees"] and zh["time_limit"] and en["time_limit"]

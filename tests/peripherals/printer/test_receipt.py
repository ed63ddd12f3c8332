"""The receipt printer device over a real pty to the simulator: printing, status, faults, reconnect, session."""

from kiosk import events as ev
from kiosk.documents.receipts import sample_payment_receipt
from kiosk.session import Session
from peripherals.printer.commands import build_job
from peripherals.printer.layout import Cut, Text
from peripherals.status import CompletionCode, DeviceStatus, StatusChanged
from tests.waiting import wait_for


def test_prints_the_exact_job_and_the_simulator_records_one_receipt(printer_sim, receipt_printer):
    elements = sample_payment_receipt()
    assert receipt_printer.print_elements(elements) == CompletionCode.SUCCESS
    assert printer_sim.wait_for_receipts(1)
    assert printer_sim.receipts[0] == build_job(elements)
    assert receipt_printer.status == DeviceStatus.ONLINE
    assert printer_sim.status_queries >= 8  # four DLE EOT before the job and four after


def test_paper_near_end_is_media_low_and_still_prints(printer_sim, receipt_printer):
    printer_sim.load_paper(30)
    assert receipt_printer.refresh_status() == DeviceStatus.MEDIA_LOW
    assert receipt_printer.print_elements([Text("A"), Cut()]) == CompletionCode.SUCCESS


def test_running_out_of_paper_mid_receipt_is_reported_not_silent(printer_sim, receipt_printer):
    events = []
    receipt_printer.add_listener(events.append)
    printer_sim.load_paper(5)
    code = receipt_printer.print_elements(sample_payment_receipt())
    assert code == CompletionCode.NO_MEDIA
    assert receipt_printer.status == DeviceStatus.MEDIA_OUT
    assert printer_sim.receipts == [] and printer_sim.discarded > 0
    assert [e.status for e in events if isinstance(e, StatusChanged)][-1] == DeviceStatus.MEDIA_OUT


def test_no_paper_means_nothing_is_sent(printer_sim, receipt_printer):
    printer_sim.run_out_of_paper()
    assert receipt_printer.print_elements([Text("A"), Cut()]) == CompletionCode.NO_MEDIA
    assert printer_sim.printed == b"" and printer_sim.discarded == 0


def test_cover_open_is_a_hardware_error_and_jammed_cutter_is_jammed(printer_sim, receipt_printer):
    printer_sim.cover_open = True
    assert receipt_printer.refresh_status() == DeviceStatus.HARDWARE_ERROR
    printer_sim.cover_open = False
    printer_sim.cutter_jammed = True
    assert receipt_printer.refresh_status() == DeviceStatus.JAMMED
    printer_sim.cutter_jammed = False
    assert receipt_printer.refresh_status() == DeviceStatus.ONLINE


def test_no_answer_is_offline_and_garbage_is_offline(printer_sim, receipt_printer):
    printer_sim.silent = True
    assert receipt_printer.refresh_status() == DeviceStatus.OFFLINE
    assert receipt_printer.print_elements([Text("A")]) == CompletionCode.HARDWARE_ERROR
    printer_sim.silent = False
    printer_sim.garbage_status = True
    assert receipt_printer.refresh_status() == DeviceStatus.OFFLINE
    printer_sim.garbage_status = False
    assert receipt_printer.refresh_status() == DeviceStatus.ONLINE


def test_unplug_and_plug_back_reconnects_through_the_stable_name(printer_sim, receipt_printer):
    receipt_printer.start()
    assert wait_for(lambda: receipt_printer.status == DeviceStatus.ONLINE)
    printer_sim.unplug()
    assert wait_for(lambda: receipt_printer.status == DeviceStatus.OFFLINE)
    printer_sim.plug()
    assert wait_for(lambda: receipt_printer.status == DeviceStatus.ONLINE)
    assert receipt_printer.print_elements([Text("back"), Cut()]) == CompletionCode.SUCCESS
    assert printer_sim.wait_for_receipts(1)


def test_the_session_stops_offering_payment_when_the_paper_runs_out(printer_sim, receipt_printer):
    session = Session(["case_status", "payment", "proof"])

    def to_session(event):  # what the runtime's device bridge does with a StatusChanged
        if isinstance(event, StatusChanged):
            session.handle(ev.DeviceStatusChanged(event.device, event.status.usable, event.status.value))

    receipt_printer.add_listener(to_session)
    receipt_printer.start()
    assert wait_for(lambda: receipt_printer.status == DeviceStatus.ONLINE)
    assert "payment" in session.available_services()
    printer_sim.run_out_of_paper()
    assert wait_for(lambda: "payment" not in session.available_services())
    assert "case_status" in session.available_services()
    printer_sim.load_paper(None)
    assert wait_for(lambda: "payment" in session.available_services())


def test_built_from_the_site_config(printer_sim):
    from config.schema import ReceiptPrinterConfig
    from peripherals.printer.receipt import ReceiptPrinter
    config = ReceiptPrinterConfig(url=f"serial:{printer_sim.path}", paper_width_mm=58, native_qr=False,
                                  chinese_mode_command=False, timeout_s=0.5)
    printer = ReceiptPrinter.from_config(config)
    try:
        assert printer.name == "receipt_printer" and printer.refresh_status() == DeviceStatus.ONLINE
        assert printer.print_elements([Text("收据"), Cut()]) == CompletionCode.SUCCESS
        assert printer_sim.wait_for_receipts(1)
        assert printer_sim.receipts[0] == b"\x1b@\xca\xd5\xbe\xdd\n\x1dVB\x00"  # no FS & when configured off
    finally:
        printer.stop()


def test_invalid_content_is_refused_before_anything_is_sent(printer_sim, receipt_printer):
    from peripherals.printer.layout import QrCode
    assert receipt_printer.print_elements([QrCode("x" * 5000)]) == CompletionCode.INVALID_DATA
    assert receipt_printer.print_elements([Text("\ud800")]) == CompletionCode.INVALID_DATA
    assert printer_sim.received == b""

"""Document and certificate printers: a PDF to a directory (demo/tests) or to CUPS via lp; lpstat parsing."""
import re
import socket
import subprocess
import threading
import time
import uuid

import pytest
import zxingcpp
from pyzbar import pyzbar

from kiosk.documents.proofs import build_proof_pdf, sample_proof
from peripherals.printer.document import DocumentPrinter, parse_lpstat, safe_job_name
from peripherals.status import CompletionCode, DeviceStatus
from tests.kiosk.documents.test_proofs import rasterise


def test_saves_the_pdf_privately_under_its_job_name(tmp_path):
    printer = DocumentPrinter(output_dir=tmp_path / "out")
    pdf = build_proof_pdf("no_property", sample_proof("no_property"))
    assert printer.print_pdf(pdf, "proof-PF-1") == CompletionCode.SUCCESS
    saved = tmp_path / "out" / "proof-PF-1.pdf"
    assert saved.read_bytes() == pdf
    assert oct(saved.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["proof-PF-1.pdf"]  # no temporary left
    assert printer.status == DeviceStatus.ONLINE


def test_refuses_what_is_not_a_pdf_and_writes_nothing(tmp_path):
    printer = DocumentPrinter(output_dir=tmp_path)
    assert printer.print_pdf(b"hello", "x") == CompletionCode.INVALID_DATA
    assert list(tmp_path.iterdir()) == []


def test_unwritable_directory_is_offline(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    printer = DocumentPrinter(output_dir=blocker / "sub")
    assert printer.refresh_status() == DeviceStatus.OFFLINE


@pytest.mark.parametrize("name, safe", [("proof PF/1", "proof_PF_1"), ("../../etc/passwd", "etc_passwd"),
                                        ("", "document"), ("欧阳明", "document")])
def test_job_names_cannot_escape_or_carry_names(name, safe):
    assert safe_job_name(name) == safe


@pytest.mark.parametrize("code, out, status", [
    (0, "printer proofs is idle.  enabled since Mon 23 Nov 2026\n", DeviceStatus.ONLINE),
    (0, "printer proofs now printing proofs-12.  enabled since ...\n", DeviceStatus.BUSY),
    (0, "printer proofs disabled since Mon ... -\n\treason unknown\n", DeviceStatus.OFFLINE),
    (0, "printer proofs disabled since ... -\n\tmedia-empty-error\n", DeviceStatus.MEDIA_OUT),
    (0, "printer proofs is idle.  enabled since ...\n\tmedia-low-report\n", DeviceStatus.MEDIA_LOW),
    (1, "", DeviceStatus.OFFLINE),
])
def test_lpstat_states(code, out, status):
    assert parse_lpstat(code, out)[0] == status


LONG = ("printer proofs {state}\n\tForm mounted:\n\tContent types: any\n\tPrinter types: unknown\n"
        "\tDescription: proofs\n\tAlerts: {alerts}\n\tLocation: \n\tConnection: direct\n")


@pytest.mark.parametrize("state, alerts, expected", [
    ("is idle.  enabled since Mon Nov 23 06:41:35 2026", "none", (DeviceStatus.ONLINE, "")),
    ("is idle.  enabled since Mon Nov 23 06:41:35 2026", "media-empty-error", (DeviceStatus.MEDIA_OUT, "paper_out")),
    ("is idle.  enabled since Mon Nov 23 06:41:35 2026", "toner-low-report media-low-report",
     (DeviceStatus.MEDIA_LOW, "paper_low")),
    ("now printing proofs-3.  enabled since Mon Nov 23 06:41:35 2026", "media-jam-error",
     (DeviceStatus.JAMMED, "paper_jam")),
    ("is idle.  enabled since Mon Nov 23 06:41:35 2026", "door-open-error",
     (DeviceStatus.HARDWARE_ERROR, "cover_open")),
    ("is idle.  enabled since Mon Nov 23 06:41:35 2026", "offline-report", (DeviceStatus.OFFLINE, "printer_offline")),
    ("disabled since Mon Nov 23 06:41:35 2026 -\n\tpaper jam", "paused", (DeviceStatus.OFFLINE, "queue_disabled")),
    ("now printing proofs-4.  enabled since Mon Nov 23 06:41:35 2026", "toner-low-warning",
     (DeviceStatus.BUSY, "printing")),
])
def test_lpstat_long_listing_reads_the_printer_state_reasons(state, alerts, expected):
    """The layout of `lpstat -l -p` as CUPS 2.4 prints it; Alerts are the queue's IPP printer-state-reasons."""
    assert parse_lpstat(0, LONG.format(state=state, alerts=alerts)) == expected


def test_cups_queue_without_the_cups_client_fails_clearly(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no lp, no lpstat
    printer = DocumentPrinter(cups_queue="proofs")
    assert printer.refresh_status() == DeviceStatus.OFFLINE
    assert printer.print_pdf(b"%PDF-1.4 x", "job") == CompletionCode.HARDWARE_ERROR


def _queue(private_cups, name):
    return private_cups.add_queue(f"{name}-{uuid.uuid4().hex[:8]}")


def _jobs(private_cups, queue):
    not_done = private_cups._run("lpstat", "-W", "not-completed", "-o", queue).stdout.split()
    return private_cups.completed_jobs(queue), not_done


def test_a_proof_goes_through_a_real_cups_queue_to_its_device(private_cups, tmp_path):
    """cupsd runs its filter chain for a PDF printer; what reaches the device is a PDF job whose QR decodes."""
    target = _queue(private_cups, "proofs")
    queue = target.stem
    printer = DocumentPrinter(cups_queue=queue, cups_server=private_cups.server, timeout_s=10)
    assert printer.refresh_status() == DeviceStatus.ONLINE
    proof = sample_proof()
    code = printer.print_pdf(build_proof_pdf("property_record", proof), "proof PF-20261123-0001")
    assert code == CompletionCode.SUCCESS, private_cups.why_not_printed()
    assert printer.last_job.startswith(f"{queue}-")
    private_cups.wait_for_jobs(queue)
    assert private_cups.completed_jobs(queue) == [printer.last_job]
    device_bytes = target.read_bytes()
    # The Generic PDF Printer driver wraps the document in a PJL job, as a network office printer receives it.
    assert device_bytes.startswith(b"\x1b%-12345X@PJL") and b"ENTER LANGUAGE = PDF" in device_bytes
    pdf = device_bytes[device_bytes.index(b"%PDF-"):device_bytes.rindex(b"%%EOF") + 5]
    page = rasterise(pdf, tmp_path)
    assert [r.text for r in zxingcpp.read_barcodes(page)] == [proof["verify_url"]]
    assert [r.data.decode() for r in pyzbar.decode(page)] == [proof["verify_url"]]
    (tmp_path / "out.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "out.pdf"), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout
    assert proof["verification_code"] in text and "不动产登记资料查询结果证明" in text
    size = subprocess.run(["pdfinfo", str(tmp_path / "out.pdf")], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    # With PreserveJobFiles No (cupsd.py; CUPS would keep it a day) no copy of the holder's proof stays behind.
    assert not list((private_cups.root / "spool").glob("d*-*")), "the document stays in the spool"
    # Printed on A4, not rescaled to the driver's default Letter.
    assert re.search(r"Page size: +595(\.\d+)? x 84[12](\.\d+)? pts \(A4\)", size)


def test_a_document_the_printer_driver_rejects_is_not_reported_printed(private_cups):
    queue = _queue(private_cups, "broken").stem
    printer = DocumentPrinter(cups_queue=queue, cups_server=private_cups.server, timeout_s=10)
    code = printer.print_pdf(b"%PDF-1.4 not really a PDF", "p")
    assert code == CompletionCode.HARDWARE_ERROR, private_cups.why_not_printed()
    assert _jobs(private_cups, queue) == ([printer.last_job], [])  # ended, with errors (pdftopdf refused it)


def _unreachable_printer_queue(private_cups, name):
    """A queue whose device is an AppSocket (port 9100 style) printer that does not answer: the job stays printing."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: connections are refused
    return _queue_with(private_cups, name, f"socket://127.0.0.1:{port}")


def _queue_with(private_cups, name, uri):
    queue = f"{name}-{uuid.uuid4().hex[:8]}"
    private_cups.add_queue(queue, uri)
    return queue


def test_a_job_that_does_not_print_in_time_is_cancelled(private_cups):
    queue = _unreachable_printer_queue(private_cups, "unreachable")
    printer = DocumentPrinter(cups_queue=queue, cups_server=private_cups.server, timeout_s=10, job_wait_s=1.5,
                              job_poll_s=0.1)
    started = time.monotonic()
    assert printer.print_pdf(build_proof_pdf("no_property", sample_proof("no_property")), "p") == \
        CompletionCode.TIMEOUT
    assert time.monotonic() - started < 30  # bounded: it gave up instead of waiting for the printer forever
    # The holder's proof must not come out later for someone else: the job is gone from the queue.
    assert _jobs(private_cups, queue) == ([printer.last_job], [])


def test_a_queue_stopped_while_the_job_waits_cancels_it_at_once(private_cups):
    queue = _unreachable_printer_queue(private_cups, "stopping")
    printer = DocumentPrinter(cups_queue=queue, cups_server=private_cups.server, timeout_s=10, job_wait_s=300,
                              job_poll_s=0.1)

    def stop_once_the_job_waits():
        # Stop the queue only once the job is in it (a fixed delay stopped it before the job came, on a busy machine).
        deadline = time.monotonic() + 60
        while not _jobs(private_cups, queue)[1] and time.monotonic() < deadline:
            time.sleep(0.05)
        private_cups.disable(queue)

    stopper = threading.Thread(target=stop_once_the_job_waits)
    stopper.start()
    try:
        assert printer.print_pdf(build_proof_pdf("no_property", sample_proof("no_property")), "p") == \
            CompletionCode.HARDWARE_ERROR
    finally:
        stopper.join()
    assert printer.status == DeviceStatus.OFFLINE
    assert _jobs(private_cups, queue) == ([printer.last_job], [])


def test_a_stopped_queue_is_offline_and_gets_no_job(private_cups):
    queue = _queue(private_cups, "stopped").stem
    printer = DocumentPrinter(cups_queue=queue, cups_server=private_cups.server, timeout_s=10)
    changes = []
    printer.add_listener(changes.append)
    private_cups.disable(queue, "paper jam")
    assert printer.refresh_status() == DeviceStatus.OFFLINE
    assert changes[-1].reason == "queue_disabled"
    # CUPS would accept and hold the job: the kiosk must not hand over a document that will not print.
    assert printer.print_pdf(build_proof_pdf("no_property", sample_proof("no_property")), "p") == \
        CompletionCode.HARDWARE_ERROR
    assert _jobs(private_cups, queue) == ([], [])
    private_cups.enable(queue)
    assert printer.refresh_status() == DeviceStatus.ONLINE


def test_a_queue_that_rejects_jobs_fails_the_print(private_cups):
    queue = _queue(private_cups, "rejecting").stem
    private_cups._run("cupsreject", queue)
    printer = DocumentPrinter(cups_queue=queue, cups_server=private_cups.server, timeout_s=10)
    assert printer.print_pdf(build_proof_pdf("no_property", sample_proof("no_property")), "p") == \
        CompletionCode.HARDWARE_ERROR
    assert _jobs(private_cups, queue) == ([], [])


def test_unknown_queue_and_unreachable_server_are_offline(private_cups, tmp_path):
    unknown = DocumentPrinter(cups_queue="no-such-queue", cups_server=private_cups.server, timeout_s=10)
    assert unknown.refresh_status() == DeviceStatus.OFFLINE
    assert unknown.print_pdf(b"%PDF-1.4 x", "job") == CompletionCode.HARDWARE_ERROR
    gone = DocumentPrinter(cups_queue="proofs", cups_server=str(tmp_path / "no-cupsd.sock"), timeout_s=10)
    assert gone.refresh_status() == DeviceStatus.OFFLINE
    assert gone.print_pdf(b"%PDF-1.4 x", "job") == CompletionCode.HARDWARE_ERROR


def test_polling_reports_a_directory_that_goes_away(tmp_path):
    import time
    from peripherals.status import StatusChanged
    out = tmp_path / "out"
    printer = DocumentPrinter(output_dir=out, poll_interval_s=0.05)
    events = []
    printer.add_listener(events.append)
    printer.start()
    try:
        assert printer.status == DeviceStatus.ONLINE
        out.rmdir()
        out.write_text("")  # a file where the directory was: it cannot be made again

        def statuses():
            return [e.status for e in list(events) if isinstance(e, StatusChanged)]

        # the status flips just before its event reaches the listeners: wait for the event
        deadline = time.monotonic() + 5
        while len(statuses()) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert printer.status == DeviceStatus.OFFLINE
        assert statuses() == [DeviceStatus.ONLINE, DeviceStatus.OFFLINE]
    finally:
        printer.stop()

"""Document and certificate printers: a PDF to a directory (demo/tests) or to CUPS via lp; lpstat parsing."""
import os
import shutil

import pytest

from kiosk.documents.proofs import build_proof_pdf, sample_proof
from peripherals.printer.document import DocumentPrinter, parse_lpstat, safe_job_name
from peripherals.status import CompletionCode, DeviceStatus


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


@pytest.mark.skipif(shutil.which("lp") is not None, reason="CUPS client installed: covered by a real queue")
def test_cups_queue_without_the_cups_client_fails_clearly():
    printer = DocumentPrinter(cups_queue="proofs")
    assert printer.refresh_status() == DeviceStatus.OFFLINE
    assert printer.print_pdf(b"%PDF-1.4 x", "job") == CompletionCode.HARDWARE_ERROR


@pytest.mark.skipif(not os.environ.get("KIOSK_TEST_CUPS_QUEUE"), reason="set KIOSK_TEST_CUPS_QUEUE to a CUPS queue "
                    "printing to a file to run this")
def test_real_cups_queue():
    printer = DocumentPrinter(cups_queue=os.environ["KIOSK_TEST_CUPS_QUEUE"])
    assert printer.refresh_status().usable
    assert printer.print_pdf(build_proof_pdf("property_record", sample_proof()), "proof-test") == \
        CompletionCode.SUCCESS
    assert printer.last_job


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
        deadline = time.monotonic() + 5
        while printer.status == DeviceStatus.ONLINE and time.monotonic() < deadline:
            time.sleep(0.02)
        assert printer.status == DeviceStatus.OFFLINE
        assert [e.status for e in events if isinstance(e, StatusChanged)] == [DeviceStatus.ONLINE,
                                                                             DeviceStatus.OFFLINE]
    finally:
        printer.stop()

"""Printing a certificate on the next blank: the ledger records the serial whatever the printer does."""
import subprocess

import pytest

from kiosk.documents.certificate import CertificateContent, print_certificate, sample_certificate
from kiosk.documents.ledger import BlankLedger
from peripherals.printer.document import CertificatePrinter
from peripherals.status import CompletionCode


@pytest.fixture
def ledger(tmp_path):
    with BlankLedger(tmp_path / "ledger.sqlite3") as ledger:
        ledger.load_stack("A000100", "A000102", "staff-7")
        yield ledger


def test_printed_on_the_next_blank_with_the_entries(ledger, tmp_path):
    printer = CertificatePrinter(output_dir=tmp_path / "out")
    result = print_certificate(sample_certificate("C1"), ledger, printer)
    assert result.code == CompletionCode.SUCCESS and result.serial == "A000100"
    assert ledger.entry("A000100").state == "printed" and ledger.entry("A000100").case_id == "C1"
    pdf = tmp_path / "out" / "certificate-A000100.pdf"
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "北京市朝阳区建国路88号3号楼1单元1201室" in text and "C1 / A000100" in text


def test_a_failed_print_voids_the_blank_and_the_next_print_takes_a_fresh_one(ledger, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    broken = CertificatePrinter(output_dir=blocker / "out")
    result = print_certificate(sample_certificate("C1"), ledger, broken)
    assert result.code == CompletionCode.HARDWARE_ERROR and result.serial == "A000100"
    assert ledger.entry("A000100").state == "voided"
    ok = print_certificate(sample_certificate("C1"), ledger, CertificatePrinter(output_dir=tmp_path / "out"))
    assert ok.serial == "A000101"
    counts = ledger.counts()
    assert (counts.printed, counts.voided, counts.remaining) == (1, 1, 1)


def test_no_blank_left_is_no_media(ledger, tmp_path):
    printer = CertificatePrinter(output_dir=tmp_path / "out")
    for case in ("C1", "C2", "C3"):
        assert print_certificate(sample_certificate(case), ledger, printer).code == CompletionCode.SUCCESS
    result = print_certificate(sample_certificate("C4"), ledger, printer)
    assert result.code == CompletionCode.NO_MEDIA and result.message_key == "no_blank_certificate"


def test_incomplete_content_uses_no_blank(ledger, tmp_path):
    result = print_certificate(CertificateContent("C1", {"holder": "x"}), ledger,
                               CertificatePrinter(output_dir=tmp_path))
    assert result.code == CompletionCode.INVALID_DATA
    assert ledger.counts().remaining == 3

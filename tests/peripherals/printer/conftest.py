"""Fixtures: a receipt printer simulator on a pty, and a driver on it."""
import pytest

from peripherals.printer.receipt import ReceiptPrinter
from peripherals.printer.simulator import ReceiptPrinterSimulator


@pytest.fixture
def printer_sim(tmp_path):
    sim = ReceiptPrinterSimulator(link=tmp_path / "receipt-printer")
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def receipt_printer(printer_sim):
    printer = ReceiptPrinter(f"serial:{printer_sim.path}", timeout_s=0.3, poll_interval_s=0.05)
    yield printer
    printer.stop()

"""Fixtures: a receipt printer simulator on a pty, a driver on it, and a private CUPS scheduler with a file queue."""
import pytest

from peripherals.printer.receipt import ReceiptPrinter
from peripherals.printer.simulator import ReceiptPrinterSimulator
from tests.peripherals.printer import cupsd


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


@pytest.fixture(scope="session")
def private_cups():
    """A cupsd of the tests' own (see tests/peripherals/printer/cupsd.py), stopped and removed at the end."""
    reason = cupsd.missing()
    if reason:
        pytest.skip(reason)
    with cupsd.PrivateCups() as cups:
        yield cups

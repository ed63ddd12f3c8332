"""Fixtures: a real gateway on loopback, a receipt printer simulator on a pty with the real driver, a running core."""
from __future__ import annotations

import pytest

from gateway.testing import LiveGateway
from kiosk.platform_client import PlatformClient
from kiosk.runtime import Runtime
from kiosk.session import Session
from peripherals.printer.receipt import ReceiptPrinter
from peripherals.printer.simulator import ReceiptPrinterSimulator


@pytest.fixture
def gateway(tmp_path):
    with LiveGateway(tmp_path) as gw:
        yield gw


@pytest.fixture
def platform(gateway):
    client = PlatformClient(gateway.base_url, gateway.api_key("demo-hall-01"), timeout_s=5.0, retries=0)
    yield client
    client.close()


@pytest.fixture
def printer_sim(tmp_path):
    sim = ReceiptPrinterSimulator(link=tmp_path / "receipt-printer", paper_lines=500)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def receipt_printer(printer_sim):
    printer = ReceiptPrinter(f"serial:{printer_sim.path}", timeout_s=0.5, poll_interval_s=0.1)
    printer.start()
    yield printer
    printer.stop()


@pytest.fixture
def runtime():
    core = Runtime(Session(["case_status"], []), tick_s=0.1)
    core.start()
    yield core
    core.stop()

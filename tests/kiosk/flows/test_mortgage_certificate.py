"""The mortgage_certificate flow headless: the real gateway on loopback (demo bank data: 白德华's mortgage is
recorded), the real document printer saving to a directory; the flow runs on its own thread as the runtime runs it."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session as DbSession

from gateway.bank_demo import seed_bank_demo
from kiosk import events as ev
from kiosk.flows import FlowServices
from kiosk.flows.mortgage_certificate import MortgageCertificateFlow, MortgageList
from kiosk.flows.steps import Printing
from kiosk.platform_client import PlatformClient
from kiosk.runtime import FlowContext
from peripherals.printer import DocumentPrinter
from kiosk_testkit.demo import DemoGateway

BIDEN = "310115194211202341"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    demo = DemoGateway(tmp_path_factory.mktemp("gateway")).start()
    engine = create_engine(f"sqlite:///{demo.database}")
    with DbSession(engine) as db:
        seed_bank_demo(db, "demo-bank-01")
    engine.dispose()
    yield demo
    demo.stop()


@pytest.fixture
def platform(gateway):
    creds = gateway.credentials("bank")
    client = PlatformClient(gateway.url, creds["api_key"], kiosk_id=creds["kiosk_id"])
    yield client
    client.close()


class Run:
    """The flow on a thread with a real FlowContext; what it posts is collected."""

    def __init__(self, platform, printer, id_number):
        self.events: list[ev.Event] = []
        token = platform.issue_applicant_token(id_number, "face", 0.4)
        self.ctx = FlowContext("mortgage_certificate", self.events.append, threading.Event(), token)
        flow = MortgageCertificateFlow(platform, FlowServices(document_printer=printer))
        self.thread = threading.Thread(target=flow, args=(self.ctx,), daemon=True)
        self.thread.start()

    def wait(self, predicate, what, timeout_s=20.0):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = [e for e in list(self.events) if predicate(e)]
            if found:
                return found[-1]
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; posted {self.events}")

    def step(self, step_type):
        return self.wait(lambda e: isinstance(e, ev.FlowUpdate) and isinstance(e.step, step_type),
                         step_type.__name__).step

    def answer(self, action, value=None):
        self.ctx.inbox.put(ev.FlowAnswer(action, value))

    def finished(self):
        return self.wait(lambda e: isinstance(e, ev.FlowFinished), "the end").outcome

    def stop(self):
        self.ctx.cancelled.set()
        self.thread.join(5)


def test_the_recorded_mortgage_prints_and_one_in_progress_does_not(platform, tmp_path):
    printer = DocumentPrinter(output_dir=tmp_path / "printed", name="document_printer")
    run = Run(platform, printer, BIDEN)
    try:
        mortgages = run.step(MortgageList).mortgages
        ready = [m.case_id for m in mortgages if m.certificate_ready]
        waiting = [m.case_id for m in mortgages if not m.certificate_ready]
        assert len(ready) == 1 and waiting, "the demo: one recorded, the seeded ones not issued here"
        assert all(BIDEN not in str(m) and "白德华" not in str(m) for m in mortgages)
        run.answer("print", waiting[0])  # nothing to print for it: the answer is not taken
        run.answer("print", "MTG-NOT-HIS")
        time.sleep(0.5)
        assert not any(isinstance(e, ev.FlowUpdate) and isinstance(e.step, Printing) for e in run.events)
        run.answer("print", ready[0])
        assert run.finished() == "mortgage_certificate_printed"
        (pdf,) = (tmp_path / "printed").glob("*.pdf")
        assert pdf.read_bytes().startswith(b"%PDF-")
    finally:
        run.stop()


def test_with_nothing_recorded_nothing_prints_and_back_ends_the_flow_quietly(platform, tmp_path):
    printer = DocumentPrinter(output_dir=tmp_path / "printed", name="document_printer")
    run = Run(platform, printer, "GBR110861226013")  # kit_harington: the demo's mortgages, none recorded here
    try:
        mortgages = run.step(MortgageList).mortgages
        assert mortgages and not any(m.certificate_ready for m in mortgages)
        run.answer("print", mortgages[0].case_id)
        time.sleep(0.5)
        run.ctx.closed.set()  # the applicant goes back to the menu
        run.thread.join(5)
        assert not run.thread.is_alive()
        assert not any(isinstance(e, ev.FlowFinished) for e in run.events)
        assert not list(tmp_path.glob("printed/*.pdf"))
    finally:
        run.stop()


def test_without_a_document_printer_the_service_is_unavailable(platform):
    events = []
    ctx = FlowContext("mortgage_certificate", events.append, threading.Event(), "token")
    MortgageCertificateFlow(platform, FlowServices(document_printer=None))(ctx)
    assert events == [ev.FlowFinished("service_unavailable")]

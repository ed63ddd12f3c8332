"""The payment flow against the real gateway on loopback, the receipt-printer simulator on a pty and a real
encrypted store: pay, cancel, and an interrupted payment reconciled before anything is offered again."""
from __future__ import annotations

import os
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from gateway.testing import LiveGateway
from kiosk import events as ev
from kiosk import payment_journal as pj
from kiosk.flows import FlowServices
from kiosk.flows.payment import Fees, PaymentFlow, WaitingForPayment
from kiosk.flows.steps import ChooseCase
from kiosk.payment_journal import PaymentJournal
from kiosk.platform_client import PlatformClient
from kiosk.runtime import FlowContext
from tests.kiosk.flows.conftest import person_id
from offline_cache.store import Store
from peripherals.printer import ReceiptPrinter
from peripherals.printer.simulator import ReceiptPrinterSimulator

OBAMA = "110105196108041235"
BIDEN = "310115194211202341"


@pytest.fixture
def printer(tmp_path):
    sim = ReceiptPrinterSimulator(link=tmp_path / "receipt-printer").start()
    device = ReceiptPrinter(f"serial:{sim.path}", timeout_s=0.5, poll_interval_s=0.5)
    yield sim, device
    device.stop() if device._thread else device.connector.close()
    sim.stop()


@pytest.fixture
def journal_store(tmp_path):
    store = Store.open(tmp_path / "kiosk.db", os.urandom(32))
    yield store
    store.close()


class Run:
    """One flow run on its own thread, as the runtime runs it; events collected, answers sent like a screen."""

    def __init__(self, flow, token):
        self.events: list = []
        self.cond = threading.Condition()
        self.ctx = FlowContext("payment", self._post, threading.Event(), token)
        self.thread = threading.Thread(target=self._run, args=(flow,), daemon=True)
        self.error = None
        self.thread.start()

    def _run(self, flow):
        try:
            flow(self.ctx)
        except Exception as exc:  # what the runtime would turn into PlatformFailed
            self.error = exc
        with self.cond:
            self.cond.notify_all()

    def _post(self, event):
        with self.cond:
            self.events.append(event)
            self.cond.notify_all()

    def step(self):
        """The step on screen: the last one the flow showed."""
        return next((e.step for e in reversed(self.events) if isinstance(e, ev.FlowUpdate)), None)

    def wait(self, predicate, timeout_s=15.0):
        deadline = time.monotonic() + timeout_s
        with self.cond:
            while not predicate(self):
                left = deadline - time.monotonic()
                assert left > 0, f"timed out; events: {self.events[-5:]} error: {self.error!r}"
                self.cond.wait(min(left, 0.2))

    def wait_step(self, step_type):
        self.wait(lambda r: isinstance(r.step(), step_type))
        return self.step()

    def finished(self):
        return next((e for e in self.events if isinstance(e, ev.FlowFinished)), None)

    def wait_finished(self):
        self.wait(lambda r: r.finished() is not None or not r.thread.is_alive())
        self.thread.join(5)
        return self.finished()

    def answer(self, action, value=None):
        self.ctx.inbox.put(ev.FlowAnswer(action, value))


def pay_by_phone(pay_url: str, action: str = "pay") -> None:
    parts = urlsplit(pay_url)
    secret = parse_qs(parts.query)["t"][0]
    response = requests.post(pay_url.split("?")[0], data={"t": secret, "action": action}, timeout=10)
    assert response.status_code == 200


def orders_of(gateway, case_id):
    from sqlalchemy import select

    from gateway.models import PaymentOrder

    with gateway.sessionmaker()() as db:
        return [(o.order_id, o.status) for o in db.execute(
            select(PaymentOrder).where(PaymentOrder.case_id == case_id)).scalars()]


def services(printer_device, store):
    return FlowServices(receipt_printer=printer_device, payment_journal=PaymentJournal(store),
                        office="测试登记中心", kiosk_id="demo-hall-01", poll_interval_s=0.2)


def test_pay_by_phone_prints_one_receipt_with_the_amount_and_invoice_qr(gateway, platform, printer, journal_store,
                                                                        tmp_path):
    sim, device = printer
    token = platform.issue_applicant_token(OBAMA, "card_only_demo", None)
    run = Run(PaymentFlow(platform, services(device, journal_store)), token)
    cases = run.wait_step(ChooseCase).cases
    assert cases, "the demo person has a case with taxes assessed"
    case_id = cases[0].case_id
    run.answer("choose", case_id)
    fees = run.wait_step(Fees)
    assert fees.items and sum(i.amount_fen for i in fees.items) == fees.total_fen
    expected = platform.fees(token, case_id)
    assert fees.total_fen == expected.total_fen
    run.answer("confirm")
    waiting = run.wait_step(WaitingForPayment)
    assert waiting.pay_url.startswith(gateway.base_url) and waiting.seconds_left > 60
    journal = PaymentJournal(journal_store)
    assert journal.unresolved_for(case_id).state == pj.PENDING
    pay_by_phone(waiting.pay_url)
    finished = run.wait_finished()
    assert finished.outcome == "payment_done" and finished.receipt_pending
    assert orders_of(gateway, case_id) == [(waiting.order_id, "paid")]
    assert sim.wait_for_receipts(1, 10) and len(sim.receipts) == 1
    assert journal.unresolved_for(case_id) is None

    from peripherals.printer.render import render_receipt
    import zxingcpp

    image = render_receipt(sim.receipts[0])
    image.save(tmp_path / "receipt.png")
    decoded = [r.text for r in zxingcpp.read_barcodes(image)]
    assert decoded == [f"{gateway.base_url}/invoices/{waiting.order_id}"]
    from kiosk.documents.receipts import yuan

    assert yuan(expected.total_fen).encode("gb18030") in sim.receipts[0]


def test_interrupted_payment_is_reconciled_before_anything_is_offered_again(gateway, platform, printer, tmp_path):
    """The kiosk dies with an order pending, the applicant pays on the phone, the kiosk comes back: the next visit
    finds the order paid, prints its receipt once, and never creates a second order."""
    sim, device = printer
    key = os.urandom(32)
    store = Store.open(tmp_path / "kiosk.db", key)
    token = platform.issue_applicant_token(BIDEN, "card_only_demo", None)
    run = Run(PaymentFlow(platform, services(device, store)), token)
    case_id = run.wait_step(ChooseCase).cases[0].case_id
    run.answer("choose", case_id)
    run.wait_step(Fees)
    run.answer("confirm")
    waiting = run.wait_step(WaitingForPayment)
    run.ctx.cancelled.set()  # the session is gone (the process-kill version is the UI test)
    run.thread.join(5)
    store.close()
    pay_by_phone(waiting.pay_url)
    assert sim.receipts == []

    store = Store.open(tmp_path / "kiosk.db", key)
    try:
        token = platform.issue_applicant_token(BIDEN, "card_only_demo", None)
        run = Run(PaymentFlow(platform, services(device, store)), token)
        cases = run.wait_step(ChooseCase).cases
        assert case_id in [c.case_id for c in cases], "a case with an unresolved payment is still offered"
        run.answer("choose", case_id)
        finished = run.wait_finished()
        assert finished.outcome == "payment_already_paid" and finished.receipt_pending
        assert not any(isinstance(e.step, Fees) for e in run.events if isinstance(e, ev.FlowUpdate))
        assert orders_of(gateway, case_id) == [(waiting.order_id, "paid")]
        assert sim.wait_for_receipts(1, 10) and len(sim.receipts) == 1
        assert PaymentJournal(store).unresolved_for(case_id) is None
    finally:
        store.close()


def test_crash_before_the_gateway_answered_replays_the_same_key(gateway, platform, printer, journal_store):
    """Journaled key, no order id (the process died during the POST): the replay with the same key gives the one
    order, whether or not the first request reached the gateway."""
    _sim, device = printer
    token = platform.issue_applicant_token(person_id("kit_harington"), "card_only_demo", None)
    journal = PaymentJournal(journal_store)
    cases = [c for c in platform.list_cases(token) if c.status == "tax_assessed"]
    assert cases, "the demo person has a case with taxes assessed"
    case = cases[0]
    entry = journal.begin(case.case_id, {"items": [], "kind": case.kind})
    first = platform.create_payment_order(token, case.case_id, entry.idempotency_key)  # reached the gateway
    flow = PaymentFlow(platform, services(device, journal_store))
    reconciled = flow.reconcile(token, journal.get(entry.idempotency_key))
    assert reconciled.order_id == first.order_id and reconciled.state == pj.PENDING
    assert orders_of(gateway, case.case_id) == [(first.order_id, "pending")]


def test_cancel_on_the_kiosk_keeps_the_order_and_the_next_visit_resumes_it(gateway, platform, printer,
                                                                           journal_store):
    sim, device = printer
    token = platform.issue_applicant_token(person_id("alex_lacamoire"), "card_only_demo", None)
    flow = PaymentFlow(platform, services(device, journal_store))
    run = Run(flow, token)
    case_id = run.wait_step(ChooseCase).cases[0].case_id
    run.answer("choose", case_id)
    run.wait_step(Fees)
    run.answer("confirm")
    first = run.wait_step(WaitingForPayment)
    run.answer("cancel")
    assert run.wait_finished().outcome == "payment_cancelled"

    run = Run(flow, token)
    run.wait_step(ChooseCase)
    run.answer("choose", case_id)
    again = run.wait_step(WaitingForPayment)
    assert again.order_id == first.order_id and again.pay_url == first.pay_url
    pay_by_phone(again.pay_url, "cancel")
    assert run.wait_finished().outcome == "payment_cancelled"
    assert orders_of(gateway, case_id) == [(first.order_id, "cancelled")]
    assert sim.receipts == []


def test_an_order_left_unpaid_expires_with_the_countdown_and_nothing_is_charged(tmp_path, printer, journal_store):
    import dataclasses

    from gateway.settings import GatewaySettings

    sim, device = printer
    settings = dataclasses.replace(GatewaySettings(), payment_order_ttl_s=3)
    with LiveGateway(tmp_path / "gw", settings=settings) as gw:
        client = PlatformClient(gw.base_url, gw.api_key("demo-hall-01"), kiosk_id="demo-hall-01")
        try:
            token = client.issue_applicant_token(person_id("rose_leslie"), "card_only_demo", None)
            run = Run(PaymentFlow(client, services(device, journal_store)), token)
            case_id = run.wait_step(ChooseCase).cases[0].case_id
            run.answer("choose", case_id)
            run.wait_step(Fees)
            run.answer("confirm")
            waiting = run.wait_step(WaitingForPayment)
            assert waiting.seconds_left <= 3
            assert run.wait_finished().outcome == "payment_expired"
            counted = [e.step.seconds_left for e in run.events
                       if isinstance(e, ev.FlowUpdate) and isinstance(e.step, WaitingForPayment)]
            assert counted == sorted(counted, reverse=True) and counted[-1] == 0, "the countdown runs down"
            assert orders_of(gw, case_id) == [(waiting.order_id, "expired")]
            assert PaymentJournal(journal_store).unresolved_for(case_id) is None
            assert sim.receipts == []
        finally:
            client.close()


def test_paper_out_while_paying_owes_the_receipt_and_the_next_visit_prints_it_once(gateway, platform, printer,
                                                                                   journal_store):
    sim, device = printer
    token = platform.issue_applicant_token(person_id("rose_leslie"), "card_only_demo", None)
    flow = PaymentFlow(platform, services(device, journal_store))
    run = Run(flow, token)
    case_id = run.wait_step(ChooseCase).cases[0].case_id
    run.answer("choose", case_id)
    run.wait_step(Fees)
    run.answer("confirm")
    waiting = run.wait_step(WaitingForPayment)
    sim.run_out_of_paper()
    pay_by_phone(waiting.pay_url)
    assert run.wait_finished().outcome == "payment_done_no_receipt"
    assert sim.receipts == []
    assert PaymentJournal(journal_store).unresolved_for(case_id).state == pj.PAID, "the receipt is owed"

    sim.load_paper(None)
    run = Run(flow, token)
    assert case_id in [c.case_id for c in run.wait_step(ChooseCase).cases]
    run.answer("choose", case_id)
    finished = run.wait_finished()
    assert finished.outcome == "payment_already_paid" and finished.receipt_pending
    assert sim.wait_for_receipts(1, 10) and len(sim.receipts) == 1
    assert orders_of(gateway, case_id) == [(waiting.order_id, "paid")]
    assert PaymentJournal(journal_store).unresolved_for(case_id) is None

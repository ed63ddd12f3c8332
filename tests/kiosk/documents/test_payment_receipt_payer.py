"""Who paid, on the payment receipt: the verified card's name reaches the flow through the runtime and is printed
masked (never whole, never in a log line) by the receipt printer on a pty."""
from __future__ import annotations

import logging
import threading
import time

import pytest

from kiosk import events as ev
from kiosk.flows import FlowServices
from kiosk.flows.payment import PaymentFlow
from kiosk.payment_journal import PAID, JournalEntry
from kiosk.runtime import Runtime
from kiosk.session import Session
from peripherals.printer import ReceiptPrinter
from peripherals.printer.layout import Row
from peripherals.printer.simulator import ReceiptPrinterSimulator

NAME, MASKED = "欧阳明", "欧**"


class Card:
    id_number = "110105196108041235"
    name = NAME
    name_en = None
    expired = False


class Case:
    case_id = "BJ2026-000123"
    kind = "transfer"


def paid_entry() -> JournalEntry:
    return JournalEntry(idempotency_key="k1", case_id=Case.case_id, order_id="PO-1", state=PAID, amount_fen=8_000,
                        details={"items": [{"name": "不动产登记费", "amount_fen": 8_000}], "kind": "transfer",
                                 "e_invoice_url": "https://gateway.example/invoices/PO-1"},
                        created_at=time.time(), receipt_printed_at=None)


@pytest.fixture
def receipt_printer(tmp_path):
    sim = ReceiptPrinterSimulator(link=tmp_path / "receipt-printer").start()
    device = ReceiptPrinter(f"serial:{sim.path}", timeout_s=0.5)
    yield sim, device
    device.connector.close()
    sim.stop()


def test_the_receipt_names_the_verified_payer_masked(receipt_printer, caplog):
    sim, device = receipt_printer
    payment = PaymentFlow(None, FlowServices(receipt_printer=device, office="测试登记中心", kiosk_id="k1"))
    seen, printed = [], threading.Event()

    def flow(ctx):  # the receipt step of the payment flow, run by the runtime as any flow
        seen.append(ctx.applicant_name)
        assert payment.print_receipt(Case(), paid_entry(), payer_name=ctx.applicant_name)
        printed.set()

    caplog.set_level(logging.DEBUG)
    session = Session(["payment"])
    runtime = Runtime(session, None, flows={"payment": flow}, tick_s=0.05)
    runtime.start()
    try:
        runtime.post(ev.CardRead(Card()))
        runtime.post(ev.IdentityVerified("card_only_demo"))
        runtime.post(ev.ServiceChosen("payment"))
        assert printed.wait(10)
    finally:
        runtime.stop()
    assert seen == [NAME]
    assert sim.wait_for_receipts(1, 10)
    receipt = sim.receipts[0]
    assert "缴款人".encode("gb18030") in receipt and MASKED.encode("gb18030") in receipt
    assert NAME.encode("gb18030") not in receipt
    assert NAME not in caplog.text and MASKED not in caplog.text


def test_without_a_card_name_the_receipt_has_no_payer_line(receipt_printer):
    sim, device = receipt_printer
    payment = PaymentFlow(None, FlowServices(receipt_printer=device, office="测试登记中心", kiosk_id="k1"))
    assert payment.print_receipt(Case(), paid_entry(), payer_name=None)
    assert sim.wait_for_receipts(1, 10)
    assert "缴款人".encode("gb18030") not in sim.receipts[0]


def test_payer_row_in_the_template():
    from datetime import datetime

    from kiosk.documents.receipts import payment_receipt
    elements = payment_receipt(office="o", kiosk_id="k", case_id="C1", case_kind="mortgage",
                               items=[{"name": "登记费", "amount_fen": 8000}], total_fen=8000, order_id="O1",
                               paid_at=datetime(2026, 1, 2, 3, 4), e_invoice_url=None, payer_name="LESLIE, ROSE")
    assert Row("缴款人", "L*****, R***") in elements

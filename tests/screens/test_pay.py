"""Payment and proofs end to end: the real kiosk app under Xvfb, the real gateway, the ID card and receipt-printer
simulators; the test taps the real widgets, pays as a phone would (reading the QR code off the screen), and checks
what is printed. The interrupted payment is proved by killing the kiosk process mid-payment."""
from __future__ import annotations

import os
import signal
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import zxingcpp
from PIL import Image

from peripherals.printer.render import render_receipt
from peripherals.printer.simulator import ReceiptPrinterSimulator
from catalog import i18n
from kiosk_testkit.demo import DemoStack
from kiosk_testkit.harness import KioskProcess
from tests.screens.conftest import SCREENSHOTS, assert_fits, shot, texts, running

pytestmark = [pytest.mark.ui, pytest.mark.slow]

POLL_S = 0.2


@pytest.fixture(scope="module")
def printer_sim(tmp_path_factory):
    sim = ReceiptPrinterSimulator(link=tmp_path_factory.mktemp("dev") / "receipt-printer").start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, printer_sim):
    workdir = tmp_path_factory.mktemp("pay")
    demo = DemoStack(workdir, config_extra={"devices": {
        "receipt_printer": {"enabled": True, "url": f"serial:{printer_sim.path}", "poll_interval_s": 1.0},
        "document_printer": {"enabled": True, "output_dir": str(workdir / "printed")}}})
    (workdir / "printed").mkdir()
    yield from running(demo)


@pytest.fixture
def kiosk(stack, printer_sim):
    stack.client.wait_for_screen("attract", 30)
    printer_sim.clear()
    yield stack
    stack.simulator.lift()
    time.sleep(5 * POLL_S)
    if stack.client.state()["screen"] not in ("attract", "out_of_service"):
        stack.client.post("CancelRequested")
    stack.client.wait_for_screen("attract", 30)


def sign_in(stack, person: str, language: str = "zh_CN") -> None:
    stack.simulator.place(person)
    stack.client.wait_for_screen("menu", 30)
    if language != "zh_CN":
        stack.client.tap(intent="language", arg=language)
        stack.client.wait_until(lambda s: s["language"] == language, 10, "language switch")


def step_shown(key: str, language: str = "zh_CN", **values):
    return lambda s: i18n.text(key, language, **values) in texts(s)


def choose_payable_case(client, language="zh_CN") -> str:
    client.tap(intent="service", arg="payment")
    state = client.wait_for_screen("pay", 30, predicate=step_shown("pay.choose", language))
    assert_fits(state)
    choices = [b for b in state["buttons"] if b["intent"] == "flow" and b["arg"].startswith("choose:")]
    assert choices, "the demo person has a case with taxes assessed"
    return choices[0]["arg"].split(":", 1)[1]


def qr_on_screen(client, path) -> str:
    client.screenshot(path)
    found = [r.text for r in zxingcpp.read_barcodes(Image.open(path))]
    assert len(found) == 1, f"one QR code on the payment screen, found {found}"
    return found[0]


def pay_by_phone(pay_url: str, action: str = "pay") -> None:
    secret = parse_qs(urlsplit(pay_url).query)["t"][0]
    response = requests.post(pay_url.split("?")[0], data={"t": secret, "action": action}, timeout=10)
    assert response.status_code == 200


def orders_of(stack, case_id: str) -> list[tuple[str, str]]:
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from gateway.models import PaymentOrder

    engine = create_engine(f"sqlite:///{stack.gateway.database}")
    try:
        with Session(engine) as db:
            return [(o.order_id, o.status) for o in db.execute(
                select(PaymentOrder).where(PaymentOrder.case_id == case_id)).scalars()]
    finally:
        engine.dispose()


def test_pay_by_phone_then_the_receipt_prints_with_amount_and_invoice_qr(kiosk, printer_sim, tmp_path):
    client = kiosk.client
    sign_in(kiosk, "obama")
    case_id = choose_payable_case(client)
    shot(client, "zh_CN", "pay_choose_case")
    client.tap(intent="flow", arg=f"choose:{case_id}")
    state = client.wait_for_screen("pay", 30, predicate=step_shown("pay.confirm_hint"))
    assert_fits(state)
    shown = texts(state)
    assert "契税" in shown, "the taxes are itemised"
    total = next(t["text"] for t in state["texts"] if t["text"].startswith("￥") and t["y"] == min(
        x["y"] for x in state["texts"] if x["text"].startswith("￥")))
    shot(client, "zh_CN", "pay_fees")
    client.tap(intent="flow", arg="confirm")
    state = client.wait_for_screen("pay", 30, predicate=step_shown("pay.scan"))
    assert_fits(state)
    assert i18n.text("pay.amount", "zh_CN", amount=total) in texts(state)
    assert any(t["text"].startswith("请在有效时间内完成付款：剩余 ") and "分" in t["text"] for t in texts_of(state)), \
        "a countdown in minutes and seconds left"
    pay_url = qr_on_screen(client, SCREENSHOTS / "zh_CN" / "pay_qr.png")
    assert pay_url.startswith(kiosk.gateway.url + "/pay/")
    assert printer_sim.receipts == []
    pay_by_phone(pay_url)
    state = client.wait_for_screen("done", 30)
    assert i18n.text("payment_done", "zh_CN") in texts(state)
    assert i18n.text("outcome.take.receipt", "zh_CN") in texts(state)
    assert_fits(state)
    shot(client, "zh_CN", "pay_done")
    assert printer_sim.wait_for_receipts(1, 10)
    time.sleep(1.0)
    assert len(printer_sim.receipts) == 1, "one receipt"
    receipt = printer_sim.receipts[0]
    assert total.encode("gb18030") in receipt, "the receipt shows the paid amount"
    preview = render_receipt(receipt)
    preview.save(SCREENSHOTS / "zh_CN" / "pay_receipt_preview.png")
    order_id = urlsplit(pay_url).path.rsplit("/", 1)[1]
    assert [r.text for r in zxingcpp.read_barcodes(preview)] == [f"{kiosk.gateway.url}/invoices/{order_id}"]
    assert orders_of(kiosk, case_id) == [(order_id, "paid")]


def texts_of(state):
    return state["texts"]


def test_english_screens_and_stop_paying(kiosk):
    client = kiosk.client
    sign_in(kiosk, "alex_lacamoire", "en")
    case_id = choose_payable_case(client, "en")
    shot(client, "en", "pay_choose_case")
    client.tap(intent="flow", arg=f"choose:{case_id}")
    state = client.wait_for_screen("pay", 30, predicate=step_shown("pay.confirm_hint", "en"))
    assert_fits(state)
    shot(client, "en", "pay_fees")
    client.tap(intent="flow", arg="confirm")
    state = client.wait_for_screen("pay", 30, predicate=step_shown("pay.scan", "en"))
    assert_fits(state)
    shot(client, "en", "pay_qr")
    client.tap(intent="flow", arg="cancel")
    state = client.wait_for_screen("done", 30)
    assert i18n.text("payment_cancelled", "en") in texts(state)
    shot(client, "en", "pay_cancelled")
    assert [s for _, s in orders_of(kiosk, case_id)] == ["pending"], "one order, left open for the next visit"


def test_kill_the_kiosk_mid_payment_then_reconcile_one_order_one_charge_one_receipt(kiosk, printer_sim):
    client = kiosk.client
    sign_in(kiosk, "biden")
    case_id = choose_payable_case(client)
    client.tap(intent="flow", arg=f"choose:{case_id}")
    client.wait_for_screen("pay", 30, predicate=step_shown("pay.confirm_hint"))
    client.tap(intent="flow", arg="confirm")
    client.wait_for_screen("pay", 30, predicate=step_shown("pay.scan"))
    pay_url = qr_on_screen(client, kiosk.workdir / "qr-before-kill.png")
    order_id = urlsplit(pay_url).path.rsplit("/", 1)[1]

    os.kill(kiosk.kiosk._process.pid, signal.SIGKILL)  # the power goes with the order pending
    kiosk.kiosk.stop()
    kiosk.simulator.lift()
    pay_by_phone(pay_url)  # the applicant pays on the phone anyway
    assert printer_sim.receipts == []

    kiosk.kiosk = KioskProcess(kiosk.config_path, workdir=kiosk.workdir, display=kiosk.display,
                               log_path=kiosk.workdir / "kiosk-restarted.log").start()
    client = kiosk.client
    client.wait_for_screen("attract", 30)
    sign_in(kiosk, "biden")
    assert choose_payable_case(client) == case_id, "the case with the unresolved payment is offered"
    client.tap(intent="flow", arg=f"choose:{case_id}")
    state = client.wait_for_screen("done", 30)
    assert i18n.text("payment_already_paid", "zh_CN") in texts(state)
    shot(client, "zh_CN", "pay_reconciled")
    assert printer_sim.wait_for_receipts(1, 10)
    assert orders_of(kiosk, case_id) == [(order_id, "paid")], "one order, one charge"

    client.wait_for_screen("done", 30, predicate=lambda s: s["overlay"])  # the 好差评 panel over it
    client.tap(intent="rate_skip")
    client.wait_for_screen("done", 30, predicate=lambda s: not s["overlay"])
    client.tap(intent="back")
    client.wait_for_screen("menu", 30)
    client.tap(intent="service", arg="payment")
    state = client.wait_for_screen("pay", 30, predicate=step_shown("pay.nothing"))
    time.sleep(1.0)
    assert len(printer_sim.receipts) == 1, "the receipt is printed once"
    assert orders_of(kiosk, case_id) == [(order_id, "paid")]


def test_no_paper_no_payment(kiosk, printer_sim):
    client = kiosk.client
    printer_sim.run_out_of_paper()
    try:
        sign_in(kiosk, "rose_leslie")
        state = client.wait_until(lambda s: any(
            b["intent"] == "service" and b["arg"] == "payment" and not b["available"] for b in s["buttons"]),
            15, "payment shown as unavailable")
        assert i18n.text("menu.unavailable", "zh_CN") in texts(state)
        shot(client, "zh_CN", "pay_menu_no_paper")
        client.tap(intent="service", arg="payment")
        time.sleep(0.5)
        assert client.state()["screen"] == "menu", "an unavailable service does not start"
    finally:
        printer_sim.load_paper(None)
    client.wait_until(lambda s: any(b["intent"] == "service" and b["arg"] == "payment" and b["available"]
                                    for b in s["buttons"]), 15, "payment offered again with paper")

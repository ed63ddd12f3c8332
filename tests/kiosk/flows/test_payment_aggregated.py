"""The payment flow at a site taking the aggregated code (聚合码): one QR (the gateway's page), no channel to pick; the
phone pays in the app that scanned it, and the receipt names that channel and its masked transaction number."""
from __future__ import annotations

import pytest

from kiosk.flows.payment import WaitingForPayment
from tests.kiosk.flows.test_payment import journal_store, printer  # noqa: F401 - fixtures
from tests.kiosk.flows.test_payment_channels import at_the_fees


@pytest.mark.parametrize("app,name", [("wechat", "微信支付"), ("alipay", "支付宝")])
def test_one_code_paid_in_either_app_prints_the_channel_that_paid(tmp_path, monkeypatch, printer, journal_store,
                                                                   app, name):
    sim, device = printer
    with at_the_fees(tmp_path, monkeypatch, device, journal_store, channels=("aggregated",)) as (stack, run, fees):
        assert fees.channel_options == () and fees.channels == ("微信或支付宝（聚合码）",)
        run.answer("confirm")
        waiting = run.wait_step(WaitingForPayment)
        assert waiting.channel == "aggregated"
        assert waiting.pay_url.startswith(f"{stack.gateway.base_url}/pay/qr/{waiting.order_id}?t=")
        if app == "wechat":
            page = stack.wechat.open_code(waiting.pay_url)
            stack.wechat.bridge_pay(stack.wechat.jsapi_params(page.text))
            transaction = stack.wechat.orders[waiting.order_id].transaction_id
        else:
            stack.alipay.pay(stack.alipay.cashier_trade(stack.alipay.open_code(waiting.pay_url).text))
            transaction = stack.alipay.trades[waiting.order_id].trade_no
        assert run.wait_finished().outcome == "payment_done"
        assert sim.wait_for_receipts(1, 10)
        receipt = sim.receipts[0]
        masked = transaction[:4] + "*" * (len(transaction) - 8) + transaction[-4:]
        assert name.encode("gb18030") in receipt and masked.encode() in receipt
        assert transaction.encode() not in receipt and "聚合码".encode("gb18030") not in receipt
        assert stack.kiosk.status(waiting.order_id)["payment_code"].encode() in receipt

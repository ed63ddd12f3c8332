"""The payment flow with real providers: the kiosk shows the site's channels and, when it takes both, lets the
applicant pick one; the QR code is that provider's own (`weixin://...`, `https://qr.alipay.com/...`), and the printed
receipt names the channel, the masked transaction number and the 缴款码."""
from __future__ import annotations

import contextlib

from kiosk.flows.payment import ChannelOption, Fees, PaymentFlow, WaitingForPayment
from kiosk.flows.steps import ChooseCase
from kiosk.platform_client import PlatformClient
from tests.gateway.payment_providers.stack import OBAMA, PaymentStack
from tests.kiosk.flows.test_payment import Run, journal_store, printer, services  # noqa: F401 - fixtures


@contextlib.contextmanager
def at_the_fees(tmp_path, monkeypatch, device, journal_store, channels=("wechat", "alipay")):
    """A site taking `channels` (WeChat Pay and Alipay); the applicant has chosen their first case: (stack, run, fees
    step)."""
    with PaymentStack(tmp_path / "gw", monkeypatch, channels=channels) as stack:
        platform = PlatformClient(stack.gateway.base_url, stack.gateway.api_key("demo-hall-01"),
                                  kiosk_id="demo-hall-01")
        try:
            token = platform.issue_applicant_token(OBAMA, "card_only_demo", None)
            run = Run(PaymentFlow(platform, services(device, journal_store)), token)
            run.answer("choose", run.wait_step(ChooseCase).cases[0].case_id)
            yield stack, run, run.wait_step(Fees)
        finally:
            platform.close()


def test_paying_through_wechat_pay_prints_channel_transaction_and_payment_code(tmp_path, monkeypatch, printer,
                                                                               journal_store):
    sim, device = printer
    with at_the_fees(tmp_path, monkeypatch, device, journal_store) as (stack, run, fees):
        assert fees.channels == ("微信支付", "支付宝")
        assert fees.channel_options == (ChannelOption("wechat", "微信支付"), ChannelOption("alipay", "支付宝"))
        assert {i.code: i.department for i in fees.items}["deed_tax"] == "国家税务总局（契税）"
        run.answer("confirm", "wechat")
        waiting = run.wait_step(WaitingForPayment)
        assert waiting.pay_url.startswith("weixin://wxpay/bizpayurl?pr=")
        assert waiting.channel_name == "微信支付"
        stack.wechat.pay(waiting.order_id)
        assert run.wait_finished().outcome == "payment_done"
        assert sim.wait_for_receipts(1, 10)
        receipt = sim.receipts[0]
        transaction = stack.wechat.orders[waiting.order_id].transaction_id
        masked = transaction[:4] + "*" * (len(transaction) - 8) + transaction[-4:]
        assert "微信支付".encode("gb18030") in receipt and masked.encode() in receipt
        assert transaction.encode() not in receipt
        code = stack.kiosk.status(waiting.order_id)["payment_code"]
        assert code.encode() in receipt
        assert "收款单位：国家税务总局（契税）".encode("gb18030") in receipt


def test_with_both_channels_the_applicant_picks_alipay_and_a_bare_confirm_makes_no_order(tmp_path, monkeypatch,
                                                                                          printer, journal_store):
    sim, device = printer
    with at_the_fees(tmp_path, monkeypatch, device, journal_store) as (stack, run, _):
        run.answer("confirm")  # which app? not said: still the fees step, no order anywhere
        run.answer("confirm", "unified")  # not a channel of this site
        run.answer("confirm", "alipay")
        waiting = run.wait_step(WaitingForPayment)
        assert waiting.pay_url.startswith("https://qr.alipay.com/") and waiting.channel_name == "支付宝"
        assert not stack.wechat.orders and list(stack.alipay.trades) == [waiting.order_id]
        stack.alipay.pay(waiting.order_id)
        assert run.wait_finished().outcome == "payment_done"
        assert sim.wait_for_receipts(1, 10)
        assert "支付宝".encode("gb18030") in sim.receipts[0]

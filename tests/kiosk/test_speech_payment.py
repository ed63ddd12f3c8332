"""The spoken instruction of the payment QR screen: the aggregated code says which apps pay it; the catalog has it in
both languages and it names no personal data."""
from __future__ import annotations

from catalog import i18n
from kiosk.flows.payment import WaitingForPayment
from kiosk.flows.steps import CaseChoice
from kiosk.session import SessionView, State
from kiosk.speech import prompt_key


def view(**step) -> SessionView:
    return SessionView(state=State.FLOW, language="zh_CN", service="payment", applicant_name="欧**",
                       flow=WaitingForPayment(case=CaseChoice("BDC1"), order_id="PO1", pay_url="https://g/pay/qr/PO1",
                                              **step))


def test_the_aggregated_code_is_spoken_with_the_apps_that_pay_it():
    assert prompt_key(view(channel="aggregated")) == "pay.scan_aggregated"
    assert prompt_key(view(channel="wechat", channel_name="微信支付")) == "pay.scan"
    assert prompt_key(view()) == "pay.scan"
    zh, en = (i18n.text("pay.scan_aggregated", language) for language in ("zh_CN", "en"))
    assert "微信" in zh and "支付宝" in zh and "WeChat" in en and "Alipay" in en

"""The aggregated code (聚合码) on the real kiosk app under Xvfb, in Chinese, English and large text: the one QR (read
back off the screenshot: it is the gateway's page), the instruction to scan with WeChat or Alipay, the amount, the
countdown and the way out; and the three-way choice when a site offers WeChat, Alipay and the aggregated code."""
from __future__ import annotations

import zxingcpp
from PIL import Image

from catalog.durations import time_left

from tests.screens.conftest import SCREENSHOTS
from tests.screens.test_every_screen import check, t, ui  # noqa: F401 - the module-scoped kiosk per variant

PAY_URL = "https://gateway.example.gov.cn/pay/qr/PO0123456789ABCDEF?t=Zx8Qm2LkP0aVb7yT3nWc4g"


def test_the_aggregated_code_screen(ui):  # noqa: F811 - the fixture
    kiosk, lang = ui
    client = kiosk.client
    client.wait_for_screen("attract")
    base = {"state": "flow", "language": lang, "service": "payment", "applicant_name": "欧**",
            "applicant_id": "1101**********1235"}
    case = {"case_id": "BDC2026000105", "title": "存量房买卖转移登记", "kind": "transfer"}
    client.render(**base, flow={"type": "WaitingForPayment", "case": case, "order_id": "PO0123456789ABCDEF",
                                "pay_url": PAY_URL, "total_fen": 4_508_000, "seconds_left": 895,
                                "channel": "aggregated", "channel_name": "微信或支付宝（聚合码）"})
    state = check(ui, "pay", "pay_aggregated_code", t("pay.scan_aggregated", lang), t("pay.aggregated_apps", lang),
                  t("pay.countdown", lang, time=time_left(895, lang)))
    assert "flow:cancel" in [f"{b['intent']}:{b['arg']}" for b in state["buttons"]], "a way out (stop paying)"
    with Image.open(SCREENSHOTS / ui.variant / "pay_aggregated_code.png") as image:
        decoded = [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]
    assert decoded == [PAY_URL]

    fees = {"type": "Fees", "case": case,
            "items": [{"code": "deed_tax", "name": "契税", "amount_fen": 4_500_000},
                      {"code": "registration_fee", "name": "不动产登记费", "amount_fen": 8_000}],
            "total_fen": 4_508_000, "channels": ["微信支付", "支付宝", "微信或支付宝（聚合码）"],
            "channel_options": [{"channel": "wechat", "name": "微信支付"}, {"channel": "alipay", "name": "支付宝"},
                                {"channel": "aggregated", "name": "微信或支付宝（聚合码）"}]}
    client.render(**base, flow=fees)
    state = check(ui, "pay", "pay_fees_three_channels", t("pay.choose_channel", lang),
                  t("pay.with", lang, channel=t("channel.aggregated", lang)))
    assert "confirm:aggregated" in [b["arg"] for b in state["buttons"] if b["intent"] == "flow"]
    client.render(state="attract", language=lang)
    client.wait_for_screen("attract")

"""The payment receipt names the channel, the provider's masked transaction number, the 20-digit 缴款码 and each
item's collecting department; end to end, from a real gateway paid through the WeChat Pay simulator."""
from __future__ import annotations

from datetime import datetime

from kiosk.documents import receipts
from kiosk.platform_client import PlatformClient
from peripherals.printer.layout import Row, Text
from tests.gateway.payment_providers.stack import OBAMA, PaymentStack


def test_the_receipt_names_channel_transaction_code_and_departments():
    elements = receipts.payment_receipt(
        office="北京市朝阳区不动产登记中心", kiosk_id="k", case_id="C1", case_kind="transfer",
        items=[{"name": "契税", "amount_fen": 4_500_000, "department": "国家税务总局（契税）"},
               {"name": "不动产登记费", "amount_fen": 8_000}],
        total_fen=4_508_000, order_id="PO1", paid_at=datetime(2026, 11, 23, 10, 30), e_invoice_url=None,
        channel_name="微信支付", payment_code="11010526000000000018", transaction_masked="4200********1234")
    rows = {e.left: e.right for e in elements if isinstance(e, Row)}
    assert rows["支付渠道"] == "微信支付" and rows["交易号"] == "4200********1234"
    assert rows["缴款码"] == "11010526000000000018"
    texts = [e.text for e in elements if isinstance(e, Text)]
    assert texts.count("收款单位：国家税务总局（契税）") == 1 and not any("收款单位：" == t for t in texts)


def test_a_receipt_without_them_prints_as_before():
    rows = {e.left for e in receipts.sample_payment_receipt() if isinstance(e, Row)}
    assert not rows & {"支付渠道", "交易号", "缴款码"}


def test_the_kiosk_gets_channel_code_and_masked_transaction_from_the_gateway(tmp_path, monkeypatch):
    with PaymentStack(tmp_path, monkeypatch) as stack:
        client = PlatformClient(stack.gateway.base_url, stack.gateway.api_key("demo-hall-01"))
        assert client.payment_channels() == ["微信支付", "支付宝"]
        token = client.issue_applicant_token(OBAMA, "card_only_demo", None)
        case = next(c for c in client.list_cases(token) if c.status == "tax_assessed")
        fees = client.fees(token, case.case_id)
        assert {f.code: f.department for f in fees.items}["deed_tax"] == "国家税务总局（契税）"
        order = client.create_payment_order(token, case.case_id, "key-1")
        assert order.channel_name == "微信支付" and len(order.payment_code) == 20
        stack.wechat.pay(order.order_id)
        paid = client.payment_status(token, order.order_id)
        transaction = stack.wechat.orders[order.order_id].transaction_id
        assert paid.status == "paid" and paid.transaction_masked == transaction[:4] + "*" * 20 + transaction[-4:]
        elements = receipts.payment_receipt(
            office="o", kiosk_id="k", case_id=case.case_id, case_kind=case.kind, items=fees.items,
            total_fen=fees.total_fen, order_id=paid.order_id, paid_at=datetime(2026, 1, 1),
            e_invoice_url=paid.e_invoice_url, channel_name=paid.channel_name, payment_code=order.payment_code,
            transaction_masked=paid.transaction_masked)
        rows = {e.left: e.right for e in elements if isinstance(e, Row)}
        assert rows["交易号"] == paid.transaction_masked and transaction not in str(elements)

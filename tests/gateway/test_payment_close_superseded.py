"""A superseded payment order is closed at its provider (WeChat Pay close order, Alipay trade.close) so its QR code can
no longer be paid; when the money came first, or the close fails, the money that still arrives is refunded. Against
the provider simulators through a real gateway on loopback."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.models import AuditEntry
from tests.gateway.payment_providers.stack import PaymentStack
from tests.gateway.test_payment_providers import refunds, sim

CHANNELS = ["wechat", "alipay"]


@pytest.fixture
def stack(tmp_path, monkeypatch, engine):
    with PaymentStack(tmp_path, monkeypatch, engine=engine, channels=("wechat", "alipay", "aggregated")) as s:
        yield s


def provider_state(stack, channel, order_id) -> str:
    return stack.wechat.orders[order_id].state if channel == "wechat" else stack.alipay.trades[order_id].status


def audit(stack, order_id) -> list[AuditEntry]:
    with stack.gateway.sessionmaker()() as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.subject == order_id)
                              .order_by(AuditEntry.id)).scalars())


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_superseded_order_is_closed_at_the_provider_and_cannot_be_paid(stack, channel):
    case_id = stack.kiosk.payable_case()
    old = stack.kiosk.order(case_id, channel)
    assert provider_state(stack, channel, old["order_id"]) in ("NOTPAY", "WAIT_BUYER_PAY")
    new = stack.kiosk.order(case_id, channel)
    assert stack.kiosk.status(old["order_id"])["status"] == "cancelled"
    assert provider_state(stack, channel, old["order_id"]) == ("CLOSED" if channel == "wechat" else "TRADE_CLOSED")
    with pytest.raises(RuntimeError, match="CLOSED"):
        sim(stack, channel).pay(old["order_id"])  # the old QR code still on a phone: the provider refuses it
    entries = audit(stack, old["order_id"])
    closed = [e for e in entries if e.action == "payment_closed_at_provider"]
    assert [e.detail["outcome"] for e in closed] == ["closed"]
    assert [e.action for e in entries].index("payment_cancelled") < entries.index(closed[0])
    sim(stack, channel).pay(new["order_id"])
    assert stack.kiosk.status(new["order_id"])["status"] == "paid"
    assert refunds(stack) == []


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_close_the_provider_refuses_changes_nothing_and_later_money_is_refunded(stack, channel):
    case_id = stack.kiosk.payable_case()
    old = stack.kiosk.order(case_id, channel)
    if channel == "wechat":
        stack.wechat.fail_next["/v3/pay/transactions/out-trade-no/"] = (500, "SYSTEM_ERROR")
    else:
        stack.alipay.fail_next["alipay.trade.close"] = ("20000", "aop.ACQ.SYSTEM_ERROR")
    new = stack.kiosk.order(case_id, channel)  # the new order is made all the same
    assert stack.kiosk.status(new["order_id"])["status"] == "pending"
    [failed] = [e for e in audit(stack, old["order_id"]) if e.action == "payment_close_failed"]
    assert "SYSTEM_ERROR" in failed.detail["error"]
    sim(stack, channel).pay(old["order_id"])  # still open at the provider: paid, and given back
    [refund] = refunds(stack)
    assert (refund.order_id, refund.channel, refund.reason, refund.status) == \
        (old["order_id"], channel, "cancelled_order", "done")
    assert stack.kiosk.status(old["order_id"])["status"] == "cancelled"


@pytest.mark.parametrize("channel", CHANNELS)
def test_money_that_came_before_the_close_is_refunded(stack, channel):
    case_id = stack.kiosk.payable_case()
    old = stack.kiosk.order(case_id, channel)
    sim(stack, channel).pay(old["order_id"], notify=False)  # paid the moment before the applicant started again
    stack.kiosk.order(case_id, channel)
    [closed] = [e for e in audit(stack, old["order_id"]) if e.action == "payment_closed_at_provider"]
    assert closed.detail["outcome"] == "paid"
    sim(stack, channel).deliver(*sim(stack, channel).notification(old["order_id"]))
    [refund] = refunds(stack)
    assert (refund.order_id, refund.reason, refund.status) == (old["order_id"], "cancelled_order", "done")


def test_a_superseded_aggregated_order_is_closed_at_both_providers(stack):
    case_id = stack.kiosk.payable_case()
    old = stack.kiosk.order(case_id, "aggregated")
    stack.alipay.open_code(old["pay_url"])  # opened in Alipay only: WeChat never heard of it
    stack.kiosk.order(case_id, "aggregated")
    assert stack.alipay.trades[old["order_id"]].status == "TRADE_CLOSED"
    assert ("POST", f"/v3/pay/transactions/out-trade-no/{old['order_id']}/close") in stack.wechat.requests
    [closed] = [e for e in audit(stack, old["order_id"]) if e.action == "payment_closed_at_provider"]
    assert closed.detail["outcome"] == "closed"
    page = stack.alipay.open_code(old["pay_url"])  # the old code opened again: the gateway says it is cancelled
    assert 'data-status="cancelled"' in page.text and page.url.startswith(stack.gateway.base_url)

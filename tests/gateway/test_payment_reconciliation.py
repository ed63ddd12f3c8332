"""The daily reconciliation against each provider's statement (bill download), one alert per difference, and the staff
dashboard's payments page with the refunds and the reconciliation runs."""
from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.dashboard.models import FleetAlert
from gateway.models import AuditEntry, PaymentOrder, PaymentReconciliation
from gateway.payments import BEIJING, reconcile_day, reconcile_due
from tests.gateway.dashboard.conftest import sign_in
from tests.gateway.payment_providers.stack import PaymentStack

CHANNELS = ["wechat", "alipay"]


@pytest.fixture
def stack(tmp_path, monkeypatch, engine):
    """On SQLite, and on PostgreSQL when KIOSK_TEST_PG_URL is set (the `engine` fixture's own schema)."""
    with PaymentStack(tmp_path, monkeypatch, engine=engine) as s:
        yield s


def sim(stack, channel):
    return stack.wechat if channel == "wechat" else stack.alipay


def today() -> dt.date:
    return dt.datetime.now(BEIJING).date()


def reconcile(stack, channel, day=None) -> int:
    with stack.gateway.sessionmaker()() as db:
        found = reconcile_day(db, stack.app.state.adapters.channels()[channel], day or today())
        db.commit()
    return found


def alerts(stack) -> list[FleetAlert]:
    with stack.gateway.sessionmaker()() as db:
        return list(db.execute(select(FleetAlert).where(FleetAlert.kind == "payment_reconciliation")).scalars())


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_statement_that_matches_raises_nothing(stack, channel):
    order = stack.kiosk.order(stack.kiosk.payable_case(), channel)
    sim(stack, channel).pay(order["order_id"])
    assert reconcile(stack, channel) == 0
    assert alerts(stack) == []
    with stack.gateway.sessionmaker()() as db:
        run = db.get(PaymentReconciliation, (channel, today()))
        assert (run.lines, run.differences) == (1, 0)
        assert db.execute(select(AuditEntry).where(AuditEntry.action == "payment_reconciled")).first()


@pytest.mark.parametrize("channel", CHANNELS)
def test_each_difference_is_an_alert(stack, channel):
    case_id = stack.kiosk.payable_case()
    lost = stack.kiosk.order(case_id, channel)
    sim(stack, channel).pay(lost["order_id"], notify=False)  # paid at the provider, the gateway never heard
    with stack.gateway.sessionmaker()() as db:  # and one the gateway thinks paid that the provider never had
        order = db.get(PaymentOrder, lost["order_id"])
        ghost = PaymentOrder(order_id="POGHOST0000000001", case_id=case_id, kiosk_id="demo-hall-01",
                             amount_fen=100, items=[], status="paid", created_at=order.created_at,
                             expires_at=order.expires_at, paid_at=order.created_at, pay_secret_hash="0" * 64,
                             provider_ref="POGHOST0000000001", channel=channel, transaction_id="T1")
        db.add(ghost)
        db.commit()
    assert reconcile(stack, channel) == 2
    details = sorted(a.subject for a in alerts(stack))
    assert details == sorted([f"{channel}:{today().isoformat()}:{lost['order_id']}",
                              f"{channel}:{today().isoformat()}:POGHOST0000000001"])
    assert all(a.kiosk_id == "payments" for a in alerts(stack))


def test_the_daily_job_runs_each_day_once(stack):
    providers = stack.app.state.adapters.channels()
    tomorrow = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    order = stack.kiosk.order(stack.kiosk.payable_case(), "alipay")
    stack.alipay.pay(order["order_id"])
    assert reconcile_due(stack.gateway.sessionmaker(), providers, now=tomorrow) == 0
    assert reconcile_due(stack.gateway.sessionmaker(), providers, now=tomorrow) == 0
    with stack.gateway.sessionmaker()() as db:
        runs = {(r.channel, r.lines) for r in db.execute(select(PaymentReconciliation)).scalars()}
    assert runs == {("wechat", 0), ("alipay", 1)}
    assert stack.wechat.requests.count(("GET", f"/v3/bill/tradebill?bill_date={today().isoformat()}"
                                               "&bill_type=ALL&tar_type=GZIP")) == 1


def test_staff_see_refunds_and_reconciliations_on_the_dashboard(stack):
    case_id = stack.kiosk.payable_case()
    old = stack.kiosk.order(case_id, "wechat")
    stack.wechat.pay(old["order_id"], notify=False)  # paid just before it was superseded: refunded
    stack.kiosk.order(case_id, "wechat")
    stack.wechat.deliver(*stack.wechat.notification(old["order_id"]))
    reconcile(stack, "wechat")
    with TestClient(stack.app, base_url="http://testserver") as client:
        assert sign_in(client, "viewer", "viewer-demo-pass").status_code == 303
        page = client.get("/dashboard/payments")
        assert page.status_code == 200
        assert f'data-status="done"' in page.text and old["order_id"] in page.text
        assert "订单已取消" in page.text and f'data-day="{today().isoformat()}" data-channel="wechat"' in page.text
        assert "payment_refund" in client.get("/dashboard/alerts").text

"""The aggregated code (聚合码) through a real gateway on loopback against the WeChat Pay and Alipay simulators: a phone
opens the kiosk's one QR as WeChat (OAuth redirect, JSAPI prepay, paySign checked by the simulated WeChat app) or as
Alipay (the mobile-site cashier), over real HTTP with those User-Agents; an unknown browser; forged and replayed
notifications for a JSAPI order; the same order paid through both apps; a lost notification found by query."""
from __future__ import annotations

import datetime as dt

import pytest
import requests
from sqlalchemy import select

from gateway.models import AuditEntry, utcnow
from gateway.payments import sweep
from tests.gateway.payment_providers.base import new_rsa_key
from tests.gateway.payment_providers.stack import PaymentStack
from tests.gateway.test_payment_providers import db, order_row, refunds

DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


@pytest.fixture
def stack(tmp_path, monkeypatch, engine):
    with PaymentStack(tmp_path, monkeypatch, engine=engine, channels=("aggregated",)) as s:
        yield s


def audit(stack, order_id=None) -> list[AuditEntry]:
    with db(stack) as s:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if order_id is not None:
            query = query.where(AuditEntry.subject == order_id)
        return list(s.execute(query).scalars())


def open_in_wechat(stack, pay_url) -> dict:
    """The phone's WeChat opens the code; returns the WeixinJSBridge parameters of the page it ends on."""
    page = stack.wechat.open_code(pay_url)
    assert page.status_code == 200, page.text
    assert page.url.startswith(f"{stack.gateway.base_url}/pay/qr/") and "/wechat?" in page.url and "code=" in page.url
    csp = page.headers["content-security-policy"]
    assert "script-src 'nonce-" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    return stack.wechat.jsapi_params(page.text)


def open_in_alipay(stack, pay_url) -> str:
    """The phone's Alipay opens the code; returns the trade its cashier shows."""
    page = stack.alipay.open_code(pay_url)
    assert page.status_code == 200, page.text
    assert page.url.startswith(stack.alipay.gateway_url + "?") and "alipay.trade.wap.pay" in page.url
    return stack.alipay.cashier_trade(page.text)


def pay_in_app(stack, channel, pay_url, notify=True):
    if channel == "wechat":
        return stack.wechat.bridge_pay(open_in_wechat(stack, pay_url), notify=notify)
    return stack.alipay.pay(open_in_alipay(stack, pay_url), notify=notify)


@pytest.mark.parametrize("channel,name", [("wechat", "微信支付"), ("alipay", "支付宝")])
def test_the_one_code_opened_in_each_app_is_paid_end_to_end(stack, channel, name):
    assert stack.kiosk.channels() == ["aggregated"]
    case_id = stack.kiosk.payable_case()
    order = stack.kiosk.order(case_id, "aggregated")
    assert order["channel"] == "aggregated" and order["channel_name"] == "微信或支付宝（聚合码）"
    assert order["pay_url"].startswith(f"{stack.gateway.base_url}/pay/qr/{order['order_id']}?t=")
    assert stack.wechat.orders == {} and stack.alipay.trades == {}  # no provider order until a phone opens it
    status, body = pay_in_app(stack, channel, order["pay_url"])
    assert status == 200 and (body == b"success" if channel == "alipay" else b'"SUCCESS"' in body)
    paid = stack.kiosk.status(order["order_id"])
    assert (paid["status"], paid["paid_channel"], paid["channel_name"]) == ("paid", channel, name)
    row = order_row(stack, order["order_id"])
    assert (row.channel, row.paid_channel, row.paid_amount_fen) == ("aggregated", channel, order["amount_fen"])
    assert "*" in paid["transaction_masked"] and row.transaction_id.endswith(paid["transaction_masked"][-4:])
    if channel == "wechat":
        sim_order = stack.wechat.orders[order["order_id"]]
        assert (sim_order.trade_type, sim_order.openid) == ("JSAPI", stack.wechat.openid)
        assert order["order_id"] not in stack.alipay.trades
    else:
        assert stack.alipay.trades[order["order_id"]].return_url.startswith(stack.gateway.base_url)
        assert order["order_id"] not in stack.wechat.orders
    entries = audit(stack, order["order_id"])
    assert [e.action for e in entries] == ["payment_order_created", "payment_paid"]
    assert entries[-1].detail["paid_channel"] == channel and entries[-1].actor == f"payment_provider:{channel}"
    invoice = stack.kiosk.http.get(paid["e_invoice_url"]).text
    assert name in invoice and paid["transaction_masked"] in invoice
    # The code opened again after payment says so, and makes no new provider order.
    again = requests.get(order["pay_url"], headers={"User-Agent": "MicroMessenger/8.0"}, timeout=10)
    assert 'data-status="paid"' in again.text and again.url.startswith(stack.gateway.base_url)


def test_another_browser_is_told_to_open_the_code_in_wechat_or_alipay(stack):
    order = stack.kiosk.order(stack.kiosk.payable_case(), "aggregated")
    page = requests.get(order["pay_url"], headers={"User-Agent": DESKTOP_UA}, timeout=10)
    assert page.status_code == 200
    assert "请用微信或支付宝扫描" in page.text and "Please scan the code on the kiosk with WeChat or Alipay" in page.text
    assert "wxpay-params" not in page.text and "<script" not in page.text
    assert stack.wechat.orders == {} and stack.alipay.trades == {}
    assert stack.kiosk.status(order["order_id"])["status"] == "pending"
    # Coming back from the OAuth step in another browser does not make a JSAPI order either.
    back = requests.get(order["pay_url"].replace("?t=", "/wechat?code=abc&t="), headers={"User-Agent": DESKTOP_UA},
                        timeout=10)
    assert "请用微信或支付宝扫描" in back.text and stack.wechat.orders == {}
    wrong = requests.get(order["pay_url"][:-3] + "xyz", headers={"User-Agent": "MicroMessenger/8.0"}, timeout=10)
    assert wrong.status_code == 404 and "链接无效" in wrong.text


def test_a_code_from_the_oauth_step_is_good_once(stack):
    order = stack.kiosk.order(stack.kiosk.payable_case(), "aggregated")
    page = stack.wechat.open_code(order["pay_url"])
    replay = requests.get(page.url, headers={"User-Agent": "MicroMessenger/8.0"}, timeout=10)
    assert replay.status_code == 502 and "wxpay-params" not in replay.text
    assert stack.kiosk.status(order["order_id"])["status"] == "pending"


def test_a_forged_or_replayed_notification_for_a_jsapi_order_is_refused(stack):
    order = stack.kiosk.order(stack.kiosk.payable_case(), "aggregated")
    order_id = order["order_id"]
    params = open_in_wechat(stack, order["pay_url"])
    wechat = stack.wechat
    resource = {**wechat.resource(wechat.orders[order_id]), "trade_state": "SUCCESS",
                "transaction_id": "4200000000000000000000000001",
                "success_time": dt.datetime.now(dt.timezone.utc).isoformat()}
    status, _ = wechat.deliver(*wechat.notification(order_id, sign_key=new_rsa_key(), resource=resource))
    assert status == 400 and stack.kiosk.status(order_id)["status"] == "pending"
    wechat.bridge_pay(params, notify=False)  # paid; a genuine notification is captured and replayed an hour later
    captured = wechat.notification(order_id, timestamp=int(utcnow().timestamp()) - 3600)
    status, _ = wechat.deliver(*captured)
    assert status == 400 and stack.kiosk.status(order_id)["status"] == "pending"
    reasons = [e.detail["reason"] for e in audit(stack) if e.action == "payment_notification_rejected"]
    assert any("signature" in r or "verifiable" in r for r in reasons) and any("replay window" in r for r in reasons)
    genuine = wechat.notification(order_id)
    assert wechat.deliver(*genuine)[0] == 200
    assert wechat.deliver(*genuine)[0] == 200  # replayed at once: taken once, the repeat recorded
    assert stack.kiosk.status(order_id)["status"] == "paid"
    actions = [e.action for e in audit(stack, order_id)]
    assert actions.count("payment_paid") == 1 and "payment_notification_repeated" in actions
    assert refunds(stack) == []


@pytest.mark.parametrize("first,second", [("wechat", "alipay"), ("alipay", "wechat")])
def test_the_code_paid_in_both_apps_keeps_the_first_and_refunds_the_second(stack, first, second):
    """Two phones (or one, twice) scan the same code before either pays: each app has its own provider order for
    it; both notifications settle the one order, once; the later money goes back through its own provider."""
    case_id = stack.kiosk.payable_case()
    order = stack.kiosk.order(case_id, "aggregated")
    order_id = order["order_id"]
    wechat_params = open_in_wechat(stack, order["pay_url"])
    alipay_trade = open_in_alipay(stack, order["pay_url"])
    pay = {"wechat": lambda: stack.wechat.bridge_pay(wechat_params), "alipay": lambda: stack.alipay.pay(alipay_trade)}
    pay[first]()
    pay[second]()
    paid = stack.kiosk.status(order_id)
    assert (paid["status"], paid["paid_channel"]) == ("paid", first)
    [refund] = refunds(stack)
    assert (refund.order_id, refund.channel, refund.reason, refund.status) == \
        (order_id, second, "duplicate_payment", "done")
    assert refund.amount_fen == order["amount_fen"]
    if second == "wechat":
        assert stack.wechat.orders[order_id].refunded == order["amount_fen"]
    else:
        assert list(stack.alipay.trades[order_id].refunded.values()) == [f"{order['amount_fen'] / 100:.2f}"]
    row = order_row(stack, order_id)
    assert row.paid_channel == first and row.transaction_id != refund.transaction_id
    actions = [e.action for e in audit(stack, order_id)]
    assert actions.count("payment_paid") == 1 and "payment_refund_done" in actions


def test_a_lost_notification_of_either_app_is_found_by_asking_both_providers(stack):
    order = stack.kiosk.order(stack.kiosk.payable_case(), "aggregated")
    pay_in_app(stack, "alipay", order["pay_url"], notify=False)
    providers = stack.app.state.adapters.channels()
    assert sweep(stack.gateway.sessionmaker(), providers, before_expiry_s=10_000, requery_s=0) == 1
    paid = stack.kiosk.status(order["order_id"])
    assert (paid["status"], paid["paid_channel"]) == ("paid", "alipay")
    assert any(path.startswith(f"/v3/pay/transactions/out-trade-no/{order['order_id']}?")
               for _m, path in stack.wechat.requests)  # WeChat was asked too: it had no such order


def test_the_daily_reconciliation_reads_both_statements_of_the_aggregated_site(stack):
    from gateway.models import PaymentReconciliation
    from gateway.payments import reconcile_due

    order = stack.kiosk.order(stack.kiosk.payable_case(), "aggregated")
    pay_in_app(stack, "wechat", order["pay_url"])
    tomorrow = utcnow() + dt.timedelta(days=1)
    assert reconcile_due(stack.gateway.sessionmaker(), stack.app.state.adapters.channels(), now=tomorrow) == 0
    with db(stack) as s:
        runs = {(r.channel, r.lines, r.differences) for r in s.execute(select(PaymentReconciliation)).scalars()}
    assert runs == {("wechat", 1, 0), ("alipay", 0, 0)}


def test_the_public_instance_serves_the_code_page(stack):
    """`--public` (the instance phones reach) mounts the aggregated code's page; no kiosk API there."""
    import dataclasses

    from fastapi.testclient import TestClient

    from gateway.app import create_app

    order = stack.kiosk.order(stack.kiosk.payable_case(), "aggregated")
    path = order["pay_url"].removeprefix(stack.gateway.base_url)
    public = create_app(dataclasses.replace(stack.gateway.settings, public_only=True, run_migrations=False),
                        engine=stack.gateway.engine)
    with TestClient(public) as client:
        assert client.get("/v1/health").status_code == 404
        answer = client.get(path, headers={"User-Agent": "Mozilla/5.0 MicroMessenger/8.0.34"}, follow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["location"].startswith(f"{stack.wechat.base_url}/connect/oauth2/authorize?appid=")
    assert answer.headers["location"].endswith("#wechat_redirect") and "scope=snsapi_base" in answer.headers["location"]

"""The WeChat Pay and Alipay adapters through a real gateway on loopback against their simulators: orders, signed
notifications (forged, replayed, repeated, out of order, lost), order query before and after expiry, refunds, error
codes, and answers whose signature does not verify. Each ends with the money state checked and an audit record."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from gateway.dashboard.models import FleetAlert
from gateway.models import AuditEntry, Case, PaymentOrder, PaymentRefund, utcnow
from gateway.payments import sweep
from tests.gateway.payment_providers.base import new_rsa_key
from tests.gateway.payment_providers.stack import PaymentStack
from tests.waiting import wait_for

CHANNELS = ["wechat", "alipay"]


@pytest.fixture
def stack(tmp_path, monkeypatch, engine):
    """On SQLite, and on PostgreSQL when KIOSK_TEST_PG_URL is set (the `engine` fixture's own schema)."""
    with PaymentStack(tmp_path, monkeypatch, engine=engine) as s:
        yield s


def sim(stack, channel):
    return stack.wechat if channel == "wechat" else stack.alipay


def provider(stack, channel):
    return stack.app.state.adapters.channels()[channel]


def db(stack):
    return stack.gateway.sessionmaker()()


def order_row(stack, order_id) -> PaymentOrder:
    with db(stack) as s:
        return s.get(PaymentOrder, order_id)


def audit_actions(stack, order_id=None) -> list[str]:
    with db(stack) as s:
        query = select(AuditEntry.action).order_by(AuditEntry.id)
        if order_id is not None:
            query = query.where(AuditEntry.subject == order_id)
        return list(s.execute(query).scalars())


def refunds(stack) -> list[PaymentRefund]:
    with db(stack) as s:
        return list(s.execute(select(PaymentRefund)).scalars())


def case_status(stack, case_id) -> str:
    with db(stack) as s:
        return s.get(Case, case_id).status


def forged(stack, channel, order_id):
    """A well-formed success notification for an unpaid order, signed with a key that is not the provider's."""
    if channel == "wechat":
        resource = {**stack.wechat.resource(stack.wechat.orders[order_id]), "trade_state": "SUCCESS",
                    "transaction_id": "4200000000000000000000000001",
                    "success_time": dt.datetime.now(dt.timezone.utc).isoformat()}
        return stack.wechat.notification(order_id, sign_key=new_rsa_key(), resource=resource)
    return stack.alipay.notification(order_id, key=new_rsa_key(), trade_status="TRADE_SUCCESS",
                                     trade_no="2026120322001400000000000001", gmt_payment="2026-12-03 10:00:00")


def sweep_now(stack, **kw):
    providers = stack.app.state.adapters.channels()
    return sweep(stack.gateway.sessionmaker(), providers, before_expiry_s=kw.get("before_expiry_s", 10_000),
                 requery_s=0)


@pytest.mark.parametrize("channel", CHANNELS)
def test_an_order_paid_on_the_phone_is_paid_at_the_kiosk(stack, channel):
    assert stack.kiosk.channels() == ["wechat", "alipay"]
    case_id = stack.kiosk.payable_case()
    order = stack.kiosk.order(case_id, channel)
    prefix = "weixin://wxpay/bizpayurl?pr=" if channel == "wechat" else "https://qr.alipay.com/"
    assert order["pay_url"].startswith(prefix) and order["channel"] == channel
    assert len(order["payment_code"]) == 20 and order["payment_code"].isdigit()
    status, body = sim(stack, channel).pay(order["order_id"])
    assert (status, body) == ((200, b"success") if channel == "alipay" else (200, body))
    paid = stack.kiosk.status(order["order_id"])
    assert paid["status"] == "paid" and paid["e_invoice_url"]
    assert "*" in paid["transaction_masked"]
    row = order_row(stack, order["order_id"])
    assert row.paid_amount_fen == row.amount_fen and row.transaction_id.startswith(paid["transaction_masked"][:4])
    assert case_status(stack, case_id) == "paid"
    assert audit_actions(stack, order["order_id"]) == ["payment_order_created", "payment_paid"]
    invoice = stack.kiosk.http.get(paid["e_invoice_url"]).text
    assert order["payment_code"] in invoice and "国家税务总局（契税）" in invoice and paid["transaction_masked"] in invoice


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_forged_notification_is_refused_and_recorded(stack, channel):
    order = stack.kiosk.order(stack.kiosk.payable_case(), channel)
    status, body = sim(stack, channel).deliver(*forged(stack, channel, order["order_id"]))
    assert (status, body) == (400, body) if channel == "wechat" else (status, body) == (200, b"fail")
    assert stack.kiosk.status(order["order_id"])["status"] == "pending"
    assert "payment_notification_rejected" in audit_actions(stack)
    assert refunds(stack) == []


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_replayed_old_notification_is_refused(stack, channel):
    order = stack.kiosk.order(stack.kiosk.payable_case(), channel)
    provider_sim = sim(stack, channel)
    provider_sim.pay(order["order_id"], notify=False)
    if channel == "wechat":  # a genuine, correctly signed notification, captured an hour ago
        captured = provider_sim.notification(order["order_id"], timestamp=int(utcnow().timestamp()) - 3600)
    else:
        an_hour_ago = (dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(hours=1))
        captured = provider_sim.notification(order["order_id"], notify_time=an_hour_ago.strftime("%Y-%m-%d %H:%M:%S"))
    provider_sim.deliver(*captured)
    assert stack.kiosk.status(order["order_id"])["status"] == "pending"
    with db(stack) as s:
        reasons = [e.detail["reason"] for e in s.execute(select(AuditEntry).where(
            AuditEntry.action == "payment_notification_rejected")).scalars()]
    assert any("replay window" in r for r in reasons)


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_repeated_notification_changes_nothing(stack, channel):
    order = stack.kiosk.order(stack.kiosk.payable_case(), channel)
    provider_sim = sim(stack, channel)
    provider_sim.pay(order["order_id"], notify=False)
    notification = provider_sim.notification(order["order_id"])
    first = provider_sim.deliver(*notification)
    again = provider_sim.deliver(*notification)  # the provider did not hear us, or someone replays it at once
    retry = provider_sim.deliver(*provider_sim.notification(order["order_id"]))  # same id, signed anew
    assert first == again == retry and first[0] == 200
    assert stack.kiosk.status(order["order_id"])["status"] == "paid"
    actions = audit_actions(stack, order["order_id"])
    assert actions.count("payment_paid") == 1 and actions.count("payment_notification_repeated") == 2
    assert refunds(stack) == []


@pytest.mark.parametrize("channel", CHANNELS)
def test_money_paid_to_a_superseded_order_is_refunded(stack, channel):
    case_id = stack.kiosk.payable_case()
    old = stack.kiosk.order(case_id, channel)
    provider_sim = sim(stack, channel)
    provider_sim.pay(old["order_id"], notify=False)  # the old QR code was paid a moment before the applicant...
    new = stack.kiosk.order(case_id, channel)  # ...started again: the old order is cancelled (too late to close)
    assert stack.kiosk.status(old["order_id"])["status"] == "cancelled"
    provider_sim.pay(new["order_id"])
    provider_sim.deliver(*provider_sim.notification(old["order_id"]))  # the old one's notification comes last
    assert stack.kiosk.status(new["order_id"])["status"] == "paid"
    assert stack.kiosk.status(old["order_id"])["status"] == "cancelled"
    [refund] = refunds(stack)
    assert (refund.order_id, refund.reason, refund.status) == (old["order_id"], "cancelled_order", "done")
    assert refund.amount_fen == old["amount_fen"]
    if channel == "wechat":
        assert stack.wechat.orders[old["order_id"]].state == "REFUND"
    else:
        assert list(stack.alipay.trades[old["order_id"]].refunded.values()) == [f"{old['amount_fen'] / 100:.2f}"]
    actions = audit_actions(stack, old["order_id"])
    assert "payment_cancelled" in actions and "payment_refund_requested" in actions and \
        "payment_refund_done" in actions
    with db(stack) as s:
        alert = s.execute(select(FleetAlert).where(FleetAlert.kind == "payment_refund")).scalar_one()
    assert alert.subject == refund.refund_id and old["order_id"] in alert.detail
    assert case_status(stack, case_id) == "paid"


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_lost_notification_is_found_by_query_before_expiry(stack, channel):
    order = stack.kiosk.order(stack.kiosk.payable_case(), channel)
    sim(stack, channel).pay(order["order_id"], notify=False)
    assert stack.kiosk.status(order["order_id"])["status"] == "pending"
    assert sweep_now(stack) == 1
    assert stack.kiosk.status(order["order_id"])["status"] == "paid"
    assert audit_actions(stack, order["order_id"])[-1] == "payment_paid"
    assert sweep_now(stack) == 0  # a paid order is not asked about again


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_payment_whose_notification_never_came_is_recognised_after_expiry(stack, channel):
    order = stack.kiosk.order(stack.kiosk.payable_case(), channel)
    sim(stack, channel).pay(order["order_id"], notify=False)
    with db(stack) as s:  # the order's time runs out before the watcher asked
        s.get(PaymentOrder, order["order_id"]).expires_at = utcnow()
        s.commit()
    assert stack.kiosk.status(order["order_id"])["status"] == "expired"
    sweep_now(stack, before_expiry_s=0)
    row = order_row(stack, order["order_id"])
    assert (row.status, row.settled) == ("paid", True)
    assert refunds(stack) == []
    actions = audit_actions(stack, order["order_id"])
    assert actions[-3:] == ["payment_expired", "payment_paid", "payment_settled_by_query"]


@pytest.mark.parametrize("channel", CHANNELS)
def test_an_unpaid_order_is_settled_by_one_query_after_expiry(stack, channel):
    order = stack.kiosk.order(stack.kiosk.payable_case(), channel)
    with db(stack) as s:
        s.get(PaymentOrder, order["order_id"]).expires_at = utcnow() - dt.timedelta(seconds=1)
        s.commit()
    assert sweep_now(stack, before_expiry_s=0) == 1
    assert sweep_now(stack, before_expiry_s=0) == 0
    row = order_row(stack, order["order_id"])
    assert (row.status, row.settled) == ("expired", True)
    assert audit_actions(stack, order["order_id"])[-1] == "payment_settled_by_query"


@pytest.mark.parametrize("channel", CHANNELS)
def test_money_after_expiry_is_refunded(stack, channel):
    case_id = stack.kiosk.payable_case()
    order = stack.kiosk.order(case_id, channel)
    with db(stack) as s:
        s.get(PaymentOrder, order["order_id"]).expires_at = utcnow() - dt.timedelta(minutes=5)
        s.commit()
    sim(stack, channel).pay(order["order_id"])  # the provider still took it (its own clock, or a slow payer)
    [refund] = refunds(stack)
    assert (refund.reason, refund.status) == ("expired_order", "done")
    assert stack.kiosk.status(order["order_id"])["status"] == "expired"
    assert case_status(stack, case_id) == "tax_assessed"


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_failed_refund_is_retried_with_the_same_refund_number(stack, channel):
    case_id = stack.kiosk.payable_case()
    old = stack.kiosk.order(case_id, channel)
    provider_sim = sim(stack, channel)
    provider_sim.pay(old["order_id"], notify=False)
    stack.kiosk.order(case_id, channel)
    if channel == "wechat":
        provider_sim.fail_next["/v3/refund/domestic/refunds"] = (500, "SYSTEM_ERROR")
    else:
        provider_sim.fail_next["alipay.trade.refund"] = ("20000", "aop.ACQ.SYSTEM_ERROR")
    provider_sim.deliver(*provider_sim.notification(old["order_id"]))
    [refund] = refunds(stack)
    assert refund.status == "failed" and "SYSTEM_ERROR" in refund.error
    sweep_now(stack, before_expiry_s=0)
    [refund] = refunds(stack)
    assert refund.status == "done"
    assert "payment_refund_failed" in audit_actions(stack, old["order_id"])
    sweep_now(stack, before_expiry_s=0)  # done stays done: the provider gave the money back once
    if channel == "wechat":
        assert stack.wechat.orders[old["order_id"]].refunded == old["amount_fen"]
    else:
        assert len(stack.alipay.trades[old["order_id"]].refunded) == 1


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_provider_error_code_refuses_the_order_in_one_line(stack, channel):
    if channel == "wechat":
        stack.wechat.fail_next["/v3/pay/transactions/native"] = (500, "SYSTEM_ERROR")
    else:
        stack.alipay.fail_next["alipay.trade.precreate"] = ("40004", "ACQ.TOTAL_FEE_EXCEED")
    response = stack.kiosk.http.post(f"{stack.kiosk.base}/v1/payment-orders", headers={"Idempotency-Key": "k1"},
                                     json={"case_id": stack.kiosk.payable_case(), "channel": channel})
    assert response.status_code == 502 and response.json()["error"]["code"] == "provider_unavailable"
    with db(stack) as s:
        assert s.execute(select(PaymentOrder)).first() is None
    assert stack.kiosk.order(stack.kiosk.payable_case(), channel)["status"] == "pending"  # next time it works


@pytest.mark.parametrize("channel", CHANNELS)
def test_an_answer_not_signed_by_the_provider_is_not_believed(stack, channel):
    if channel == "wechat":
        stack.wechat.platform_key = new_rsa_key()  # a man in the middle answers in the provider's place
    else:
        stack.alipay.alipay_key = new_rsa_key()
    response = stack.kiosk.http.post(f"{stack.kiosk.base}/v1/payment-orders", headers={"Idempotency-Key": "k2"},
                                     json={"case_id": stack.kiosk.payable_case(), "channel": channel})
    assert response.status_code == 502


def test_a_notification_encrypted_with_another_apiv3_key_is_refused(stack):
    order = stack.kiosk.order(stack.kiosk.payable_case(), "wechat")
    stack.wechat.pay(order["order_id"], notify=False)
    status, _ = stack.wechat.deliver(*stack.wechat.notification(order["order_id"], apiv3_key="x" * 32))
    assert status == 400
    assert stack.kiosk.status(order["order_id"])["status"] == "pending"


def test_a_new_platform_certificate_is_downloaded_and_used(stack):
    from tests.gateway.payment_providers.base import self_signed_cert

    stack.wechat.platform_key = new_rsa_key()  # WeChat Pay rotates its platform certificate
    stack.wechat.platform_cert = self_signed_cert(stack.wechat.platform_key, "Tenpay rotated", 0x7E57C0DE)
    order = stack.kiosk.order(stack.kiosk.payable_case(), "wechat")
    assert ("GET", "/v3/certificates") in stack.wechat.requests
    stack.wechat.pay(order["order_id"])
    assert stack.kiosk.status(order["order_id"])["status"] == "paid"
    cert_dir = provider(stack, "wechat").config.platform_cert_dir
    assert (cert_dir / "7E57C0DE.pem").exists()


def test_a_channel_the_site_does_not_accept_is_refused(tmp_path, monkeypatch):
    with PaymentStack(tmp_path, monkeypatch, channels=("alipay",)) as stack:
        assert stack.kiosk.channels() == ["alipay"]
        response = stack.kiosk.http.post(f"{stack.kiosk.base}/v1/payment-orders", headers={"Idempotency-Key": "k"},
                                         json={"case_id": stack.kiosk.payable_case(), "channel": "wechat"})
        assert response.status_code == 409 and response.json()["error"]["code"] == "channel_not_accepted"
        assert stack.kiosk.http.post(f"{stack.kiosk.base}/notifications/payments/wechat", data=b"{}").status_code \
            == 404


def test_the_background_watcher_finds_a_lost_payment_without_being_asked(stack):
    """The app's lifespan runs the order watcher (LiveGateway here runs without it; a second app on the same
    database, as another gateway process would be, runs it)."""
    import dataclasses

    from fastapi.testclient import TestClient

    from gateway.app import create_app

    order = stack.kiosk.order(stack.kiosk.payable_case(), "wechat")
    stack.wechat.pay(order["order_id"], notify=False)
    watcher = create_app(dataclasses.replace(stack.gateway.settings, payment_watch_interval_s=0.05,
                                             payment_query_before_expiry_s=10_000, run_migrations=False),
                         engine=stack.gateway.engine)
    with TestClient(watcher):
        wait_for(lambda: order_row(stack, order["order_id"]).status == "paid", what="the watcher to find the payment")
    assert ("GET", f"/v3/pay/transactions/out-trade-no/{order['order_id']}?mchid=1900000109") in stack.wechat.requests


@pytest.mark.parametrize("channel", CHANNELS)
def test_the_public_instance_takes_the_provider_notification(stack, channel):
    """`--public` (the instance outside the kiosk network) mounts the providers' notification routes: a notification
    it receives pays the order the kiosk made through the kiosk API instance, on the same database."""
    import dataclasses

    from fastapi.testclient import TestClient

    from gateway.app import create_app

    order = stack.kiosk.order(stack.kiosk.payable_case(), channel)
    sim(stack, channel).pay(order["order_id"], notify=False)
    body, headers, _ = sim(stack, channel).notification(order["order_id"])
    public = create_app(dataclasses.replace(stack.gateway.settings, public_only=True, run_migrations=False),
                        engine=stack.gateway.engine)
    with TestClient(public) as client:
        assert client.get("/v1/health").status_code == 404  # no kiosk API here
        answer = client.post(f"/notifications/payments/{channel}", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert stack.kiosk.status(order["order_id"])["status"] == "paid"
    assert audit_actions(stack, order["order_id"])[-1] == "payment_paid"


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_request_the_provider_cannot_verify_is_refused(stack, channel):
    """The provider checks the merchant's signature (SIGN_ERROR / isv.invalid-signature): a wrong merchant key
    never creates an order."""
    if channel == "wechat":
        stack.wechat.merchant_public_key = new_rsa_key().public_key()
    else:
        stack.alipay.app_public_key = new_rsa_key().public_key()
    response = stack.kiosk.http.post(f"{stack.kiosk.base}/v1/payment-orders", headers={"Idempotency-Key": "k3"},
                                     json={"case_id": stack.kiosk.payable_case(), "channel": channel})
    assert response.status_code == 502
    assert (stack.wechat.orders if channel == "wechat" else stack.alipay.trades) == {}


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_case_paid_twice_gets_the_second_payment_back(stack, channel):
    """The first order was paid in time but its notification was lost; the applicant, told it expired, paid a new
    one. The watcher then finds the first payment: the case is paid already, so that money goes back."""
    case_id = stack.kiosk.payable_case()
    first = stack.kiosk.order(case_id, channel)
    provider_sim = sim(stack, channel)
    provider_sim.pay(first["order_id"], notify=False)
    with db(stack) as s:
        s.get(PaymentOrder, first["order_id"]).expires_at = utcnow()
        s.commit()
    second = stack.kiosk.order(case_id, channel)
    provider_sim.pay(second["order_id"])
    assert stack.kiosk.status(second["order_id"])["status"] == "paid"
    sweep_now(stack, before_expiry_s=0)
    [refund] = refunds(stack)
    assert (refund.order_id, refund.reason, refund.status) == (first["order_id"], "duplicate_payment", "done")
    assert order_row(stack, first["order_id"]).status == "expired"
    assert case_status(stack, case_id) == "paid"
    with db(stack) as s:
        paid = s.execute(select(AuditEntry).where(AuditEntry.action == "payment_paid")).scalars().all()
    assert [e.subject for e in paid] == [second["order_id"]]


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_payment_of_the_wrong_amount_pays_nothing_and_goes_back(stack, channel):
    case_id = stack.kiosk.payable_case()
    order = stack.kiosk.order(case_id, channel)
    if channel == "wechat":
        stack.wechat.pay(order["order_id"], amount=100)  # the provider reports 1 yuan paid for this order
    else:
        stack.alipay.pay(order["order_id"], notify=False)
        stack.alipay.deliver(*stack.alipay.notification(order["order_id"], total_amount="1.00"))
    assert stack.kiosk.status(order["order_id"])["status"] == "pending"
    assert case_status(stack, case_id) == "tax_assessed"
    [refund] = refunds(stack)
    assert (refund.reason, refund.amount_fen, refund.status) == ("amount_mismatch", 100, "done")

"""Fees, one idempotent payment order per case, the phone's payment page and the signed provider notification."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlparse

from sqlalchemy import select

from gateway.models import Case, PaymentOrder
from tests.gateway.test_api_core import assert_error


def _case(client, headers, status):
    return next(c for c in client.get("/v1/cases", headers=headers).json()["cases"] if c["status"] == status)


def test_fees_are_itemised(client, obama):
    case = _case(client, obama, "tax_assessed")
    fees = client.get(f"/v1/cases/{case['case_id']}/fees", headers=obama).json()
    codes = [item["code"] for item in fees["items"]]
    assert codes == ["deed_tax", "registration_fee"]
    assert fees["total_fen"] == sum(item["amount_fen"] for item in fees["items"])
    mortgage = next(c for c in client.get("/v1/cases", headers=obama).json()["cases"] if c["kind"] == "mortgage")
    # A mortgage registration pays the registration fee only (80 yuan for housing), no tax.
    assert client.get(f"/v1/cases/{mortgage['case_id']}/fees", headers=obama).json() == {
        "items": [{"code": "registration_fee", "name": "不动产登记费", "amount_fen": 8000,
                   "department": "不动产登记中心"}], "total_fen": 8000}
    cancellation = next(c for c in client.get("/v1/cases", headers=obama).json()["cases"]
                        if c["kind"] == "cancellation")
    assert client.get(f"/v1/cases/{cancellation['case_id']}/fees", headers=obama).json() == {"items": [],
                                                                                           "total_fen": 0}


def _order(client, headers, case_id, key):
    return client.post("/v1/payment-orders", headers={**headers, "Idempotency-Key": key}, json={"case_id": case_id})


def test_order_is_idempotent_and_a_new_attempt_cancels_the_old(client, obama, db):
    case = _case(client, obama, "tax_assessed")
    first = _order(client, obama, case["case_id"], "pay-1")
    assert first.status_code == 201
    assert _order(client, obama, case["case_id"], "pay-1").json() == first.json()
    assert_error(_order(client, obama, "BDC-OTHER", "pay-1"), 409, "idempotency_conflict")
    second = _order(client, obama, case["case_id"], "pay-2").json()
    assert second["order_id"] != first.json()["order_id"]
    status = client.get(f"/v1/payment-orders/{first.json()['order_id']}", headers=obama).json()
    assert status["status"] == "cancelled"
    db.rollback()
    assert len(db.execute(select(PaymentOrder).where(PaymentOrder.status == "pending")).scalars().all()) == 1


def test_unpayable_and_foreign_cases_are_refused(client, obama, token_for, hall):
    assert_error(_order(client, obama, _case(client, obama, "received")["case_id"], "k1"), 409, "case_not_payable")
    kit = {**hall, "X-Applicant-Token": token_for("GBR110861226013")}
    obama_case = _case(client, obama, "tax_assessed")
    assert_error(_order(client, kit, obama_case["case_id"], "k2"), 404, "case_not_found")


def test_paying_on_the_phone_page_moves_the_case_to_paid(client, obama, db):
    case = _case(client, obama, "tax_assessed")
    order = _order(client, obama, case["case_id"], "pay-page").json()
    url = urlparse(order["pay_url"])
    page = client.get(f"{url.path}?{url.query}")
    assert page.status_code == 200 and "确认支付" in page.text and re.search(r"¥[\d,]+\.\d\d", page.text)
    # The deadline a person reads is Beijing time (UTC+8), not the server's UTC.
    expires = dt.datetime.fromisoformat(order["expires_at"].replace("Z", "+00:00"))
    beijing = expires.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%H:%M")
    assert f'请在北京时间 <span id="expires">{beijing}</span> 前完成支付' in page.text and "UTC" not in page.text
    secret = url.query.split("=", 1)[1]
    assert client.get(f"{url.path}?t=wrong").status_code == 404
    done = client.post(url.path, data={"t": secret, "action": "pay"})
    assert done.status_code == 200 and 'data-status="paid"' in done.text
    status = client.get(f"/v1/payment-orders/{order['order_id']}", headers=obama).json()
    assert status["status"] == "paid" and status["e_invoice_url"].endswith(order["order_id"])
    assert client.get(urlparse(status["e_invoice_url"]).path).status_code == 200
    db.rollback()
    assert db.get(Case, case["case_id"]).status == "paid"
    again = client.get(f"/v1/cases/{case['case_id']}", headers=obama).json()
    assert again["status"] == "paid" and again["next_action"] == "wait_for_recording"
    # Paying twice changes nothing.
    assert 'data-status="paid"' in client.post(url.path, data={"t": secret, "action": "cancel"}).text


def test_cancel_and_expiry(client, obama, db):
    case = _case(client, obama, "tax_assessed")
    order = _order(client, obama, case["case_id"], "cancel-me").json()
    url = urlparse(order["pay_url"])
    secret = url.query.split("=", 1)[1]
    assert 'data-status="cancelled"' in client.post(url.path, data={"t": secret, "action": "cancel"}).text
    other = _order(client, obama, case["case_id"], "expire-me").json()
    db.rollback()
    row = db.get(PaymentOrder, other["order_id"])
    row.expires_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    db.commit()
    assert client.get(f"/v1/payment-orders/{other['order_id']}", headers=obama).json()["status"] == "expired"


def test_provider_notification_needs_a_valid_signature(client, obama, app):
    case = _case(client, obama, "tax_assessed")
    order = _order(client, obama, case["case_id"], "notify").json()
    provider = app.state.adapters.payment
    with app.state.sessionmaker() as s:
        ref = s.get(PaymentOrder, order["order_id"]).provider_ref
    body, signature = provider.notification(order["order_id"], ref, "paid")
    forged = client.post("/notifications/payments", content=body, headers={"X-Signature": "0" * 64})
    assert_error(forged, 400, "notification_rejected")
    ok = client.post("/notifications/payments", content=body, headers={"X-Signature": signature})
    assert ok.json() == {"order_id": order["order_id"], "status": "paid"}
    assert client.post("/notifications/payments", content=body, headers={"X-Signature": signature}).json()["status"] \
        == "paid"


def test_payment_codes_are_20_digits_with_a_check_digit():
    from gateway.payments import payment_code, valid_payment_code

    codes = {payment_code("110105") for _ in range(50)}
    assert len(codes) == 50 and all(len(c) == 20 and c.isdigit() and c.startswith("110105") for c in codes)
    assert all(valid_payment_code(c) for c in codes)
    code = next(iter(codes))
    mistyped = code[:10] + str((int(code[10]) + 1) % 10) + code[11:]
    assert not valid_payment_code(mistyped)
    import pytest

    with pytest.raises(ValueError, match="6 digits"):
        payment_code("1101")


def test_transaction_numbers_are_masked_to_their_ends():
    from gateway.payments import mask_transaction

    assert mask_transaction("4200001234567890123456789012") == "4200" + "*" * 20 + "9012"
    assert mask_transaction("1234") == "****" and mask_transaction(None) is None

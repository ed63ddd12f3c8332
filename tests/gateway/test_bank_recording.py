"""Tests for gateway/routers/bank_recording.py and gateway/bank_recording.py: a signed mortgage pays its fee, is
recorded by the simulated registration centre, and its registration proof is fetched and verified on /verify."""
from __future__ import annotations

import re
import uuid
from urllib.parse import urlparse

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st
from sqlalchemy import select

from gateway.bank_recording import issuer_of
from gateway.bank_demo import seed_bank_demo
from gateway.db import make_sessionmaker
from gateway.models import Case, CaseStep, Kiosk
from tests.gateway.test_bank import LIN, OBAMA, applicant, sign

BIDEN = "310115194211202341"


@pytest.fixture
def bank(app, credentials):
    with make_sessionmaker(app.state.engine)() as session:
        seed_bank_demo(session, "demo-bank-01")
    return {"Authorization": f"Bearer {credentials['demo-bank-01']}"}


@pytest.fixture
def staff(client, bank):
    response = client.post("/v1/bank/staff-sessions", headers=bank, json={"staff_id": "1001", "pin": "246810"})
    assert response.status_code == 201, response.text
    return {**bank, "X-Staff-Token": response.json()["staff_token"]}


def record(client, staff, application_id="MA-DEMO-001", key=None):
    return client.post(f"/v1/bank/submissions/{application_id}/recording",
                       headers={**staff, "Idempotency-Key": key or uuid.uuid4().hex})


def pay(client, headers, case_id):
    order = client.post("/v1/payment-orders", headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
                        json={"case_id": case_id})
    assert order.status_code == 201, order.text
    assert order.json()["amount_fen"] == 8000, "a mortgage registration pays the 80-yuan registration fee"
    url = urlparse(order.json()["pay_url"])
    done = client.post(url.path, data={"t": url.query.split("=", 1)[1], "action": "pay"})
    assert 'data-status="paid"' in done.text


def test_signed_paid_recorded_then_the_proof_prints_and_verifies(client, bank, staff, db):
    lin = {**bank, "X-Applicant-Token": applicant(client, bank, LIN)}
    assert sign(client, staff, lin["X-Applicant-Token"]).status_code == 201
    case_id = sign(client, staff, applicant(client, bank, OBAMA)).json()["case_id"]
    # Not paid yet: the registration centre does not record it, and there is nothing to print.
    refused = record(client, staff)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "fee_unpaid"
    not_yet = client.get(f"/v1/bank/my-mortgages/{case_id}/certificate", headers=lin)
    assert not_yet.status_code == 409 and not_yet.json()["error"]["code"] == "certificate_not_ready"
    (mine,) = [m for m in client.get("/v1/bank/my-mortgages", headers=lin).json()["mortgages"]
               if m["case_id"] == case_id]
    assert mine["working_days_left"] == 5 and mine["certificate_ready"] is False
    pay(client, lin, case_id)
    key = uuid.uuid4().hex
    recorded = record(client, staff, key=key)
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["case_status"] == "recorded" and recorded.json()["working_days_left"] is None
    assert record(client, staff, key=key).json() == recorded.json()  # a retried call is answered, not re-applied
    db.rollback()
    case = db.get(Case, case_id)
    assert case.status == "recorded" and re.fullmatch(r"粤（\d{4}）深圳市不动产证明第\d{7}号", case.certificate_no)
    steps = [s.status for s in db.execute(select(CaseStep).where(CaseStep.case_id == case_id)
                                          .order_by(CaseStep.id)).scalars()]
    assert steps == ["received", "tax_assessed", "paid", "under_review", "recorded"]
    shown = client.get(f"/v1/cases/{case_id}", headers=lin).json()
    assert [t["done"] for t in shown["timeline"]] == [True] * 5 + [False] * 2
    assert shown["next_action"] == "print_mortgage_proof"

    certificate = client.get(f"/v1/bank/my-mortgages/{case_id}/certificate", headers=lin)
    assert certificate.status_code == 200, certificate.text
    body = certificate.json()
    assert (body["certificate_no"], body["mortgagee"], body["loan_amount_fen"], body["term_months"]) == (
        case.certificate_no, "中国建设银行 示范支行", 150_000_000, 360)
    assert body["holder_name"] == "林曼努" and LIN not in str(body) and body["id_number_masked"].endswith("3458")
    assert body["verify_url"] == f"http://testserver/verify/{body['verification_code']}"
    page = client.get(urlparse(body["verify_url"]).path)
    assert page.status_code == 200 and 'data-valid="true"' in page.text
    assert "不动产登记证明（抵押权）" in page.text and case.certificate_no in page.text
    assert "1,500,000.00" in page.text and "林曼努" not in page.text and "幸福路8号" not in page.text
    (mine,) = [m for m in client.get("/v1/bank/my-mortgages", headers=lin).json()["mortgages"]
               if m["case_id"] == case_id]
    assert mine["certificate_ready"] is True
    # Another person's mortgage "does not exist" for this applicant.
    other = client.get(f"/v1/bank/my-mortgages/{case_id}/certificate",
                       headers={**bank, "X-Applicant-Token": applicant(client, bank, OBAMA)})
    assert other.status_code == 404


def test_only_a_demo_kiosk_may_simulate_the_recording(client, bank, staff, db):
    db.get(Kiosk, "demo-bank-01").demo = False
    db.commit()
    r = record(client, staff, "MA-DEMO-004")
    assert r.status_code == 403 and r.json()["error"]["code"] == "demo_only"
    r = record(client, {**staff, "X-Staff-Token": "forged"}, "MA-DEMO-004")
    assert r.status_code == 401


@pytest.mark.parametrize("application_id, status, code", [("MA-DEMO-002", 409, "application_not_submitted"),
                                                          ("MA-NOPE", 404, "application_not_found")])
def test_what_cannot_be_recorded_is_refused_and_changes_nothing(client, staff, db, application_id, status, code):
    def mortgages():
        db.rollback()
        return {(c.case_id, c.status) for c in db.execute(select(Case).where(Case.kind == "mortgage")).scalars()}

    before = mortgages()
    r = record(client, staff, application_id)
    assert r.status_code == status and r.json()["error"]["code"] == code
    assert mortgages() == before


def test_the_demo_has_one_recorded_mortgage_ready_to_print(client, bank, db):
    biden = {**bank, "X-Applicant-Token": applicant(client, bank, BIDEN)}
    (recorded,) = [m for m in client.get("/v1/bank/my-mortgages", headers=biden).json()["mortgages"]
                   if m["certificate_ready"]]
    assert recorded["status"] == "recorded"
    body = client.get(f"/v1/bank/my-mortgages/{recorded['case_id']}/certificate", headers=biden).json()
    assert body["certificate_no"].startswith("沪（") and body["holder_name"] == "白德华"
    assert client.get(urlparse(body["verify_url"]).path).status_code == 200
    # Seeding again adds nothing and changes nothing.
    with make_sessionmaker(client.app.state.engine)() as session:
        seed_bank_demo(session, "demo-bank-01")
    again = client.get(f"/v1/bank/my-mortgages/{recorded['case_id']}/certificate", headers=biden).json()
    assert again["verification_code"] == body["verification_code"]


def test_a_hall_kiosk_cannot_fetch_a_mortgage_proof(client, hall, token_for):
    r = client.get("/v1/bank/my-mortgages/MTG0000000000/certificate",
                   headers={**hall, "X-Applicant-Token": token_for(BIDEN)})
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_a_bank"


def test_a_demo_bank_kiosk_has_the_recorded_demo_mortgage_before_any_staff_sign_in(client, credentials):
    bank = {"Authorization": f"Bearer {credentials['demo-bank-01']}"}  # no seed_bank_demo in this test
    biden = {**bank, "X-Applicant-Token": applicant(client, bank, BIDEN)}
    mortgages = client.get("/v1/bank/my-mortgages", headers=biden).json()["mortgages"]
    assert [m["status"] for m in mortgages if m["certificate_ready"]] == ["recorded"]


@pytest.mark.parametrize("number, issuer", [("粤(2024)深圳市不动产权第0012345号", ("粤", "深圳市")),
                                            ("沪（2021）浦东新区不动产权第0054321号", ("沪", "浦东新区")),
                                            ("京(2022)朝阳区不动产权第0004321号", ("京", "朝阳区")),
                                            ("X-123", ("", "")), ("", ("", ""))])
def test_the_issuer_comes_from_the_property_certificate_number(number, issuer):
    assert issuer_of(number) == issuer


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_certificate_number_gives_an_issuer_without_failing(number):
    province, place = issuer_of(number)
    assert (province, place) == ("", "") or (province and province in number and place in number)

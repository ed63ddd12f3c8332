"""Tests for gateway/routers/bank_signing.py and gateway/bank_signing.py: staff PIN, applications, signing, status."""
from __future__ import annotations

import base64
import uuid

import pytest
from sqlalchemy import select

from gateway.bank_demo import seed_bank_demo

from gateway.bank_models import BankStaff, MortgageSignature
from gateway.db import make_sessionmaker
from gateway.models import AuditEntry, BankSubmission, Case
from tests.gateway.test_identity_decisions import face_token

LIN = "440305198001163458"
OBAMA = "110105196108041235"
ROSE = "982611198702095671"


def png_bytes() -> bytes:
    import zlib
    import struct

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


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


def applicant(client, bank, id_number):
    return face_token(client, bank, id_number)


def sign(client, staff, token, application_id="MA-DEMO-001", key=None, png=None):
    return client.post(f"/v1/bank/applications/{application_id}/signatures",
                       headers={**staff, "X-Applicant-Token": token, "Idempotency-Key": key or uuid.uuid4().hex},
                       json={"signature_png_b64": base64.b64encode(png or png_bytes()).decode()})


def test_pin_is_hashed_and_a_wrong_pin_is_refused_then_locks(client, bank, db):
    stored = db.get(BankStaff, "1001")
    assert "246810" not in stored.pin_hash and stored.pin_hash.startswith("scrypt$")
    for _ in range(5):
        r = client.post("/v1/bank/staff-sessions", headers=bank, json={"staff_id": "1001", "pin": "000000"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "staff_pin_wrong"
    r = client.post("/v1/bank/staff-sessions", headers=bank, json={"staff_id": "1001", "pin": "246810"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "staff_locked"


def test_only_a_bank_kiosk_and_signed_in_staff_see_applications(client, bank, hall, staff):
    r = client.post("/v1/bank/staff-sessions", headers=hall, json={"staff_id": "1001", "pin": "246810"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_a_bank"
    r = client.get("/v1/bank/applications", headers={**bank, "X-Staff-Token": "forged"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "staff_token_invalid"
    apps = client.get("/v1/bank/applications", headers=staff).json()["applications"]
    first = next(a for a in apps if a["application_id"] == "MA-DEMO-001")
    assert first["loan_amount_fen"] == 150_000_000 and first["term_months"] == 360
    assert [d["name"] for d in first["documents"]][0] == "抵押合同"
    assert [(p["seq"], p["role"], p["signed"]) for p in first["parties"]] == [(1, "mortgagor", False),
                                                                           (2, "co_owner", False)]
    assert LIN not in str(apps) and "林曼努" not in str(apps)  # masked on the wire to the screen


def test_two_party_signing_submits_a_mortgage_registration(client, bank, staff, db):
    lin, obama = applicant(client, bank, LIN), applicant(client, bank, OBAMA)
    key = uuid.uuid4().hex
    first = sign(client, staff, lin, key=key)
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "prepared" and first.json()["signed"] == [1]
    assert sign(client, staff, lin, key=key).json() == first.json()  # a retry is answered, not applied twice
    again = sign(client, staff, lin)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_signed"
    last = sign(client, staff, obama)
    assert last.status_code == 201, last.text
    body = last.json()
    assert body["status"] == "submitted" and body["signed"] == [1, 2] and body["reference"].startswith("BK")
    case = db.get(Case, body["case_id"])
    # Received with its registration fee assessed: the mortgagor pays it like any other fee.
    assert (case.kind, case.status, case.id_number, case.time_limit_working_days) == ("mortgage", "tax_assessed",
                                                                                      LIN, 5)
    signatures = list(db.execute(select(MortgageSignature).where(MortgageSignature.application_id == "MA-DEMO-001")
                                 .order_by(MortgageSignature.seq)).scalars())
    assert [(s.seq, s.method) for s in signatures] == [(1, "face"), (2, "face")]
    assert all(0 <= s.score <= 0.58 for s in signatures)  # the gateway's own distance, not the kiosk's word
    assert signatures[0].signature_png.startswith(b"\x89PNG")
    assert db.execute(select(BankSubmission).where(BankSubmission.case_id == case.case_id)).scalar_one().signed
    # The bank's status list and the mortgagor's own registrations show it with its statutory deadline.
    submitted = client.get("/v1/bank/submissions", headers=staff).json()["applications"]
    assert submitted[0]["application_id"] == "MA-DEMO-001" and submitted[0]["case_status"] == "tax_assessed"
    assert submitted[0]["working_days_left"] == 5 and submitted[0]["deadline"]
    mine = client.get("/v1/bank/my-mortgages", headers={**bank, "X-Applicant-Token": applicant(client, bank, LIN)})
    assert body["case_id"] in [m["case_id"] for m in mine.json()["mortgages"]]
    prepared = [a["application_id"] for a in client.get("/v1/bank/applications", headers=staff).json()["applications"]]
    assert "MA-DEMO-001" not in prepared
    audit = " ".join(str(a.detail) + str(a.subject) for a in db.execute(select(AuditEntry)).scalars())
    assert LIN not in audit and OBAMA not in audit


def test_a_declined_application_is_closed_with_its_reason(client, bank, staff, db):
    obama = applicant(client, bank, OBAMA)
    lin = applicant(client, bank, LIN)
    assert sign(client, staff, lin).status_code == 201
    r = client.post("/v1/bank/applications/MA-DEMO-001/decline",
                    headers={**staff, "X-Applicant-Token": obama, "Idempotency-Key": uuid.uuid4().hex},
                    json={"reason": "贷款金额与约定不符"})
    assert r.status_code == 200 and r.json() == {"application_id": "MA-DEMO-001", "status": "declined", "seq": 2}
    late = sign(client, staff, obama)
    assert late.status_code == 409 and late.json()["error"]["code"] == "application_closed"
    (closed,) = [a for a in client.get("/v1/bank/submissions", headers=staff).json()["applications"]
                 if a["application_id"] == "MA-DEMO-001"]
    assert closed["status"] == "declined" and closed["decline_reason"] == "贷款金额与约定不符"
    assert closed["case_id"] is None


@pytest.mark.parametrize("payload, code", [
    ({"signature_png_b64": "not base64 !!"}, "signature_invalid"),
    ({"signature_png_b64": base64.b64encode(b"GIF89a not a png").decode()}, "signature_invalid"),
])
def test_a_bad_signature_is_refused_and_changes_nothing(client, bank, staff, db, payload, code):
    r = client.post("/v1/bank/applications/MA-DEMO-001/signatures",
                    headers={**staff, "X-Applicant-Token": applicant(client, bank, LIN),
                             "Idempotency-Key": uuid.uuid4().hex}, json=payload)
    assert r.status_code == 422 and r.json()["error"]["code"] == code
    assert db.execute(select(MortgageSignature).where(MortgageSignature.application_id == "MA-DEMO-001")).first() \
        is None


def test_someone_who_is_not_a_party_cannot_sign(client, bank, staff, db):
    r = sign(client, staff, applicant(client, bank, ROSE))
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_a_party"
    r = sign(client, staff, applicant(client, bank, LIN), application_id="MA-NOPE")
    assert r.status_code == 404


def test_a_demo_bank_kiosk_gets_the_demo_staff_and_applications_on_first_sign_in(client, credentials):
    bank = {"Authorization": f"Bearer {credentials['demo-bank-01']}"}  # no seed_bank_demo in this test
    r = client.post("/v1/bank/staff-sessions", headers=bank, json={"staff_id": "1001", "pin": "246810"})
    assert r.status_code == 201, r.text
    apps = client.get("/v1/bank/applications", headers={**bank, "X-Staff-Token": r.json()["staff_token"]})
    assert [a["application_id"] for a in apps.json()["applications"]] == ["MA-DEMO-001", "MA-DEMO-002",
                                                                          "MA-DEMO-003"]

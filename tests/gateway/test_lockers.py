"""Locker deposits issue signed one-time codes bound to a compartment and a person; pickups use them up."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import select

from gateway.models import SmsMessage
from gateway.pickup import b64url, subject_hash, verify_code
from tests.gateway.conftest import OBAMA
from tests.gateway.test_api_core import assert_error


def _ready_case(client, obama):
    return next(c for c in client.get("/v1/cases", headers=obama).json()["cases"]
                if c["status"] == "certificate_ready")["case_id"]


def _deposit(client, locker, case_id, compartment="A03", key="dep-1"):
    return client.post("/v1/lockers/deposits", headers={**locker, "Idempotency-Key": key},
                       json={"case_id": case_id, "compartment": compartment})


def test_deposit_issues_a_code_the_locker_can_verify_offline(client, locker, obama, db):
    case_id = _ready_case(client, obama)
    response = _deposit(client, locker, case_id)
    assert response.status_code == 201
    deposit = response.json()
    keys = {k["key_id"]: k["ed25519_public_key_b64"] for k in
            client.get("/v1/pickup-keys", headers=locker).json()["public_keys"]}
    payload = verify_code(deposit["qr"], keys)
    assert payload["cid"] == deposit["code_id"] and payload["lk"] == "demo-locker-01" and payload["cp"] == "A03"
    assert payload["sub"] == hashlib.sha256(f"{deposit['code_id']}:{OBAMA}".encode()).hexdigest()
    assert payload["exp"] == int(dt.datetime.fromisoformat(deposit["expires_at"]).timestamp())
    digits = deposit["digits"]  # demo kiosks only
    assert len(digits) == 8 and deposit["digits_sha256"] == hashlib.sha256(
        f"{deposit['code_id']}:{digits}".encode()).hexdigest()
    sms = db.execute(select(SmsMessage)).scalars().one()
    assert sms.template == "pickup_code" and digits not in str(sms.params)  # purged once delivered
    assert sms.params == {"purged_after_delivery": sorted(sms.params["purged_after_delivery"])}
    assert "digits" in sms.params["purged_after_delivery"]
    db.rollback()  # end the read: on SQLite an open transaction holds the write lock
    assert _deposit(client, locker, case_id).json() == deposit  # idempotent


def test_one_compartment_one_deposit_and_only_lockers_deposit(client, locker, obama, hall, token_for):
    case_id = _ready_case(client, obama)
    _deposit(client, locker, case_id)
    assert_error(_deposit(client, locker, case_id, key="dep-2"), 409, "already_deposited")
    biden = {**hall, "X-Applicant-Token": token_for("310115194211202341")}
    other_case = _ready_case(client, biden)
    assert_error(_deposit(client, locker, other_case, key="dep-3"), 409, "compartment_occupied")
    assert _deposit(client, locker, other_case, compartment="A04", key="dep-4").status_code == 201
    assert_error(_deposit(client, hall, other_case, key="dep-5"), 403, "not_a_locker")
    received = next(c for c in client.get("/v1/cases", headers=obama).json()["cases"] if c["status"] == "received")
    assert_error(_deposit(client, locker, received["case_id"], compartment="B01", key="dep-6"), 409,
                 "certificate_not_ready")


def test_pickup_uses_the_code_once_and_frees_the_compartment(client, locker, obama):
    case_id = _ready_case(client, obama)
    deposit = _deposit(client, locker, case_id).json()
    pick = {"code_id": deposit["code_id"], "compartment": "A03"}
    assert_error(client.post("/v1/lockers/pickups", headers={**locker, "Idempotency-Key": "p0"},
                             json={**pick, "compartment": "A09"}), 409, "compartment_mismatch")
    done = client.post("/v1/lockers/pickups", headers={**locker, "Idempotency-Key": "p1"}, json=pick)
    assert done.json() == {"deposit_id": deposit["deposit_id"], "case_id": case_id, "status": "collected"}
    assert client.post("/v1/lockers/pickups", headers={**locker, "Idempotency-Key": "p1"}, json=pick).json() \
        == done.json()
    assert_error(client.post("/v1/lockers/pickups", headers={**locker, "Idempotency-Key": "p2"}, json=pick),
                 409, "code_used")
    case = client.get(f"/v1/cases/{case_id}", headers=obama).json()
    assert case["status"] == "collected"
    assert_error(client.post("/v1/lockers/pickups", headers={**locker, "Idempotency-Key": "p3"},
                             json={"code_id": "PCNOPE", "compartment": "A03"}), 404, "code_not_found")


def test_tampered_code_does_not_verify(client, locker, obama):
    deposit = _deposit(client, locker, _ready_case(client, obama)).json()
    keys = {k["key_id"]: k["ed25519_public_key_b64"] for k in
            client.get("/v1/pickup-keys", headers=locker).json()["public_keys"]}
    prefix, payload, signature = deposit["qr"].split(".")
    forged_payload = b64url(b'{"cid":"X","cp":"A01","exp":9999999999,"kid":"' + list(keys)[0].encode() + b'",'
                            b'"lk":"demo-locker-01","sub":"' + subject_hash("X", OBAMA).encode() + b'"}')
    with pytest.raises(ValueError, match=r"^pickup code does not verify$"):
        verify_code(f"{prefix}.{forged_payload}.{signature}", keys)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_verify_code_never_crashes_on_garbage(text):
    with pytest.raises(ValueError, match=r"^(not a pickup code|pickup code does not verify)$"):
        verify_code(text, {"k1": "AAAA"})


BIDEN = "310115194211202341"  # the demo's registered pickup agent for obama's ready certificate (gateway/seed.py)


def test_a_code_names_the_registered_agent_by_salted_hash_only(client, locker, obama, token_for, hall):
    deposit = _deposit(client, locker, _ready_case(client, obama)).json()
    keys = {k["key_id"]: k["ed25519_public_key_b64"] for k in
            client.get("/v1/pickup-keys", headers=locker).json()["public_keys"]}
    payload = verify_code(deposit["qr"], keys)
    assert payload["ag"] == [subject_hash(deposit["code_id"], BIDEN)]
    assert BIDEN not in deposit["qr"] and OBAMA not in deposit["qr"]
    biden = {**hall, "X-Applicant-Token": token_for(BIDEN)}
    other = _deposit(client, locker, _ready_case(client, biden), compartment="A04", key="dep-b").json()
    assert "ag" not in verify_code(other["qr"], keys)  # no agent registered: the field is left out


def _pickup_event(client, locker, key, code_id, compartment="A03", occurred_at="2026-01-01T08:00:00+00:00"):
    return client.post("/v1/kiosk-events", headers={**locker, "Idempotency-Key": key},
                       json={"kind": "locker_pickup", "occurred_at": occurred_at,
                             "payload": {"code_id": code_id, "compartment": compartment}})


def test_a_pickup_event_from_the_outbox_marks_deposit_and_case_collected_once(client, locker, obama, db):
    from gateway.models import CaseStep, LockerDeposit, PickupCode

    case_id = _ready_case(client, obama)
    deposit = _deposit(client, locker, case_id).json()
    first = _pickup_event(client, locker, "ev-1", deposit["code_id"])
    assert first.status_code == 200 and first.json() == {"status": "accepted"}
    assert _pickup_event(client, locker, "ev-1", deposit["code_id"]).json() == {"status": "duplicate"}
    # The same pickup reported again under another key (a direct call raced the outbox): accepted, no change.
    assert _pickup_event(client, locker, "ev-2", deposit["code_id"]).json() == {"status": "accepted"}
    assert client.get(f"/v1/cases/{case_id}", headers=obama).json()["status"] == "collected"
    record = db.get(LockerDeposit, deposit["deposit_id"])
    assert record.collected_at is not None and record.occupied_slot is None
    assert db.get(PickupCode, deposit["code_id"]).used_at is not None
    steps = db.execute(select(CaseStep).where(CaseStep.case_id == case_id, CaseStep.status == "collected")).all()
    assert len(steps) == 1
    db.rollback()
    # ... and the direct call now says the code was used; the compartment takes a new deposit.
    assert_error(client.post("/v1/lockers/pickups", headers={**locker, "Idempotency-Key": "p9"},
                             json={"code_id": deposit["code_id"], "compartment": "A03"}), 409, "code_used")


def test_a_pickup_event_naming_no_pickup_of_this_locker_is_refused(client, locker, hall, obama):
    deposit = _deposit(client, locker, _ready_case(client, obama)).json()
    assert_error(_pickup_event(client, locker, "ev-x", "PCNOPE"), 422, "event_invalid")
    assert_error(_pickup_event(client, locker, "ev-y", deposit["code_id"], compartment="B09"), 422, "event_invalid")
    assert_error(_pickup_event(client, hall, "ev-z", deposit["code_id"]), 422, "event_invalid")
    assert client.get("/v1/cases", headers=obama).json()["cases"]  # nothing changed: still ready for pickup
    assert any(c["status"] == "certificate_ready" for c in client.get("/v1/cases", headers=obama).json()["cases"])

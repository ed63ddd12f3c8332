"""Locker drop-off codes: issued to a case by staff, checked at the locker, single-use, expiring, guessing locked out."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from gateway import dropoff
from gateway.adapters.sms import SimulatedSms
from gateway.models import AuditEntry, DropoffCode, SmsMessage
from tests.gateway.test_api_core import assert_error

LOCKER = "demo-locker-01"


def _case(client, obama):
    return client.get("/v1/cases", headers=obama).json()["cases"][0]["case_id"]


def _issue(db, case_id, locker=LOCKER, ttl=dropoff.DEFAULT_TTL):
    row, digits = dropoff.issue(db, SimulatedSms(), case_id, locker, "staff-7", ttl)
    db.commit()
    return row.code_id, digits


def _check(client, headers, digits):
    return client.post("/v1/lockers/dropoff-checks", headers=headers, json={"digits": digits})


def _drop(client, headers, code_id, compartment="B02", key="drop-1"):
    return client.post("/v1/lockers/dropoffs", headers={**headers, "Idempotency-Key": key},
                       json={"code_id": code_id, "compartment": compartment})


def test_a_code_is_issued_hashed_sent_by_sms_checked_and_used_once(client, locker, obama, db):
    case_id = _case(client, obama)
    code_id, digits = _issue(db, case_id)
    assert len(digits) == dropoff.CODE_DIGITS and digits.isdigit()
    stored = db.get(DropoffCode, code_id)
    assert stored.secret_hash.startswith("scrypt$") and digits[4:] not in stored.secret_hash
    sms = db.execute(select(SmsMessage).where(SmsMessage.template == "dropoff_code")).scalars().one()
    assert digits not in str(sms.params)  # only which fields it had is kept
    db.rollback()
    checked = _check(client, locker, digits)
    assert checked.status_code == 200, checked.text
    assert checked.json()["code_id"] == code_id and checked.json()["reference"] == case_id
    dropped = _drop(client, locker, code_id)
    assert dropped.status_code == 200 and dropped.json()["status"] == "waiting"
    assert _drop(client, locker, code_id).json() == dropped.json()  # idempotent (the outbox may send it again)
    assert_error(_check(client, locker, digits), 404, "code_invalid")  # its lookup is gone: single use
    waiting = client.get("/v1/lockers/dropoffs", headers=locker).json()["dropoffs"]
    assert [(w["code_id"], w["compartment"]) for w in waiting] == [(code_id, "B02")]


def test_staff_collect_frees_the_compartment_and_tell_the_applicant(client, locker, obama, db):
    case_id = _case(client, obama)
    code_id, digits = _issue(db, case_id)
    db.rollback()
    _drop(client, locker, code_id)
    other_id, _ = _issue(db, case_id)
    db.rollback()
    assert_error(_drop(client, locker, other_id, key="drop-2"), 409, "compartment_occupied")
    done = client.post(f"/v1/lockers/dropoffs/{code_id}/collected",
                       headers={**locker, "Idempotency-Key": "col-1"}, json={"staff_id": "staff-7"})
    assert done.status_code == 200 and done.json()["status"] == "collected"
    assert client.get("/v1/lockers/dropoffs", headers=locker).json()["dropoffs"] == []
    assert _drop(client, locker, other_id, key="drop-3").status_code == 200  # the compartment is free again
    assert db.execute(select(SmsMessage).where(SmsMessage.template == "dropoff_received")).scalars().all()
    assert_error(client.post("/v1/lockers/dropoffs/DCNOSUCH/collected", headers={**locker, "Idempotency-Key": "c2"},
                             json={"staff_id": "staff-7"}), 404, "dropoff_not_found")


def test_expired_other_locker_and_malformed_codes_are_refused(client, locker, obama, hall, db):
    case_id = _case(client, obama)
    _far_id, far = _issue(db, case_id, locker="another-locker")
    _old_id, old = _issue(db, case_id, ttl=dt.timedelta(seconds=-1))
    db.rollback()
    assert_error(_check(client, locker, old), 409, "code_expired")
    _issue(db, case_id)  # a new issue gives expired codes' lookup digits back: the old code names nothing now
    db.rollback()
    assert_error(_check(client, locker, old), 404, "code_invalid")
    assert_error(_check(client, locker, far), 404, "code_invalid")
    assert_error(_check(client, locker, "12ab"), 422, "code_malformed")
    assert_error(_check(client, hall, far), 403, "not_a_locker")  # a hall kiosk cannot check codes
    assert_error(_drop(client, locker, "DCFORGED"), 404, "code_not_found")  # a forged record names no code
    assert_error(_drop(client, hall, "DCFORGED", key="d9"), 403, "not_a_locker")


def test_wrong_secrets_void_a_code_and_guessing_locks_the_locker_out(client, locker, obama, db):
    case_id = _case(client, obama)
    code_id, digits = _issue(db, case_id)
    db.rollback()
    wrong = digits[:4] + ("0" if digits[4] != "0" else "1") + digits[5:]
    for _ in range(dropoff.MAX_FAILS_PER_CODE):
        assert_error(_check(client, locker, wrong), 404, "code_invalid")
    assert_error(_check(client, locker, digits), 404, "code_invalid")  # voided: even the right digits fail now
    assert db.get(DropoffCode, code_id).lookup is None
    db.rollback()
    fresh_id, fresh = _issue(db, case_id)
    db.rollback()
    for n in range(dropoff.LOCKER_FAILS - dropoff.MAX_FAILS_PER_CODE - 1):
        _check(client, locker, "9" * 4 + f"{n:08d}")  # unknown lookups count too
    assert_error(_check(client, locker, fresh), 429, "too_many_attempts")  # locked out, even for a real code
    refused = db.execute(select(AuditEntry).where(AuditEntry.action == "dropoff_code_refused")).scalars().all()
    assert len(refused) == dropoff.LOCKER_FAILS and all(fresh[4:] not in str(r.detail) for r in refused)

"""Pickup lockers: public keys for offline code checks, deposits (which issue signed one-time codes) and pickups."""
from __future__ import annotations

import datetime as dt
import logging
import secrets

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway.deps import (AdaptersDep, ApiKey, CurrentKiosk, Db, IdempotencyKey, KioskIdentity, Settings, api_key_of,
                          audit)
from gateway.errors import ApiError
from gateway.idempotency import run_idempotent
from gateway.models import Case, LockerDeposit, Person, PickupCode, SigningKey, utcnow
from gateway.pickup import PickupRefused, agents_of, collect, digits_hash, ensure_signing_key, make_code
from gateway.reference_store import References, locker_subject, seal_for_locker
from gateway.routers import KIOSK_ERRORS, errors

logger = logging.getLogger(__name__)

router = APIRouter(tags=["lockers"])

Compartment = Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9-]+$")


class PublicKey(BaseModel):
    key_id: str
    ed25519_public_key_b64: str


class PublicKeys(BaseModel):
    public_keys: list[PublicKey]


@router.get("/v1/pickup-keys", response_model=PublicKeys, responses=errors(*KIOSK_ERRORS),
            summary="Public keys that verify pickup codes offline")
def pickup_keys(kiosk: CurrentKiosk, db: Db) -> dict:
    keys = list(db.execute(select(SigningKey).where(SigningKey.active.is_(True)).order_by(SigningKey.key_id)).scalars())
    if not keys:
        keys = [ensure_signing_key(db)]
        db.commit()
    return {"public_keys": [{"key_id": k.key_id, "ed25519_public_key_b64": k.public_key_b64} for k in keys]}


def _locker(kiosk: KioskIdentity) -> None:
    if kiosk.site_kind != "locker":
        raise ApiError(403, "not_a_locker", "Only a pickup locker can record deposits and pickups.")


class DepositRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")
    compartment: str = Compartment


class LockerReference(BaseModel):
    subject: str = Field(description="HMAC of the person's ID number under this locker's key: matches a card read")
    sealed: str = Field(description="Base64 AES-GCM of the 128 float32 encoding, under this locker's key, bound to "
                                    "the code id")


class DepositOut(BaseModel):
    deposit_id: str
    code_id: str
    qr: str
    digits_sha256: str
    expires_at: dt.datetime
    digits: str | None = Field(default=None, description="Demo kiosks only: the digits the applicant gets by SMS")
    references: list[LockerReference] = Field(default_factory=list,
                                              description="The holder's and registered agents' reference encodings, "
                                                          "sealed for this locker and this code: kept only until "
                                                          "the pickup (or a recall), for checks while offline")


@router.post("/v1/lockers/deposits", status_code=201, response_model=DepositOut,
             responses=errors(*KIOSK_ERRORS, 404, 409), summary="Record a certificate put into a compartment")
def deposit(body: DepositRequest, key: IdempotencyKey, kiosk: CurrentKiosk, db: Db, settings: Settings,
            adapters: AdaptersDep, references: References, credentials: ApiKey):
    _locker(kiosk)
    api_key = api_key_of(credentials)

    def action():
        case = db.get(Case, body.case_id)
        if case is None:
            raise ApiError(404, "case_not_found", "No such case.")
        if case.status != "certificate_ready":
            raise ApiError(409, "certificate_not_ready", "This case has no certificate waiting for collection.")
        if db.execute(select(LockerDeposit).where(LockerDeposit.case_id == case.case_id,
                                                  LockerDeposit.collected_at.is_(None))).first():
            raise ApiError(409, "already_deposited", "This certificate is already in a locker.")
        slot = f"{kiosk.kiosk_id}/{body.compartment}"
        if db.execute(select(LockerDeposit).where(LockerDeposit.occupied_slot == slot)).first():
            raise ApiError(409, "compartment_occupied", "That compartment already holds a certificate.")
        now = utcnow()
        signing_key = ensure_signing_key(db)
        deposit_id = "D" + secrets.token_hex(8).upper()
        code_id = "PC" + secrets.token_hex(8).upper()
        digits = f"{secrets.randbelow(10 ** 8):08d}"
        expires = now + dt.timedelta(seconds=settings.pickup_code_ttl_s)
        qr = make_code(signing_key, code_id, kiosk.kiosk_id, body.compartment, case.id_number, expires,
                       agents_of(db, case.case_id))
        db.add(LockerDeposit(deposit_id=deposit_id, locker_id=kiosk.kiosk_id, compartment=body.compartment,
                             case_id=case.case_id, deposited_at=now, occupied_slot=slot))
        db.flush()
        db.add(PickupCode(code_id=code_id, deposit_id=deposit_id, key_id=signing_key.key_id,
                          digits_sha256=digits_hash(code_id, digits), expires_at=expires))
        person = db.get(Person, case.id_number)
        if person is not None and person.phone:
            adapters.sms.send(db, person.phone, "pickup_code",
                              {"digits": digits, "locker": kiosk.kiosk_id, "compartment": body.compartment,
                               "expires_at": expires.isoformat()})
        sealed = []
        for id_number in [case.id_number, *agents_of(db, case.case_id)]:
            encoding = references.reference(db, id_number)
            if encoding is not None:
                sealed.append({"subject": locker_subject(api_key, id_number),
                               "sealed": seal_for_locker(api_key, encoding, code_id)})
        audit(db, kiosk.kiosk_id, "locker_deposit", case.case_id, {"compartment": body.compartment,
                                                                  "code_id": code_id, "references": len(sealed)})
        return 201, {"deposit_id": deposit_id, "code_id": code_id, "qr": qr,
                     "digits_sha256": digits_hash(code_id, digits), "expires_at": expires.isoformat(),
                     "digits": digits if kiosk.demo else None, "references": sealed}

    try:
        return run_idempotent(db, kiosk.kiosk_id, "locker_deposit", key, body.model_dump(), action)
    except IntegrityError:  # another deposit took the compartment between our check and commit
        raise ApiError(409, "compartment_occupied", "That compartment already holds a certificate.")


class PickupRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")
    compartment: str = Compartment
    occurred_at: AwareDatetime | None = Field(default=None, description="When the door opened, if reported later")


class PickupOut(BaseModel):
    deposit_id: str
    case_id: str
    status: str


@router.post("/v1/lockers/pickups", response_model=PickupOut, responses=errors(*KIOSK_ERRORS, 404, 409),
             summary="Record a pickup (the code becomes used)")
def pickup(body: PickupRequest, key: IdempotencyKey, kiosk: CurrentKiosk, db: Db):
    _locker(kiosk)

    def action():
        now = utcnow()
        when = min(body.occurred_at, now) if body.occurred_at else now
        try:
            record, newly = collect(db, kiosk.kiosk_id, body.code_id, body.compartment, when)
        except PickupRefused as exc:
            raise ApiError(exc.status, exc.code, exc.message) from None
        if not newly:
            raise ApiError(409, "code_used", "This pickup code has already been used.")
        audit(db, kiosk.kiosk_id, "locker_pickup", record.case_id, {"compartment": record.compartment,
                                                                   "code_id": body.code_id})
        return 200, {"deposit_id": record.deposit_id, "case_id": record.case_id, "status": "collected"}

    return run_idempotent(db, kiosk.kiosk_id, "locker_pickup", key, body.model_dump(mode="json"), action)


def apply_pickup_event(db, kiosk: KioskIdentity, payload: dict, occurred_at: dt.datetime) -> None:
    """A `locker_pickup` event from a locker's outbox (the pickup happened, perhaps while the gateway was away): the
    deposit and the case become collected; a pickup already recorded (by /v1/lockers/pickups or an earlier event)
    is left as it is. An event that names no pickup of this locker is refused as invalid."""
    code_id, compartment = payload.get("code_id"), payload.get("compartment")
    if not isinstance(code_id, str) or not isinstance(compartment, str):
        raise ApiError(422, "event_invalid", "A locker_pickup event needs payload.code_id and payload.compartment.")
    if kiosk.site_kind != "locker":
        raise ApiError(422, "event_invalid", "Only a pickup locker reports pickups.")
    try:
        # The locker checked the expiry when the code was scanned; the event may arrive long after.
        record, newly = collect(db, kiosk.kiosk_id, code_id, compartment, min(occurred_at, utcnow()),
                                check_expiry=False)
    except PickupRefused as exc:
        raise ApiError(422, "event_invalid", exc.message) from None
    if newly:
        audit(db, kiosk.kiosk_id, "locker_pickup", record.case_id, {"compartment": compartment, "code_id": code_id})


# -- recall of deposits left past the site's limit (issue 22: gateway/locker_recall.py) ---------------------------
class RecallItem(BaseModel):
    deposit_id: str
    code_id: str | None
    compartment: str
    case_id: str
    deposited_at: dt.datetime
    reminded_at: dt.datetime


class RecallList(BaseModel):
    recalls: list[RecallItem]


class RecallRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")


@router.get("/v1/lockers/recalls", response_model=RecallList, responses=errors(*KIOSK_ERRORS),
            summary="Deposits past the site's limit: reminders sent, and the ones staff should take back")
def recalls(kiosk: CurrentKiosk, db: Db, adapters: AdaptersDep, after_days: int = 5) -> dict:
    from gateway.locker_recall import remind_and_list

    _locker(kiosk)
    if not 1 <= after_days <= 90:
        raise ApiError(422, "after_days_invalid", "after_days must be 1 to 90.")
    due = remind_and_list(db, kiosk.kiosk_id, adapters.sms, after_days)
    db.commit()
    return {"recalls": [{"deposit_id": d.deposit_id, "code_id": code.code_id if code else None,
                         "compartment": d.compartment, "case_id": d.case_id, "deposited_at": d.deposited_at,
                         "reminded_at": r.reminded_at} for d, r, code in due]}


@router.post("/v1/lockers/recalls/{deposit_id}", responses=errors(*KIOSK_ERRORS, 404, 409),
             summary="Staff took a recalled certificate out: its pickup code becomes invalid")
def recall_deposit(deposit_id: str, body: RecallRequest, key: IdempotencyKey, kiosk: CurrentKiosk, db: Db):
    from gateway.locker_recall import RecallRefused, recall

    _locker(kiosk)

    def action():
        try:
            record = recall(db, kiosk.kiosk_id, deposit_id, body.staff_id)
        except RecallRefused as exc:
            db.rollback()
            raise ApiError(exc.status, exc.code, str(exc)) from None
        audit(db, kiosk.kiosk_id, "locker_recall", record.case_id, {"compartment": record.compartment,
                                                                   "staff": body.staff_id})
        return 200, {"deposit_id": deposit_id, "compartment": record.compartment, "status": "recalled"}

    return run_idempotent(db, kiosk.kiosk_id, "locker_recall", key, {**body.model_dump(), "deposit": deposit_id},
                          action)

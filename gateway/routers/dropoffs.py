"""Locker drop-offs (issue 22): a locker checks a drop-off code, records the document put in, lists and frees them."""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.deps import AdaptersDep, CurrentKiosk, Db, IdempotencyKey, KioskIdentity
from gateway.dropoff import CODE_DIGITS, DropoffRefused, check, collected, record, waiting
from gateway.errors import ApiError
from gateway.idempotency import run_idempotent
from gateway.models import utcnow
from gateway.routers import KIOSK_ERRORS, errors

router = APIRouter(tags=["lockers"])

Compartment = Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9-]+$")
CodeId = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")


def _locker(kiosk: KioskIdentity) -> None:
    if kiosk.site_kind != "locker":
        raise ApiError(403, "not_a_locker", "Only a pickup locker takes drop-offs.")


def _api(exc: DropoffRefused) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message)


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    digits: str = Field(min_length=1, max_length=32)


class CheckOut(BaseModel):
    code_id: str
    reference: str = Field(description="The case reference the slip names")
    expires_at: dt.datetime


@router.post("/v1/lockers/dropoff-checks", response_model=CheckOut, responses=errors(*KIOSK_ERRORS, 404, 409, 429),
             summary=f"Check a {CODE_DIGITS}-digit drop-off code typed at this locker")
def dropoff_check(body: CheckRequest, kiosk: CurrentKiosk, db: Db) -> dict:
    _locker(kiosk)
    try:
        row = check(db, kiosk.kiosk_id, body.digits)
    except DropoffRefused as exc:
        raise _api(exc) from None
    return {"code_id": row.code_id, "reference": row.case_id, "expires_at": row.expires_at}


class DropoffRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code_id: str = CodeId
    compartment: str = Compartment
    occurred_at: AwareDatetime | None = Field(default=None, description="When the door shut, if reported later")


@router.post("/v1/lockers/dropoffs", responses=errors(*KIOSK_ERRORS, 404, 409),
             summary="Record a document dropped into a compartment (the code becomes used)")
def dropoff(body: DropoffRequest, key: IdempotencyKey, kiosk: CurrentKiosk, db: Db):
    _locker(kiosk)

    def action():
        now = utcnow()
        try:
            row, _newly = record(db, kiosk.kiosk_id, body.code_id, body.compartment,
                                 min(body.occurred_at, now) if body.occurred_at else now)
        except DropoffRefused as exc:
            db.rollback()
            raise _api(exc) from None
        return 200, {"code_id": row.code_id, "reference": row.case_id, "compartment": row.compartment,
                     "status": "waiting"}

    return run_idempotent(db, kiosk.kiosk_id, "locker_dropoff", key, body.model_dump(mode="json"), action)


class WaitingItem(BaseModel):
    code_id: str
    reference: str
    compartment: str
    dropped_at: dt.datetime


class WaitingList(BaseModel):
    dropoffs: list[WaitingItem]


@router.get("/v1/lockers/dropoffs", response_model=WaitingList, responses=errors(*KIOSK_ERRORS),
            summary="Documents dropped off at this locker that staff have not collected")
def dropoffs_waiting(kiosk: CurrentKiosk, db: Db) -> dict:
    _locker(kiosk)
    return {"dropoffs": [{"code_id": r.code_id, "reference": r.case_id, "compartment": r.compartment,
                          "dropped_at": r.used_at} for r in waiting(db, kiosk.kiosk_id)]}


class CollectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")


@router.post("/v1/lockers/dropoffs/{code_id}/collected", responses=errors(*KIOSK_ERRORS, 404),
             summary="Staff took a dropped-off document out and the door shut empty: the compartment is free")
def dropoff_collected(code_id: str, body: CollectRequest, key: IdempotencyKey, kiosk: CurrentKiosk, db: Db,
                      adapters: AdaptersDep):
    _locker(kiosk)

    def action():
        try:
            row, _newly = collected(db, adapters.sms, kiosk.kiosk_id, code_id, body.staff_id)
        except DropoffRefused as exc:
            db.rollback()
            raise _api(exc) from None
        return 200, {"code_id": code_id, "compartment": row.compartment, "status": "collected"}

    return run_idempotent(db, kiosk.kiosk_id, "locker_dropoff_collected", key,
                          {**body.model_dump(), "code": code_id}, action)


def apply_dropoff_event(db, kiosk: KioskIdentity, payload: dict, occurred_at: dt.datetime) -> None:
    """A `locker_dropoff` event from a locker's outbox (the door shut on a document while the gateway was away):
    recorded as /v1/lockers/dropoffs would; one already recorded is left as it is; one naming no code is invalid."""
    code_id, compartment = payload.get("code_id"), payload.get("compartment")
    if not isinstance(code_id, str) or not isinstance(compartment, str):
        raise ApiError(422, "event_invalid", "A locker_dropoff event needs payload.code_id and payload.compartment.")
    if kiosk.site_kind != "locker":
        raise ApiError(422, "event_invalid", "Only a pickup locker reports drop-offs.")
    try:
        record(db, kiosk.kiosk_id, code_id, compartment, min(occurred_at, utcnow()))
    except DropoffRefused as exc:
        raise ApiError(422, "event_invalid", exc.message) from None

"""The kiosk API of certificates: the applicant's ready copies, one copy's entries, the serial write-back, voided
blanks, collection with its signature, the receive method, and the kiosk's blank stock for reconciliation."""
from __future__ import annotations

import base64
import binascii
import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from gateway import certificates as certs
from gateway.deps import AdaptersDep, Applicant, CurrentKiosk, Db, IdempotencyKey, audit
from gateway.errors import ApiError
from gateway.idempotency import run_idempotent
from gateway.routers import KIOSK_ERRORS, errors

logger = logging.getLogger(__name__)

router = APIRouter(tags=["certificates"])

CopyId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
Serial = Annotated[str, Path(pattern=r"^[A-Z]{0,4}[0-9]{6,12}$")]
SERIAL_PATTERN = r"^[A-Z]{0,4}[0-9]{6,12}$"


class CopyOut(BaseModel):
    copy_id: str
    case_id: str
    case_title: str
    certificate_no: str
    holder_name: str
    share: str
    status: str
    receive_method: str | None


class CopyList(BaseModel):
    certificates: list[CopyOut]


class SerialIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    serial: str = Field(pattern=SERIAL_PATTERN, description="The blank's printed serial (印制号)")


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Literal["jam", "misprint", "staff_test", "interrupted", "damaged"]
    copy_id: str | None = Field(default=None, max_length=40)


class CollectedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signature_png_b64: str = Field(min_length=8, max_length=700_000)
    face_jpeg_b64: str | None = Field(default=None, max_length=700_000)


class MethodIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: Literal["window", "self_print", "locker", "courier", "e_certificate"]


class BlankOut(BaseModel):
    serial: str
    state: str
    copy_id: str | None
    reason: str | None


class BlankList(BaseModel):
    blanks: list[BlankOut]


def _refused(exc: certs.CertificateRefused) -> ApiError:
    return ApiError(exc.status, exc.code, str(exc))


def _copy_json(case, copy) -> dict:
    return {"copy_id": copy.copy_id, "case_id": case.case_id, "case_title": case.title,
            "certificate_no": copy.certificate_no, "holder_name": copy.holder_name, "share": copy.share,
            "status": copy.status, "receive_method": copy.receive_method}


@router.get("/v1/certificates", response_model=CopyList, responses=errors(*KIOSK_ERRORS),
            summary="The applicant's certificates that are ready (several per case: one per co-owner or unit)")
def list_ready(token: Applicant, db: Db) -> dict:
    found = certs.ready_copies(db, token.id_number)
    db.commit()
    return {"certificates": [_copy_json(case, copy) for case, copy in found]}


@router.get("/v1/certificates/{copy_id}/content", responses=errors(*KIOSK_ERRORS, 404, 409),
            summary="The entries to print on a blank for one ready certificate")
def content(copy_id: CopyId, token: Applicant, db: Db) -> dict:
    try:
        case, copy = certs.copy_of(db, token.id_number, copy_id)
    except certs.CertificateRefused as exc:
        raise _refused(exc) from None
    if copy.status != "ready":
        raise ApiError(409, "certificate_not_ready", "This certificate is not waiting to be printed.")
    return certs.content_of(db, case, copy)


@router.post("/v1/certificates/{copy_id}/serial", responses=errors(*KIOSK_ERRORS, 404, 409),
             summary="Write back the serial of the blank a certificate was printed on; unknown/used/voided refused")
def serial(copy_id: CopyId, body: SerialIn, key: IdempotencyKey, token: Applicant, kiosk: CurrentKiosk, db: Db):
    def action():
        try:
            case, copy = certs.copy_of(db, token.id_number, copy_id)
            certs.record_printed(db, kiosk.kiosk_id, case, copy, body.serial)
        except certs.CertificateRefused as exc:
            db.rollback()
            raise _refused(exc) from None
        audit(db, kiosk.kiosk_id, "certificate_printed", case.case_id, {"serial": body.serial, "copy": copy_id})
        return 200, {"copy_id": copy_id, "serial": body.serial, "status": copy.status}

    return run_idempotent(db, kiosk.kiosk_id, "certificate_copy_serial", key, {**body.model_dump(), "copy": copy_id},
                          action)


@router.post("/v1/certificate-blanks/{serial}/void", responses=errors(*KIOSK_ERRORS, 409),
             summary="A blank spoilt by a jam, a misprint or a staff test: voided with its reason")
def void(serial: Serial, body: VoidIn, key: IdempotencyKey, kiosk: CurrentKiosk, db: Db):
    def action():
        try:
            certs.record_voided(db, kiosk.kiosk_id, serial, body.reason, body.copy_id)
        except certs.CertificateRefused as exc:
            db.rollback()
            raise _refused(exc) from None
        audit(db, kiosk.kiosk_id, "certificate_blank_voided", serial, {"reason": body.reason})
        return 200, {"serial": serial, "state": "voided", "reason": body.reason}

    return run_idempotent(db, kiosk.kiosk_id, "certificate_blank_void", key, {**body.model_dump(), "serial": serial},
                          action)


@router.post("/v1/certificates/{copy_id}/collected", responses=errors(*KIOSK_ERRORS, 404, 409),
             summary="The collector signed for the certificate; the case closes when its last one is collected")
def collected(copy_id: CopyId, body: CollectedIn, key: IdempotencyKey, token: Applicant, kiosk: CurrentKiosk,
              db: Db):
    try:
        signature = base64.b64decode(body.signature_png_b64, validate=True)
        face = base64.b64decode(body.face_jpeg_b64, validate=True) if body.face_jpeg_b64 else None
    except (binascii.Error, ValueError):
        raise ApiError(422, "evidence_invalid", "The signature or face image is not base64.") from None

    def action():
        try:
            case, copy = certs.copy_of(db, token.id_number, copy_id)
            closed = certs.record_collected(db, kiosk.kiosk_id, case, copy, signature, face)
        except certs.CertificateRefused as exc:
            db.rollback()
            raise _refused(exc) from None
        audit(db, kiosk.kiosk_id, "certificate_collected", case.case_id, {"copy": copy_id, "face": face is not None})
        return 200, {"copy_id": copy_id, "status": copy.status, "case_closed": closed, "case_status": case.status}

    return run_idempotent(db, kiosk.kiosk_id, "certificate_collected", key, {"copy": copy_id,
                                                                              "signature": len(signature)}, action)


@router.post("/v1/certificates/{copy_id}/receive-method", responses=errors(*KIOSK_ERRORS, 404, 409),
             summary="How the applicant will receive this certificate (领证方式)")
def receive_method(copy_id: CopyId, body: MethodIn, token: Applicant, kiosk: CurrentKiosk, db: Db) -> dict:
    try:
        case, copy = certs.copy_of(db, token.id_number, copy_id)
        certs.choose_receive_method(db, copy, body.method)
    except certs.CertificateRefused as exc:
        db.rollback()
        raise _refused(exc) from None
    audit(db, kiosk.kiosk_id, "certificate_receive_method", case.case_id, {"copy": copy_id, "method": body.method})
    db.commit()
    return _copy_json(case, copy)


@router.get("/v1/certificate-blanks", response_model=BlankList, responses=errors(*KIOSK_ERRORS),
            summary="The blank stock issued to this kiosk and each serial's fate (the ledger reconciles with it)")
def blanks(kiosk: CurrentKiosk, db: Db) -> dict:
    return {"blanks": [{"serial": b.serial, "state": b.state, "copy_id": b.copy_id, "reason": b.reason}
                       for b in certs.blanks_of(db, kiosk.kiosk_id)]}


class CourierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: str = Field(min_length=6, max_length=120, description="Where EMS delivers (typed on the kiosk keyboard)")


def _shipment_json(shipment) -> dict:
    return {"waybill_no": shipment.waybill_no, "status": shipment.status, "events": shipment.events or []}


@router.post("/v1/certificates/{copy_id}/courier", responses=errors(*KIOSK_ERRORS, 404, 409),
             summary="Send the certificate by courier (EMS) to an address: the waybill is created with the courier")
def courier_dispatch(copy_id: CopyId, body: CourierIn, key: IdempotencyKey, token: Applicant, kiosk: CurrentKiosk,
                     db: Db):
    from gateway import courier
    from gateway.adapters.courier import courier_from_environment

    def action():
        try:
            case, copy = certs.copy_of(db, token.id_number, copy_id)
            shipment = courier.dispatch(db, courier_from_environment(), case, copy, body.address)
        except certs.CertificateRefused as exc:
            db.rollback()
            raise _refused(exc) from None
        audit(db, kiosk.kiosk_id, "certificate_couriered", case.case_id,
              {"copy": copy_id, "waybill": shipment.waybill_no})
        return 200, {"copy_id": copy_id, **_shipment_json(shipment)}

    return run_idempotent(db, kiosk.kiosk_id, "certificate_courier", key, {"copy": copy_id, "address": body.address},
                          action)


@router.get("/v1/certificates/{copy_id}/tracking", responses=errors(*KIOSK_ERRORS, 404),
            summary="The courier's tracking steps of the certificate (brought up to date from the courier)")
def courier_tracking(copy_id: CopyId, token: Applicant, db: Db, adapters: AdaptersDep) -> dict:
    from gateway import courier
    from gateway.adapters.courier import courier_from_environment

    try:
        _case, copy = certs.copy_of(db, token.id_number, copy_id)
    except certs.CertificateRefused as exc:
        raise _refused(exc) from None
    client = courier_from_environment()
    shipments = [courier.track(db, client, s, adapters.sms) for s in courier.shipments_of(db, copy_id)]
    db.commit()
    return {"copy_id": copy_id, "status": copy.status, "shipments": [_shipment_json(s) for s in shipments]}

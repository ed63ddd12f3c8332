"""Proofs (property record / no property) with a verification code, and certificate content with serial write-back."""
from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from gateway.deps import Applicant, CurrentKiosk, Db, IdempotencyKey, Settings, audit
from gateway.errors import ApiError
from gateway.identity import mask_id_number
from gateway.idempotency import run_idempotent
from gateway.models import CaseStep, Person, Property, Proof, utcnow
from gateway.routers import KIOSK_ERRORS, errors
from gateway.routers.cases import CaseId, applicant_case
from gateway.verification_codes import new_verification_code

logger = logging.getLogger(__name__)

router = APIRouter(tags=["proofs and certificates"])

class ProofRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["property_record", "no_property"]


class PropertyOut(BaseModel):
    property_id: str
    address: str
    area_m2: str
    usage: str
    certificate_no: str
    registered_on: dt.date


class IssuedProofOut(BaseModel):
    """What every issued proof answers with; each kind adds its own content."""

    proof_id: str
    kind: str
    verification_code: str
    verify_url: str
    issued_at: dt.datetime
    office: str
    holder_name: str
    id_number_masked: str


class ProofOut(IssuedProofOut):
    properties: list[PropertyOut]


@router.post("/v1/proofs", status_code=201, response_model=ProofOut, responses=errors(*KIOSK_ERRORS, 409),
             summary="Issue a property-record or no-property proof")
def issue_proof(body: ProofRequest, key: IdempotencyKey, token: Applicant, kiosk: CurrentKiosk, db: Db,
                settings: Settings):
    def action():
        person = db.get(Person, token.id_number)
        if person is None:
            raise ApiError(409, "person_unknown", "The registry holds no record for this applicant.")
        owned = list(db.execute(select(Property).where(Property.id_number == token.id_number)
                                .order_by(Property.registered_on, Property.property_id)).scalars())
        if body.kind == "no_property" and owned:
            raise ApiError(409, "properties_exist", "The applicant owns registered property; a no-property proof "
                                                    "cannot be issued.")
        if body.kind == "property_record" and not owned:
            raise ApiError(409, "no_properties", "The applicant owns no registered property; ask for a no-property "
                                                 "proof instead.")
        properties = [{"property_id": p.property_id, "address": p.address, "area_m2": p.area_m2, "usage": p.usage,
                       "certificate_no": p.certificate_no, "registered_on": p.registered_on.isoformat()}
                      for p in owned]
        code = new_verification_code()
        proof = Proof(proof_id="PF" + secrets.token_hex(8).upper(), verification_code=code, kind=body.kind,
                      id_number=token.id_number, holder_name=person.name, office=settings.office_name,
                      issued_at=utcnow(), kiosk_id=kiosk.kiosk_id, properties=properties)
        db.add(proof)
        audit(db, kiosk.kiosk_id, "proof_issued", proof.proof_id, {"kind": body.kind})
        return 201, {"proof_id": proof.proof_id, "kind": body.kind, "verification_code": code,
                     "verify_url": f"{settings.public_base_url.rstrip('/')}/verify/{code}",
                     "issued_at": proof.issued_at.isoformat(), "office": proof.office, "holder_name": person.name,
                     "id_number_masked": mask_id_number(token.id_number), "properties": properties}

    return run_idempotent(db, kiosk.kiosk_id, "proof", key, {**body.model_dump(), "applicant": token.token_hash},
                          action)


class CertificateOut(BaseModel):
    case_id: str
    certificate_no: str
    holder_name: str
    id_number: str
    property_address: str
    area_m2: str
    usage: str
    right_type: str
    registered_on: dt.date
    office: str


class SerialWriteBack(BaseModel):
    model_config = ConfigDict(extra="forbid")
    serial: str = Field(pattern=r"^[A-Z0-9]{6,20}$", description="Serial printed on the blank certificate stock")


class SerialRecorded(BaseModel):
    case_id: str
    serial: str
    status: str


@router.get("/v1/cases/{case_id}/certificate", response_model=CertificateOut,
            responses=errors(*KIOSK_ERRORS, 404, 409), summary="Certificate content for the certificate printer")
def certificate(case_id: CaseId, token: Applicant, kiosk: CurrentKiosk, db: Db, settings: Settings) -> dict:
    case = applicant_case(db, token, case_id)
    if case.status != "certificate_ready" or not case.certificate_no:
        raise ApiError(409, "certificate_not_ready", "This case has no certificate ready to print.")
    person = db.get(Person, case.id_number)
    recorded = db.execute(select(CaseStep.at).where(CaseStep.case_id == case_id, CaseStep.status == "recorded")
                          ).scalars().first()
    return {"case_id": case.case_id, "certificate_no": case.certificate_no, "holder_name": person.name,
            "id_number": person.id_number, "property_address": case.property_address, "area_m2": case.area_m2,
            "usage": "住宅", "right_type": "国有建设用地使用权/房屋所有权",
            "registered_on": (recorded.date() if recorded else case.received_on), "office": settings.office_name}


@router.post("/v1/cases/{case_id}/certificate/serial", response_model=SerialRecorded,
             responses=errors(*KIOSK_ERRORS, 404, 409),
             summary="Write back the blank certificate's serial after printing (the case becomes collected)")
def certificate_serial(case_id: CaseId, body: SerialWriteBack, key: IdempotencyKey, token: Applicant,
                       kiosk: CurrentKiosk, db: Db):
    def action():
        case = applicant_case(db, token, case_id)
        if case.status != "certificate_ready":
            raise ApiError(409, "certificate_not_ready", "This case has no certificate waiting to be printed.")
        now = utcnow()
        case.certificate_serial = body.serial
        case.status = "collected"
        db.add(CaseStep(case_id=case_id, status="collected", at=now))
        audit(db, kiosk.kiosk_id, "certificate_printed", case_id, {"serial": body.serial})
        return 200, {"case_id": case_id, "serial": body.serial, "status": "collected"}

    return run_idempotent(db, kiosk.kiosk_id, "certificate_serial", key, {**body.model_dump(), "case_id": case_id},
                          action)

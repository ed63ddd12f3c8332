"""Proofs (property record / no property) with a verification code, and certificate content with serial write-back."""
from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from gateway.deps import Applicant, CurrentKiosk, Db, IdempotencyKey, Settings, audit
from gateway.errors import ApiError
from gateway.identity import mask_id_number
from gateway.idempotency import run_idempotent
from gateway.models import CaseStep, Person, Proof, utcnow
from gateway.national_formats import FormatRefused
from gateway.register_entry import PURPOSES, UnknownProperty, register_entries
from gateway.routers import KIOSK_ERRORS, errors
from gateway.routers.cases import CaseId, applicant_case
from gateway.sealed_documents import seal_of, sealed_proof
from gateway.verification_codes import new_verification_code

logger = logging.getLogger(__name__)

router = APIRouter(tags=["proofs and certificates"])

PurposeCode = Literal[tuple(PURPOSES)]


class ProofRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["property_record", "no_property"]
    purpose: PurposeCode = Field("other", description="Why the applicant asks (the hall's list), printed on the proof")
    unit_numbers: list[str] | None = Field(
        None, max_length=50, description="不动产单元号 of the properties to list (28 characters, GB/T 37346); "
                                         "omitted: every property of the applicant")


class RestrictionOut(BaseModel):
    kind: str
    holder: str
    amount_fen: int | None = None
    reference: str | None = None
    registered_on: dt.date | None = None
    ends_on: dt.date | None = None


class PropertyOut(BaseModel):
    property_id: str
    address: str
    area_m2: str
    usage: str
    certificate_no: str
    registered_on: dt.date
    unit_no: str | None = None
    share: str | None = None
    right_type: str | None = None
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    restrictions: list[RestrictionOut] = []


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
    purpose: str
    properties: list[PropertyOut]
    document_url: str = Field(description="The sealed PDF of this proof (kiosk API, the same applicant token)")


@router.post("/v1/proofs", status_code=201, response_model=ProofOut, responses=errors(*KIOSK_ERRORS, 409),
             summary="Issue a property-record or no-property proof")
def issue_proof(body: ProofRequest, key: IdempotencyKey, token: Applicant, kiosk: CurrentKiosk, db: Db,
                settings: Settings):
    def action():
        person = db.get(Person, token.id_number)
        if person is None:
            raise ApiError(409, "person_unknown", "The registry holds no record for this applicant.")
        try:
            entries = register_entries(db, token.id_number, body.unit_numbers)
        except FormatRefused as exc:
            raise ApiError(422, "unit_number_invalid", f"{exc}.") from None
        except UnknownProperty:
            raise ApiError(409, "property_not_owned", "A unit number asked for is not one of the applicant's "
                                                      "registered properties.") from None
        if body.kind == "no_property" and entries:
            raise ApiError(409, "properties_exist", "The applicant owns registered property; a no-property proof "
                                                    "cannot be issued.")
        if body.kind == "property_record" and not entries:
            raise ApiError(409, "no_properties", "The applicant owns no registered property; ask for a no-property "
                                                 "proof instead.")
        scope = "all" if body.unit_numbers is None else "chosen"
        properties = [{**entry, "scope": scope} for entry in entries]
        code = new_verification_code()
        proof = Proof(proof_id="PF" + secrets.token_hex(8).upper(), verification_code=code, kind=body.kind,
                      id_number=token.id_number, holder_name=person.name, office=settings.office_name,
                      issued_at=utcnow(), kiosk_id=kiosk.kiosk_id, properties=properties, purpose=body.purpose)
        db.add(proof)
        audit(db, kiosk.kiosk_id, "proof_issued", proof.proof_id, {"kind": body.kind, "purpose": body.purpose,
                                                                   "properties": len(properties)})
        return 201, {"proof_id": proof.proof_id, "kind": body.kind, "verification_code": code,
                     "verify_url": f"{settings.public_base_url.rstrip('/')}/verify/{code}",
                     "issued_at": proof.issued_at.isoformat(), "office": proof.office, "holder_name": person.name,
                     "id_number_masked": mask_id_number(token.id_number), "purpose": body.purpose,
                     "properties": properties,
                     "document_url": f"{settings.public_base_url.rstrip('/')}/v1/proofs/{proof.proof_id}/document.pdf"}

    return run_idempotent(db, kiosk.kiosk_id, "proof", key, {**body.model_dump(), "applicant": token.token_hash},
                          action)


class RegisterEntryList(BaseModel):
    properties: list[PropertyOut]


@router.get("/v1/properties", response_model=RegisterEntryList, responses=errors(*KIOSK_ERRORS),
            summary="The applicant's register entries (查档): each property with its restrictions in force, to choose "
                    "the ones a proof lists")
def register_entry_list(token: Applicant, db: Db) -> dict:
    return {"properties": register_entries(db, token.id_number)}


ProofId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]
Language = Annotated[str, Query(pattern="^(zh|en)$", description="zh or en")]
SEALED_PDF = {200: {"content": {"application/pdf": {}}, "description": "The sealed PDF (PAdES, timestamped)"}}


@router.get("/v1/proofs/{proof_id}/document.pdf", response_class=Response,
            responses={**errors(*KIOSK_ERRORS, 404, 503), **SEALED_PDF},
            summary="The proof as a PDF with the registration centre's electronic seal")
def proof_document(request: Request, proof_id: ProofId, token: Applicant, kiosk: CurrentKiosk, db: Db,
                   settings: Settings, language: Language = "zh") -> Response:
    proof = db.get(Proof, proof_id)
    if proof is None or proof.id_number != token.id_number or proof.kind not in ("property_record", "no_property"):
        raise ApiError(404, "proof_not_found", "No such proof for this applicant.")
    pdf = sealed_proof(seal_of(request), proof, settings.public_base_url, language)
    audit(db, kiosk.kiosk_id, "proof_document_sealed", proof.proof_id, {"language": language})
    db.commit()
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="proof-{proof.proof_id}.pdf"', "Cache-Control": "no-store"})


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

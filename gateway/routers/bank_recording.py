"""Bank service points after submission: the recorded mortgage's registration proof for the mortgagor to print, and
(demo kiosks only) the simulated registration centre recording a submitted, paid application."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from fastapi.encoders import jsonable_encoder

from gateway.bank_recording import RecordingRefused, certificate_json, certificate_of, record_mortgage
from gateway.bank_models import MortgageApplication
from gateway.deps import Applicant, Db, IdempotencyKey, Settings, audit
from gateway.errors import ApiError
from gateway.identity import mask_id_number
from gateway.idempotency import run_idempotent
from gateway.routers import KIOSK_ERRORS, errors
from gateway.routers.bank_signing import ApplicationId, ApplicationOut, BankKiosk, Staff, application_json
from gateway.routers.cases import CaseId, applicant_case
from gateway.routers.proofs import IssuedProofOut
from gateway.sealed_documents import seal_of, sealed_proof

logger = logging.getLogger(__name__)

router = APIRouter(tags=["bank"])


class MortgageCertificateOut(IssuedProofOut):
    certificate_no: str
    case_id: str
    right: str
    mortgagee: str
    address: str
    area_m2: str
    property_certificate_no: str
    loan_amount_fen: int
    term_months: int
    recorded_on: dt.date


@router.get("/v1/bank/my-mortgages/{case_id}/certificate", response_model=MortgageCertificateOut,
            responses=errors(*KIOSK_ERRORS, 404, 409),
            summary="The registration proof (不动产登记证明（抵押权）) of the applicant's recorded mortgage, to print")
def mortgage_certificate(case_id: CaseId, token: Applicant, kiosk: BankKiosk, db: Db, settings: Settings) -> dict:
    case = applicant_case(db, token, case_id)
    proof = certificate_of(db, case.case_id) if case.kind == "mortgage" else None
    if proof is None:
        raise ApiError(409, "certificate_not_ready", "This mortgage registration is not recorded yet.")
    audit(db, kiosk.kiosk_id, "mortgage_certificate_fetched", proof.proof_id)
    db.commit()
    return certificate_json(proof, settings.public_base_url, mask_id_number(token.id_number))


@router.get("/v1/bank/my-mortgages/{case_id}/certificate.pdf", response_class=Response,
            responses={**errors(*KIOSK_ERRORS, 404, 409, 503),
                       200: {"content": {"application/pdf": {}}, "description": "The sealed registration proof"}},
            summary="The registration proof of the applicant's recorded mortgage, sealed, as PDF")
def mortgage_certificate_pdf(request: Request, case_id: CaseId, token: Applicant, kiosk: BankKiosk, db: Db,
                             settings: Settings,
                             language: Annotated[str, Query(pattern="^(zh|en)$")] = "zh") -> Response:
    case = applicant_case(db, token, case_id)
    proof = certificate_of(db, case.case_id) if case.kind == "mortgage" else None
    if proof is None:
        raise ApiError(409, "certificate_not_ready", "This mortgage registration is not recorded yet.")
    pdf = sealed_proof(seal_of(request), proof, settings.public_base_url, language)
    audit(db, kiosk.kiosk_id, "mortgage_certificate_sealed", proof.proof_id, {"language": language})
    db.commit()
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="mortgage-proof-{case.case_id}.pdf"',
        "Cache-Control": "no-store"})


@router.post("/v1/bank/submissions/{application_id}/recording", response_model=ApplicationOut,
             responses=errors(*KIOSK_ERRORS, 404, 409),
             summary="Demo kiosks only: the simulated registration centre records a submitted, paid mortgage")
def record_submission(application_id: ApplicationId, key: IdempotencyKey, staff: Staff, kiosk: BankKiosk, db: Db,
                      settings: Settings):
    if not kiosk.demo:
        raise ApiError(403, "demo_only", "Only the registration centre records a mortgage; this is for demos.")

    def action():
        app = db.get(MortgageApplication, application_id)
        if app is None or app.kiosk_id != kiosk.kiosk_id:
            raise ApiError(404, "application_not_found", "No such application at this bank.")
        try:
            proof = record_mortgage(db, app, settings.office_name, kiosk.kiosk_id)
        except RecordingRefused as exc:
            raise ApiError(409, exc.code, exc.message) from None
        db.flush()
        audit(db, kiosk.kiosk_id, "mortgage_recorded", app.application_id,
              {"case_id": app.case_id, "proof_id": proof.proof_id, "staff": staff.staff_id})
        return 200, jsonable_encoder(application_json(db, app))

    return run_idempotent(db, kiosk.kiosk_id, "bank_recording", key, {"application_id": application_id}, action)

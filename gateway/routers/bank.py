"""Bank service points: the mortgagor's signed confirmation of a mortgage registration the bank prepared."""
from __future__ import annotations

import logging
import secrets

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from gateway.deps import AdaptersDep, Applicant, CurrentKiosk, Db, IdempotencyKey, audit
from gateway.errors import ApiError
from gateway.idempotency import run_idempotent
from gateway.models import BankSubmission, utcnow
from gateway.routers import KIOSK_ERRORS, errors
from gateway.routers.cases import applicant_case

logger = logging.getLogger(__name__)

router = APIRouter(tags=["bank"])


class MortgageSubmission(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")
    # The signature image stays at the bank; the registration system gets its digest as the record of signing.
    signature_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class SubmissionOut(BaseModel):
    submission_id: str
    case_id: str
    reference: str
    submitted_at: str


@router.post("/v1/bank/mortgage-submissions", status_code=201, response_model=SubmissionOut,
             responses=errors(*KIOSK_ERRORS, 404, 409),
             summary="Submit a mortgage registration the applicant signed at a bank service point")
def submit_mortgage(body: MortgageSubmission, key: IdempotencyKey, token: Applicant, kiosk: CurrentKiosk, db: Db,
                    adapters: AdaptersDep):
    if kiosk.site_kind != "bank":
        raise ApiError(403, "not_a_bank", "Only a bank service point submits mortgage registrations.")

    def action():
        case = applicant_case(db, token, body.case_id)
        if case.kind != "mortgage" or case.status not in ("received", "under_review"):
            raise ApiError(409, "case_not_submittable", "This case is not a mortgage registration awaiting signing.")
        reference = adapters.bank.submit_mortgage(case.case_id, kiosk.kiosk_id)
        now = utcnow()
        submission_id = "BS" + secrets.token_hex(8).upper()
        db.add(BankSubmission(submission_id=submission_id, kiosk_id=kiosk.kiosk_id, case_id=case.case_id,
                              submitted_at=now, signed=True,
                              detail={"reference": reference, "signature_sha256": body.signature_sha256}))
        audit(db, kiosk.kiosk_id, "mortgage_submitted", case.case_id, {"reference": reference})
        return 201, {"submission_id": submission_id, "case_id": case.case_id, "reference": reference,
                     "submitted_at": now.isoformat()}

    return run_idempotent(db, kiosk.kiosk_id, "bank_submission", key, body.model_dump(), action)

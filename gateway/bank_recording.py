"""The registration centre's answer to a bank's mortgage submission: the mortgage recorded and its registration proof
(不动产登记证明（抵押权）) issued with a verification code, simulated for the demo and the tests."""
from __future__ import annotations

import logging
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.bank_models import MortgageApplication, parties_of
from gateway.models import Case, CaseStep, Proof, utcnow
from gateway.national_formats import parse_proof_number
from gateway.verification_codes import new_verification_code

logger = logging.getLogger(__name__)

PROOF_KIND = "mortgage_certificate"
RIGHT = "抵押权"
# The registration fee is paid before the registration centre records the mortgage.
RECORDABLE = ("paid", "under_review")
_CERTIFICATE_NO = re.compile(r"^(?P<province>[^\s(（]+)\s*[(（]\d{4}[)）](?P<place>.*?)不动产权")


class RecordingRefused(Exception):
    """The case cannot be recorded now; `code` is the API error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def certificate_proof_id(case_id: str) -> str:
    """One registration proof per mortgage case: its id follows from the case (a retried recording finds it)."""
    return "PM" + case_id


def certificate_of(db: Session, case_id: str) -> Proof | None:
    proof = db.get(Proof, certificate_proof_id(case_id))
    return proof if proof is not None and proof.kind == PROOF_KIND else None


def issuer_of(property_certificate_no: str) -> tuple[str, str]:
    """("粤", "深圳市") from 粤(2024)深圳市不动产权第0012345号; ("", "") when the number has another form."""
    match = _CERTIFICATE_NO.match(property_certificate_no or "")
    return (match["province"], match["place"]) if match else ("", "")


def _certificate_no(db: Session, property_certificate_no: str, year: int) -> str:
    """粤（2026）深圳市不动产证明第0000001号: the province and place of the property's own certificate number."""
    province, place = issuer_of(property_certificate_no)
    issued = db.execute(select(func.count()).select_from(Proof).where(Proof.kind == PROOF_KIND)).scalar_one()
    return str(parse_proof_number(f"{province}（{year}）{place}不动产证明第{issued + 1:07d}号"))


def record_mortgage(db: Session, application: MortgageApplication, office: str, kiosk_id: str) -> Proof:
    """The registration centre records a submitted, paid mortgage registration and issues its registration proof.

    Recording twice is harmless: the proof already issued is returned unchanged."""
    if application.status != "submitted" or application.case_id is None:
        raise RecordingRefused("application_not_submitted", "Only a submitted application can be recorded.")
    case = db.get(Case, application.case_id)
    existing = certificate_of(db, case.case_id)
    if existing is not None:
        return existing
    if case.status not in RECORDABLE:
        raise RecordingRefused("fee_unpaid" if case.status == "tax_assessed" else "case_not_recordable",
                               "The registration fee is not paid yet." if case.status == "tax_assessed"
                               else f"A case that is {case.status} cannot be recorded.")
    now = utcnow()
    if case.status == "paid":
        db.add(CaseStep(case_id=case.case_id, status="under_review", at=now))
    db.add(CaseStep(case_id=case.case_id, status="recorded", at=now))
    mortgagor = next(p for p in parties_of(db, application.application_id) if p.role == "mortgagor")
    case.status = "recorded"
    case.certificate_no = _certificate_no(db, application.certificate_no, now.year)
    # What the paper says and the verification page confirms: the mortgage, not the ownership.
    record = {"certificate_no": case.certificate_no, "case_id": case.case_id, "right": RIGHT,
              "mortgagee": application.bank_name, "address": application.property_address,
              "area_m2": application.area_m2, "property_certificate_no": application.certificate_no,
              "loan_amount_fen": application.loan_amount_fen, "term_months": application.term_months,
              "recorded_on": now.date().isoformat()}
    proof = Proof(proof_id=certificate_proof_id(case.case_id),
                  verification_code=new_verification_code(), kind=PROOF_KIND,
                  id_number=mortgagor.id_number, holder_name=mortgagor.name, office=office, issued_at=now,
                  kiosk_id=kiosk_id, properties=[record])
    db.add(proof)
    logger.info("mortgage case %s recorded; registration proof %s issued", case.case_id, proof.proof_id)
    return proof


def certificate_json(proof: Proof, public_base_url: str, id_number_masked: str) -> dict:
    """The registration proof as the kiosk prints it (the holder's own name; the ID number masked)."""
    record = proof.properties[0]
    return {"proof_id": proof.proof_id, "kind": proof.kind, "verification_code": proof.verification_code,
            "verify_url": f"{public_base_url.rstrip('/')}/verify/{proof.verification_code}",
            "issued_at": proof.issued_at, "office": proof.office, "holder_name": proof.holder_name,
            "id_number_masked": id_number_masked, **record}

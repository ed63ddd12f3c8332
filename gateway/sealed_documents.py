"""Sealed official documents from registry records, and the check of a document someone brings to /verify: the seal
first (gateway.seal), then the registry record the document says it is.

Kinds and what `ref` in a document's Keywords names: property_record / no_property / mortgage_certificate -> the
proof's verification code; acceptance_receipt -> the case number; e_certificate -> the e-certificate identifier.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.beijing_time import beijing
from gateway import proof_documents
from gateway.bank_recording import PROOF_KIND as MORTGAGE_KIND, certificate_json
from gateway.casework import deadline_of
from gateway.e_certificates import CERTIFICATE_STATUSES
from gateway.errors import ApiError
from gateway.identity import mask_id_number, mask_name
from gateway.models import Case, Person, Proof, utcnow
from gateway.national_formats import FormatRefused, make_e_certificate_id, parse_e_certificate_id
from gateway.seal import Seal
from gateway.seal_check import SealCheck, SealTrust, Verdict, check_seal

logger = logging.getLogger(__name__)

# The e-certificate identifier's fixed parts for this centre (demo values: a licence type code and the issuing
# office's unified social credit code, both 18 characters + the type number); the serial is the case number.
E_CERTIFICATE_TYPE = "11100000MB0143028E" + "001"
E_CERTIFICATE_ISSUER = "12441900MB2C12345X"
REASONS = {"property_record": "不动产登记资料查询结果证明", "no_property": "无不动产登记记录证明",
           "mortgage_certificate": "不动产登记证明（抵押权）", "acceptance_receipt": "受理回执",
           "e_certificate": "不动产电子证照"}


def e_certificate_id(case: Case) -> str:
    return str(make_e_certificate_id(E_CERTIFICATE_TYPE, E_CERTIFICATE_ISSUER, case.case_id.upper()))


def seal_of(request: Request) -> Seal:
    seal = getattr(request.app.state, "seal", None)
    if seal is None:
        raise ApiError(503, "seal_unavailable", "This gateway has no electronic seal configured; sealed documents "
                                                "cannot be issued.")
    return seal


def _sealed(seal: Seal, kind: str, pdf: bytes) -> bytes:
    return seal.seal_pdf(pdf, box=proof_documents.SEAL_BOX, reason=REASONS[kind])


def verify_url(public_base_url: str, code: str) -> str:
    return f"{public_base_url.rstrip('/')}/verify/{code}"


def proof_record(proof: Proof, public_base_url: str) -> dict:
    """What a proof prints (the holder's own name; the ID number masked), from its stored row."""
    if proof.kind == MORTGAGE_KIND:
        return certificate_json(proof, public_base_url, mask_id_number(proof.id_number))
    return {"proof_id": proof.proof_id, "kind": proof.kind, "verification_code": proof.verification_code,
            "verify_url": verify_url(public_base_url, proof.verification_code), "issued_at": proof.issued_at,
            "office": proof.office, "holder_name": proof.holder_name,
            "id_number_masked": mask_id_number(proof.id_number), "purpose": proof.purpose,
            "scope": (proof.properties[0].get("scope", "all") if proof.properties else "all"),
            "properties": proof.properties}


def sealed_proof(seal: Seal, proof: Proof, public_base_url: str, language: str = "zh") -> bytes:
    record = proof_record(proof, public_base_url)
    if proof.kind == MORTGAGE_KIND:
        return _sealed(seal, proof.kind, proof_documents.mortgage_proof_pdf(record, language))
    return _sealed(seal, proof.kind, proof_documents.property_proof_pdf(proof.kind, record, language))


def receipt_record(db: Session, case: Case, office: str, public_base_url: str) -> dict:
    person = db.get(Person, case.id_number)
    return {"case_id": case.case_id, "title": case.title, "applicant_name": person.name if person else "",
            "id_number_masked": mask_id_number(case.id_number), "property_address": case.property_address,
            "received_on": case.received_on, "time_limit_working_days": case.time_limit_working_days,
            "due_on": deadline_of(case).due, "office": office, "issued_at": utcnow(),
            "verify_url": f"{public_base_url.rstrip('/')}/verify"}  # a receipt has no code: its file is checked


def sealed_receipt(seal: Seal, db: Session, case: Case, office: str, public_base_url: str,
                   language: str = "zh") -> bytes:
    record = receipt_record(db, case, office, public_base_url)
    return _sealed(seal, "acceptance_receipt", proof_documents.acceptance_receipt_pdf(record, language))


def sealed_e_certificate(seal: Seal, pdf: bytes) -> bytes:
    return _sealed(seal, "e_certificate", pdf)


@dataclass(frozen=True)
class DocumentCheck:
    """The answer of /verify for an uploaded file: the seal's verdict and, when it is valid, what the registry says."""

    seal: SealCheck
    found: bool = False
    title: str = ""
    rows: tuple[tuple[str, str], ...] = ()

    @property
    def genuine(self) -> bool:
        return self.seal.valid and self.found


def _registry_rows(db: Session, kind: str, ref: str) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """The registry record a validly sealed document names, as masked rows; None when there is none."""
    if kind in ("property_record", "no_property", MORTGAGE_KIND):
        proof = db.execute(select(Proof).where(Proof.verification_code == ref)).scalar_one_or_none()
        if proof is None or proof.kind != kind:
            return None
        return REASONS[kind], (("编号", proof.proof_id), ("权利人", mask_name(proof.holder_name)),
                               ("证件号码", mask_id_number(proof.id_number)), ("出具机构", proof.office),
                               ("出具时间", beijing(proof.issued_at) + "（北京时间）"), ("验证码", ref))
    if kind == "acceptance_receipt":
        case = db.get(Case, ref)
        if case is None:
            return None
        return REASONS[kind], (("业务编号", case.case_id), ("登记类型", case.title),
                               ("受理日期", case.received_on.isoformat()))
    if kind == "e_certificate":
        try:
            ident = parse_e_certificate_id(ref)
        except FormatRefused:
            return None
        case = db.get(Case, ident.serial)
        if case is None or case.status not in CERTIFICATE_STATUSES or not case.certificate_no:
            return None
        return REASONS[kind], (("证照标识", ref), ("证号", case.certificate_no), ("业务编号", case.case_id))
    return None


def verify_document(db: Session, pdf: bytes, trust: SealTrust) -> DocumentCheck:
    check = check_seal(pdf, trust)
    if check.verdict is not Verdict.VALID or not check.kind or not check.ref:
        return DocumentCheck(check)
    found = _registry_rows(db, check.kind, check.ref)
    if found is None:
        return DocumentCheck(check)
    return DocumentCheck(check, True, found[0], found[1])

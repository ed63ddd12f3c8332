"""Bank service points: staff PIN sign-in, prepared mortgage applications, each party's signature or refusal, status."""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.bank_demo import seed_bank_demo
from gateway.bank_models import (BankStaff, BankStaffToken, MortgageApplication, MortgageParty, MortgageSignature,
                                 parties_of, signed_seqs)
from gateway.bank_recording import certificate_of
from gateway.bank_signing import MAX_PIN_FAILURES, PIN_LOCK, STAFF_TOKEN_TTL, png_digest, submit_application
from gateway.casework import case_json
from gateway.deps import (AdaptersDep, Applicant, CurrentKiosk, Db, IdempotencyKey, KioskIdentity, Settings, audit,
                          sha256_hex)
from gateway.errors import ApiError
from gateway.identity import mask_id_number, mask_name
from gateway.idempotency import run_idempotent
from gateway.models import Case, CaseStep, utcnow
from gateway.routers import KIOSK_ERRORS, errors
from secrethash import dummy_hash, verify_secret

logger = logging.getLogger(__name__)

router = APIRouter(tags=["bank"])

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_SIGNATURE_BYTES = 512 * 1024
ApplicationId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]
StaffTokenHeader = Annotated[str, Header(alias="X-Staff-Token", min_length=1, max_length=200,
                                         description="Token from POST /v1/bank/staff-sessions")]


def bank_kiosk(kiosk: CurrentKiosk) -> KioskIdentity:
    if kiosk.site_kind != "bank":
        raise ApiError(403, "not_a_bank", "Only a bank service point may use the bank endpoints.")
    return kiosk


BankKiosk = Annotated[KioskIdentity, Depends(bank_kiosk)]


def staff_of(db: Db, kiosk: BankKiosk, x_staff_token: StaffTokenHeader) -> BankStaff:
    token = db.get(BankStaffToken, sha256_hex(x_staff_token))
    if token is None or token.kiosk_id != kiosk.kiosk_id:
        raise ApiError(401, "staff_token_invalid", "The staff token is not valid for this kiosk.")
    if token.expires_at <= utcnow():
        raise ApiError(401, "staff_token_expired", "The staff sign-in has expired; sign in again.")
    return db.get(BankStaff, token.staff_id)


Staff = Annotated[BankStaff, Depends(staff_of)]


def seed_demo_bank_once(db: Session, kiosk: KioskIdentity, settings) -> None:
    """A demo bank kiosk (kiosk-gateway --demo) gets the demo staff and applications on first use."""
    if kiosk.demo and db.execute(select(BankStaff.staff_id).where(BankStaff.kiosk_id == kiosk.kiosk_id)).first() \
            is None:
        seed_bank_demo(db, kiosk.kiosk_id, settings.office_name)


class StaffSignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")
    pin: str = Field(min_length=4, max_length=12, pattern=r"^[0-9]+$")


class StaffSessionOut(BaseModel):
    staff_token: str
    staff_id: str
    expires_at: dt.datetime


@router.post("/v1/bank/staff-sessions", status_code=201, response_model=StaffSessionOut,
             responses=errors(*KIOSK_ERRORS), summary="Bank staff sign in at their service point with their PIN")
def staff_sign_in(body: StaffSignIn, kiosk: BankKiosk, db: Db, settings: Settings) -> dict:
    seed_demo_bank_once(db, kiosk, settings)
    staff = db.get(BankStaff, body.staff_id)
    now = utcnow()
    if staff is None or staff.kiosk_id != kiosk.kiosk_id:
        verify_secret(body.pin, dummy_hash())  # the same time whether or not the staff member exists
        raise ApiError(401, "staff_pin_wrong", "Unknown staff member or wrong PIN.")
    if staff.locked_until is not None and staff.locked_until > now:
        raise ApiError(403, "staff_locked", "Too many wrong PINs; try again later.")
    if not verify_secret(body.pin, staff.pin_hash):
        staff.failed_pins += 1
        if staff.failed_pins >= MAX_PIN_FAILURES:
            staff.locked_until, staff.failed_pins = now + PIN_LOCK, 0
        audit(db, kiosk.kiosk_id, "bank_staff_pin_wrong", staff.staff_id)
        db.commit()
        raise ApiError(401, "staff_pin_wrong", "Unknown staff member or wrong PIN.")
    staff.failed_pins, staff.locked_until = 0, None
    token = secrets.token_urlsafe(32)
    expires = now + STAFF_TOKEN_TTL
    db.add(BankStaffToken(token_hash=sha256_hex(token), staff_id=staff.staff_id, kiosk_id=kiosk.kiosk_id,
                          expires_at=expires))
    audit(db, kiosk.kiosk_id, "bank_staff_signed_in", staff.staff_id)
    db.commit()
    return {"staff_token": token, "staff_id": staff.staff_id, "expires_at": expires}


class PartyOut(BaseModel):
    seq: int
    role: str
    name_masked: str
    id_number_masked: str
    signed: bool


class DocumentOut(BaseModel):
    name: str
    pages: int


class ApplicationOut(BaseModel):
    application_id: str
    status: str
    bank_name: str
    property_address: str
    certificate_no: str
    area_m2: str
    loan_amount_fen: int
    term_months: int
    documents: list[DocumentOut]
    parties: list[PartyOut]
    prepared_at: dt.datetime
    closed_at: dt.datetime | None
    decline_reason: str | None
    case_id: str | None
    reference: str | None
    case_status: str | None = None
    deadline: dt.date | None = None
    working_days_left: int | None = None


class ApplicationList(BaseModel):
    applications: list[ApplicationOut]


def application_json(db: Session, app: MortgageApplication) -> dict:
    signed = signed_seqs(db, app.application_id)
    out = {"application_id": app.application_id, "status": app.status, "bank_name": app.bank_name,
           "property_address": app.property_address, "certificate_no": app.certificate_no, "area_m2": app.area_m2,
           "loan_amount_fen": app.loan_amount_fen, "term_months": app.term_months, "documents": app.documents,
           "parties": [{"seq": p.seq, "role": p.role, "name_masked": mask_name(p.name),
                        "id_number_masked": mask_id_number(p.id_number), "signed": p.seq in signed}
                       for p in parties_of(db, app.application_id)],
           "prepared_at": app.prepared_at, "closed_at": app.closed_at, "decline_reason": app.decline_reason,
           "case_id": app.case_id, "reference": app.reference}
    if app.case_id is not None:
        case = db.get(Case, app.case_id)
        steps = list(db.execute(select(CaseStep).where(CaseStep.case_id == case.case_id)).scalars())
        case_out = case_json(case, steps)
        out.update(case_status=case.status, deadline=case_out["deadline"],
                   working_days_left=case_out["working_days_left"])
    return out


def _applications(db: Session, kiosk_id: str, statuses: tuple[str, ...]) -> list[MortgageApplication]:
    return list(db.execute(select(MortgageApplication).where(MortgageApplication.kiosk_id == kiosk_id,
                                                             MortgageApplication.status.in_(statuses))
                           .order_by(MortgageApplication.prepared_at, MortgageApplication.application_id))
                .scalars())


@router.get("/v1/bank/applications", response_model=ApplicationList, responses=errors(*KIOSK_ERRORS),
            summary="This bank's prepared mortgage applications awaiting signatures")
def list_prepared(staff: Staff, kiosk: BankKiosk, db: Db) -> dict:
    return {"applications": [application_json(db, a) for a in _applications(db, kiosk.kiosk_id, ("prepared",))]}


@router.get("/v1/bank/submissions", response_model=ApplicationList, responses=errors(*KIOSK_ERRORS),
            summary="This bank's submitted and declined applications with the registration's progress")
def list_submitted(staff: Staff, kiosk: BankKiosk, db: Db) -> dict:
    apps = _applications(db, kiosk.kiosk_id, ("submitted", "declined"))
    apps.sort(key=lambda a: a.closed_at, reverse=True)  # the latest submitted or declined first
    return {"applications": [application_json(db, a) for a in apps]}


def _open_application(db: Session, kiosk: KioskIdentity, application_id: str) -> MortgageApplication:
    app = db.get(MortgageApplication, application_id)
    if app is None or app.kiosk_id != kiosk.kiosk_id:
        raise ApiError(404, "application_not_found", "No such application at this bank.")
    if app.status != "prepared":
        raise ApiError(409, "application_closed", f"The application is already {app.status}.")
    return app


def _party(db: Session, app: MortgageApplication, id_number: str) -> MortgageParty:
    party = next((p for p in parties_of(db, app.application_id) if p.id_number == id_number), None)
    if party is None:
        raise ApiError(403, "not_a_party", "The verified person is not a party to this application.")
    return party


class SignatureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signature_png_b64: str = Field(min_length=8, max_length=MAX_SIGNATURE_BYTES * 4 // 3 + 8)


class SignatureOut(BaseModel):
    application_id: str
    seq: int
    status: str
    signed: list[int]
    case_id: str | None
    reference: str | None


@router.post("/v1/bank/applications/{application_id}/signatures", status_code=201, response_model=SignatureOut,
             responses=errors(*KIOSK_ERRORS, 404, 409),
             summary="A verified party's signature; the last one submits the registration")
def sign(application_id: ApplicationId, body: SignatureIn, key: IdempotencyKey, staff: Staff, token: Applicant,
         kiosk: BankKiosk, db: Db, adapters: AdaptersDep):
    try:
        png = base64.b64decode(body.signature_png_b64, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, "signature_invalid", "The signature is not base64.") from None
    if not png.startswith(PNG_MAGIC) or len(png) > MAX_SIGNATURE_BYTES:
        raise ApiError(422, "signature_invalid", "The signature must be a PNG image of at most 512 KiB.")

    def action():
        app = _open_application(db, kiosk, application_id)
        party = _party(db, app, token.id_number)
        if party.seq in signed_seqs(db, app.application_id):
            raise ApiError(409, "already_signed", "This party has already signed.")
        now = utcnow()
        # The verification result comes from the applicant token the kiosk obtained for this person.
        db.add(MortgageSignature(application_id=app.application_id, seq=party.seq, signature_png=png,
                                 signature_sha256=png_digest(png), method=token.method, score=token.score,
                                 verified_at=token.issued_at, signed_at=now))
        db.flush()
        audit(db, kiosk.kiosk_id, "mortgage_party_signed", app.application_id,
              {"seq": party.seq, "method": token.method, "staff": staff.staff_id})
        signed = signed_seqs(db, app.application_id)
        if signed >= {p.seq for p in parties_of(db, app.application_id)}:
            submit_application(db, app, adapters.bank)
            audit(db, kiosk.kiosk_id, "mortgage_submitted", app.application_id, {"case_id": app.case_id})
        return 201, {"application_id": app.application_id, "seq": party.seq, "status": app.status,
                     "signed": sorted(signed), "case_id": app.case_id, "reference": app.reference}

    return run_idempotent(db, kiosk.kiosk_id, "bank_signature", key,
                          {"application_id": application_id, "png": png_digest(png), "token": token.token_hash},
                          action)


class DeclineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=200)


class DeclineOut(BaseModel):
    application_id: str
    status: str
    seq: int


@router.post("/v1/bank/applications/{application_id}/decline", response_model=DeclineOut,
             responses=errors(*KIOSK_ERRORS, 404, 409), summary="A verified party declines to sign, with a reason")
def decline(application_id: ApplicationId, body: DeclineIn, key: IdempotencyKey, staff: Staff, token: Applicant,
            kiosk: BankKiosk, db: Db):
    reason = body.reason.strip()
    if not reason:
        raise ApiError(422, "reason_required", "Say why the application is declined.")

    def action():
        app = _open_application(db, kiosk, application_id)
        party = _party(db, app, token.id_number)
        app.status, app.decline_reason, app.closed_at = "declined", reason, utcnow()
        audit(db, kiosk.kiosk_id, "mortgage_declined", app.application_id,
              {"seq": party.seq, "staff": staff.staff_id})
        return 200, {"application_id": app.application_id, "status": app.status, "seq": party.seq}

    return run_idempotent(db, kiosk.kiosk_id, "bank_decline", key,
                          {"application_id": application_id, "reason": reason, "token": token.token_hash}, action)


class MortgageOut(BaseModel):
    case_id: str
    status: str
    received_on: dt.date
    deadline: dt.date | None
    working_days_left: int | None
    property_address_masked: str
    certificate_ready: bool = Field(description="Recorded: its registration proof can be printed")


class MortgageList(BaseModel):
    mortgages: list[MortgageOut]


@router.get("/v1/bank/my-mortgages", response_model=MortgageList, responses=errors(*KIOSK_ERRORS),
            summary="The verified applicant's mortgage registrations with their 5-working-day deadline")
def my_mortgages(token: Applicant, kiosk: BankKiosk, db: Db, settings: Settings) -> dict:
    seed_demo_bank_once(db, kiosk, settings)  # the demo's recorded mortgage is there before any staff sign in
    cases = list(db.execute(select(Case).where(Case.id_number == token.id_number, Case.kind == "mortgage")
                            .order_by(Case.received_on.desc(), Case.case_id)).scalars())
    out = []
    for case in cases:
        steps = list(db.execute(select(CaseStep).where(CaseStep.case_id == case.case_id)).scalars())
        data = case_json(case, steps)
        out.append({"case_id": case.case_id, "status": case.status, "received_on": case.received_on,
                    "deadline": data["deadline"], "working_days_left": data["working_days_left"],
                    "property_address_masked": case.property_address[:6] + "***",
                    "certificate_ready": certificate_of(db, case.case_id) is not None})
    return {"mortgages": out}

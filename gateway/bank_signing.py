"""Mortgage signing at bank service points, the workflow: bank staff PINs, signature digests, submission."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.adapters.bank import BankSubmissions
from gateway.bank_models import BankStaff, MortgageApplication, MortgageSignature, parties_of
from gateway.casework import TIME_LIMIT_WORKING_DAYS, TITLES, today_in_china
from gateway.models import BankSubmission, Case, CaseStep, utcnow
from secrethash import hash_secret

logger = logging.getLogger(__name__)

STAFF_TOKEN_TTL = dt.timedelta(minutes=30)
MAX_PIN_FAILURES = 5
PIN_LOCK = dt.timedelta(minutes=15)
APPLICATION_STATUSES = ("prepared", "submitted", "declined")


def add_staff(db: Session, kiosk_id: str, staff_id: str, name: str, pin: str) -> None:
    if not (pin.isdigit() and 6 <= len(pin) <= 12):
        raise ValueError("a staff PIN is 6-12 digits")
    staff = db.get(BankStaff, staff_id)
    if staff is None:
        db.add(BankStaff(staff_id=staff_id, kiosk_id=kiosk_id, name=name, pin_hash=hash_secret(pin)))
    else:
        staff.kiosk_id, staff.name, staff.pin_hash, staff.failed_pins = kiosk_id, name, hash_secret(pin), 0


def submit_application(db: Session, application: MortgageApplication, bank: BankSubmissions) -> None:
    """Every party signed: the registration centre receives the mortgage registration (5 working days by law)."""
    parties = parties_of(db, application.application_id)
    mortgagor = next(p for p in parties if p.role == "mortgagor")
    case_id = "MTG" + secrets.token_hex(5).upper()
    now = utcnow()
    # Received, and its registration fee assessed at once: the mortgagor pays it like any other fee.
    db.add(Case(case_id=case_id, id_number=mortgagor.id_number, kind="mortgage", title=TITLES["mortgage"],
                status="tax_assessed", received_on=today_in_china(),
                time_limit_working_days=TIME_LIMIT_WORKING_DAYS["mortgage"], extension_working_days=0,
                property_address=application.property_address, area_m2=application.area_m2, price_fen=0,
                first_home=True))
    db.flush()
    db.add(CaseStep(case_id=case_id, status="received", at=now))
    db.add(CaseStep(case_id=case_id, status="tax_assessed", at=now))
    reference = bank.submit_mortgage(case_id, application.kiosk_id)
    digests = {str(s.seq): s.signature_sha256 for s in db.execute(
        select(MortgageSignature).where(MortgageSignature.application_id == application.application_id)).scalars()}
    db.add(BankSubmission(submission_id="BS" + secrets.token_hex(8).upper(), kiosk_id=application.kiosk_id,
                          case_id=case_id, submitted_at=now, signed=True,
                          detail={"reference": reference, "application_id": application.application_id,
                                  "signature_sha256": digests}))
    application.status, application.case_id, application.reference, application.closed_at = \
        "submitted", case_id, reference, now


def png_digest(png: bytes) -> str:
    return hashlib.sha256(png).hexdigest()

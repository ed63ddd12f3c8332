"""Locker drop-off codes: staff issue one for a case, the applicant drops a document in, staff collect it."""
from __future__ import annotations

import datetime as dt
import logging
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway import audit_chain
from gateway.models import AuditEntry, Case, DropoffCode, LockerDeposit, Person, utcnow
from secrethash import dummy_hash, hash_secret, verify_secret

logger = logging.getLogger(__name__)

LOOKUP_DIGITS = 4   # the public half: picks the code's row
SECRET_DIGITS = 8   # the secret half: checked against its scrypt hash
CODE_DIGITS = LOOKUP_DIGITS + SECRET_DIGITS
MAX_FAILS_PER_CODE = 5          # wrong secret halves before the code is void
LOCKER_FAILS = 10               # wrong codes at one locker within LOCKER_WINDOW before it refuses every code
LOCKER_WINDOW = dt.timedelta(minutes=15)
DEFAULT_TTL = dt.timedelta(days=7)


class DropoffRefused(Exception):
    """A drop-off step the gateway refuses; `code` is the API error code, `status` its HTTP status."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _free_expired(db: Session, now: dt.datetime) -> None:
    """Codes past their expiry and never used give their lookup digits back."""
    for row in db.execute(select(DropoffCode).where(DropoffCode.lookup.is_not(None), DropoffCode.used_at.is_(None),
                                                    DropoffCode.expires_at <= now)).scalars():
        row.lookup = None
    db.flush()


def issue(db: Session, sms, case_id: str, locker_id: str, staff_id: str, ttl: dt.timedelta = DEFAULT_TTL
          ) -> tuple[DropoffCode, str]:
    """A new code for the case at that locker, sent by SMS to the applicant; returns (row, the 12 digits)."""
    case = db.get(Case, case_id)
    if case is None:
        raise DropoffRefused(404, "case_not_found", "No such case.")
    now = utcnow()
    _free_expired(db, now)
    taken = set(db.execute(select(DropoffCode.lookup).where(DropoffCode.lookup.is_not(None))).scalars())
    free = [f"{n:0{LOOKUP_DIGITS}d}" for n in range(10 ** LOOKUP_DIGITS) if f"{n:0{LOOKUP_DIGITS}d}" not in taken]
    if not free:
        raise DropoffRefused(503, "no_codes_free", "Too many drop-off codes are open; try again later.")
    lookup = secrets.choice(free)
    secret = f"{secrets.randbelow(10 ** SECRET_DIGITS):0{SECRET_DIGITS}d}"
    row = DropoffCode(code_id="DC" + secrets.token_hex(8).upper(), lookup=lookup, secret_hash=hash_secret(secret),
                      case_id=case_id, locker_id=locker_id, issued_by=staff_id, issued_at=now,
                      expires_at=now + ttl, failed_attempts=0)
    db.add(row)
    db.flush()
    person = db.get(Person, case.id_number)
    if person is not None and person.phone:
        sms.send(db, person.phone, "dropoff_code", {"digits": lookup + secret, "locker": locker_id, "case": case_id,
                                                    "expires_at": row.expires_at.isoformat()})
    audit_chain.append(db, staff_id, "dropoff_code_issued", case_id, {"code_id": row.code_id, "locker": locker_id})
    logger.info("drop-off code %s issued for a case at %s", row.code_id, locker_id)
    return row, lookup + secret


def _locker_failures(db: Session, locker_id: str, now: dt.datetime) -> int:
    return db.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.actor == locker_id, AuditEntry.action == "dropoff_code_refused",
        AuditEntry.at > now - LOCKER_WINDOW)).scalar_one()


def _refuse(db: Session, locker_id: str, reason: str) -> DropoffRefused:
    audit_chain.append(db, locker_id, "dropoff_code_refused", None, {"reason": reason})
    db.commit()  # the failure counts even though the request fails
    return DropoffRefused(404, "code_invalid", "This drop-off code is not valid at this locker.")


def check(db: Session, locker_id: str, digits: str) -> DropoffCode:
    """The open code these digits name at this locker. Every wrong code counts against the locker; too many in a
    while lock it out (429), and too many wrong secrets for one code void that code."""
    now = utcnow()
    if _locker_failures(db, locker_id, now) >= LOCKER_FAILS:
        raise DropoffRefused(429, "too_many_attempts", "Too many wrong codes at this locker; try again later.")
    if len(digits) != CODE_DIGITS or not digits.isdigit():
        raise DropoffRefused(422, "code_malformed", f"A drop-off code is {CODE_DIGITS} digits.")
    row = db.execute(select(DropoffCode).where(DropoffCode.lookup == digits[:LOOKUP_DIGITS])).scalars().first()
    if row is None:
        verify_secret(digits[LOOKUP_DIGITS:], dummy_hash())  # the same time as a real check
        raise _refuse(db, locker_id, "unknown")
    if not verify_secret(digits[LOOKUP_DIGITS:], row.secret_hash):
        row.failed_attempts += 1
        if row.failed_attempts >= MAX_FAILS_PER_CODE:
            row.lookup = None
            logger.warning("drop-off code %s voided after %d wrong attempts", row.code_id, row.failed_attempts)
        raise _refuse(db, locker_id, "wrong_secret")
    if row.locker_id != locker_id:
        raise _refuse(db, locker_id, "other_locker")
    if row.used_at is not None:
        raise DropoffRefused(409, "code_used", "This drop-off code has already been used.")
    if row.expires_at <= now:
        raise DropoffRefused(409, "code_expired", "This drop-off code has expired.")
    return row


def record(db: Session, locker_id: str, code_id: str, compartment: str, when: dt.datetime) -> tuple[DropoffCode, bool]:
    """The document is in the compartment: the code is used, the compartment taken. (row, newly): a repeat report
    (the direct call and the outbox event) changes nothing. No expiry check: the code was checked when typed."""
    row = db.get(DropoffCode, code_id)
    if row is None or row.locker_id != locker_id:
        raise DropoffRefused(404, "code_not_found", "No such drop-off code at this locker.")
    if row.used_at is not None:
        if row.compartment != compartment:
            raise DropoffRefused(409, "code_used", "This drop-off code was used for another compartment.")
        return row, False
    slot = f"{locker_id}/{compartment}"
    if (db.execute(select(LockerDeposit).where(LockerDeposit.occupied_slot == slot)).first()
            or db.execute(select(DropoffCode).where(DropoffCode.occupied_slot == slot)).first()):
        raise DropoffRefused(409, "compartment_occupied", "That compartment already holds something.")
    row.used_at, row.compartment, row.occupied_slot, row.lookup = when, compartment, slot, None
    db.flush()
    audit_chain.append(db, locker_id, "dropoff_recorded", row.case_id, {"code_id": code_id,
                                                                       "compartment": compartment})
    return row, True


def waiting(db: Session, locker_id: str) -> list[DropoffCode]:
    """Documents dropped off at this locker that staff have not collected, oldest first."""
    return list(db.execute(select(DropoffCode).where(DropoffCode.locker_id == locker_id,
                                                     DropoffCode.occupied_slot.is_not(None))
                           .order_by(DropoffCode.used_at, DropoffCode.code_id)).scalars())


def collected(db: Session, sms, locker_id: str, code_id: str, staff_id: str) -> tuple[DropoffCode, bool]:
    """Staff took the document out and the door shut on an empty compartment: free it, tell the applicant."""
    row = db.get(DropoffCode, code_id)
    if row is None or row.locker_id != locker_id or row.used_at is None:
        raise DropoffRefused(404, "dropoff_not_found", "No such drop-off at this locker.")
    if row.collected_at is not None:
        return row, False
    row.collected_at, row.collected_by, row.occupied_slot = utcnow(), staff_id, None
    db.flush()
    case = db.get(Case, row.case_id)
    person = db.get(Person, case.id_number) if case is not None else None
    if person is not None and person.phone:
        sms.send(db, person.phone, "dropoff_received", {"case": row.case_id})
    audit_chain.append(db, locker_id, "dropoff_collected", row.case_id, {"code_id": code_id, "staff": staff_id})
    return row, True

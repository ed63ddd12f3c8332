"""Staff-assisted verification (issue 21): a registered staff member of the kiosk's hall vouches for an applicant whose
face check failed or who cannot use it, with their staff card or a one-time staff QR code and their PIN.

Every check is audited with the staff id and the reason; wrong PINs lock the staff member out (whichever kiosk they
were typed at); a staff QR code works once and only until it expires; the kiosk's identity policy decides whether the
method may be used there and which services a staff-assisted token opens.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import secrets

from sqlalchemy import Boolean, Index, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from gateway.audit_chain import append as audit  # (not gateway.deps: deps checks staff-assisted tokens here)
from gateway.digests import sha256_hex
from gateway.errors import ApiError
from gateway.help_requests import hall_of
from gateway.models import Base, utcnow
from secrethash import dummy_hash, hash_secret, verify_secret

logger = logging.getLogger(__name__)

REASONS = ("elderly", "disability", "camera_failure", "other")
MAX_PIN_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
QR_PREFIX = "ASSIST1:"
QR_TTL = dt.timedelta(minutes=5)
_DIGIT_RUN = re.compile(r"\d{6,}")

# The service each applicant route serves, by its path (first match): what a staff-assisted token may open is listed
# by service in the kiosk's policy.
SERVICE_PATHS = tuple((re.compile(pattern), service) for pattern, service in (
    (r"^/v1/cases/[^/]+/fees$", "payment"), (r"^/v1/payment-orders", "payment"),
    (r"^/v1/cases/[^/]+/certificate", "certificate_print"),
    (r"^/v1/cases/[^/]+/e-certificate-links$", "e_certificate"),
    (r"^/v1/cases(/[^/]+(/acceptance-receipt\.pdf)?)?$", "case_status"),
    (r"^/v1/(proofs|properties)", "proof"),
    (r"^/v1/bank/my-mortgages/[^/]+/certificate", "mortgage_certificate"), (r"^/v1/bank/", "mortgage_signing"),
))


class AssistStaff(Base):
    """A staff member who may vouch for applicants at the kiosks of one hall: their card (keyed hash of its ID
    number) and PIN (scrypt), and their wrong-PIN count."""

    __tablename__ = "assist_staff"
    staff_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    hall: Mapped[str] = mapped_column(String(64))
    card_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(200))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class AssistQrCode(Base):
    """A one-time staff QR code: only its sha256 is kept; used_at set the first time it is presented."""

    __tablename__ = "assist_qr_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[str] = mapped_column(String(32))
    issued_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class StaffAssistedCheck(Base):
    """One staff-assisted check that let an applicant in: who vouched, why, where (no applicant data)."""

    __tablename__ = "staff_assisted_checks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime]
    kiosk_id: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(16))
    reason_text: Mapped[str | None] = mapped_column(String(80))
    __table_args__ = (Index("ix_staff_assisted_checks_staff", "staff_id", "at"),)


def register_staff(db: Session, references, staff_id: str, hall: str, pin: str,
                   card_id_number: str | None = None) -> None:
    """Adds or replaces a staff member (an admin step; the demo seeds one)."""
    row = db.get(AssistStaff, staff_id) or AssistStaff(staff_id=staff_id)
    row.hall = hall
    row.card_key = references.subject_key("staff-card:" + card_id_number) if card_id_number else None
    row.pin_hash = hash_secret(pin)
    row.failures, row.locked_until, row.enabled = 0, None, True
    db.merge(row)
    db.commit()


def issue_qr(db: Session, staff_id: str, now: dt.datetime | None = None) -> str:
    """A new one-time QR code for a staff member's phone, valid QR_TTL."""
    now = now or utcnow()
    code = QR_PREFIX + secrets.token_urlsafe(24)
    db.add(AssistQrCode(code_hash=sha256_hex(code), staff_id=staff_id, issued_at=now, expires_at=now + QR_TTL))
    audit(db, f"staff:{staff_id}", "assist_qr_issued", staff_id, {})
    db.commit()
    return code


def reason_text_ok(text: str) -> bool:
    return not _DIGIT_RUN.search(text) and "@" not in text


def _refuse(db, kiosk, action: str, detail: dict, status: int, code: str, message: str, headers=None):
    audit(db, kiosk.kiosk_id, action, detail.get("staff_id"), detail)
    db.commit()
    raise ApiError(status, code, message, headers)


def staff_for(db: Session, kiosk, references, kind: str, credential: str) -> AssistStaff:
    """The staff member behind a card read or a scanned code; refuses unknown, used, expired, other-hall ones."""
    now = utcnow()
    if kind == "card":
        row = db.execute(select(AssistStaff).where(
            AssistStaff.card_key == references.subject_key("staff-card:" + credential))).scalar_one_or_none()
    else:
        qr = db.get(AssistQrCode, sha256_hex(credential))
        if qr is not None and qr.used_at is not None:
            _refuse(db, kiosk, "staff_credential_replayed", {"staff_id": qr.staff_id}, 403, "credential_used",
                    "This staff QR code was already used; show a new one.")
        if qr is not None and qr.expires_at <= now:
            _refuse(db, kiosk, "staff_credential_refused", {"staff_id": qr.staff_id, "why": "expired"}, 403,
                    "credential_expired", "This staff QR code has expired; show a new one.")
        if qr is not None:
            qr.used_at = now  # used once, whatever the PIN
        row = db.get(AssistStaff, qr.staff_id) if qr is not None else None
    if row is None or not row.enabled:
        verify_secret("0000", dummy_hash())  # the same time as a real PIN check: unknown cards are not told apart
        _refuse(db, kiosk, "staff_credential_refused", {"why": "unknown"}, 403, "staff_unknown",
                "This is not a registered staff credential.")
    if row.hall != hall_of(kiosk.kiosk_id):
        _refuse(db, kiosk, "staff_credential_refused", {"staff_id": row.staff_id, "why": "other_hall"}, 403,
                "staff_other_hall", "This staff member is not registered for this hall.")
    return row


def check_pin(db: Session, kiosk, staff: AssistStaff, pin: str) -> None:
    """Refuses a locked staff member and a wrong PIN (counting it); a right PIN clears the count."""
    now = utcnow()
    if staff.locked_until is not None and staff.locked_until > now:
        retry = max(1, int((staff.locked_until - now).total_seconds()))
        _refuse(db, kiosk, "staff_pin_locked", {"staff_id": staff.staff_id}, 429, "staff_locked",
                f"Too many wrong PINs; this staff member may try again in {retry} s.", {"Retry-After": str(retry)})
    if not verify_secret(pin, staff.pin_hash):
        staff.failures = (staff.failures or 0) + 1
        left = MAX_PIN_FAILURES - staff.failures
        if left <= 0:
            staff.failures, staff.locked_until = 0, now + LOCKOUT
            _refuse(db, kiosk, "staff_pin_locked", {"staff_id": staff.staff_id}, 429, "staff_locked",
                    f"Too many wrong PINs; this staff member is locked for {int(LOCKOUT.total_seconds())} s.",
                    {"Retry-After": str(int(LOCKOUT.total_seconds()))})
        _refuse(db, kiosk, "staff_pin_wrong", {"staff_id": staff.staff_id, "attempts_left": left}, 403,
                "wrong_pin", f"Wrong PIN; {left} attempts left.", {"X-Attempts-Left": str(left)})
    staff.failures, staff.locked_until = 0, None


def service_of_path(path: str) -> str | None:
    for pattern, service in SERVICE_PATHS:
        if pattern.search(path):
            return service
    return None


def require_service(db: Session, kiosk, settings, path: str) -> None:
    """A staff-assisted token at an applicant route: refused unless the kiosk's policy opens that route's service to
    staff-assisted checks (a route of no listed service is refused too)."""
    from gateway import identity_policy

    service = service_of_path(path)
    policy = identity_policy.policy_for(db, kiosk, settings)
    if service is None or service not in policy.staff_assisted_services or "staff_assisted" not in policy.methods:
        raise ApiError(403, "method_not_allowed", "A staff-assisted check does not open this service at this kiosk.")


def record_check(db: Session, kiosk, staff: AssistStaff, reason: str, reason_text: str | None, masked_id: str) -> None:
    db.add(StaffAssistedCheck(at=utcnow(), kiosk_id=kiosk.kiosk_id, staff_id=staff.staff_id, reason=reason,
                              reason_text=reason_text))
    audit(db, kiosk.kiosk_id, "staff_assisted_verification", masked_id,
          {"staff_id": staff.staff_id, "reason": reason, **({"reason_text": reason_text} if reason_text else {})})


def counts_per_staff(db: Session, days: int = 30) -> list[dict]:
    since = utcnow() - dt.timedelta(days=days)
    rows = db.execute(select(StaffAssistedCheck.staff_id, StaffAssistedCheck.reason, func.count())
                      .where(StaffAssistedCheck.at >= since)
                      .group_by(StaffAssistedCheck.staff_id, StaffAssistedCheck.reason)).all()
    staff: dict[str, dict] = {}
    for staff_id, reason, count in rows:
        entry = staff.setdefault(staff_id, {"staff_id": staff_id, "total": 0, **{r: 0 for r in REASONS}})
        entry[reason] = count
        entry["total"] += count
    return sorted(staff.values(), key=lambda e: (-e["total"], e["staff_id"]))


# The demo's staff member at the demo hall: alex_lacamoire's card (docs/demo-persons.md) is their staff card.
DEMO_STAFF = {"staff_id": "demo-staff-01", "hall": "demo-hall", "card": "810000197309224567", "pin": "246810"}


def seed_demo_staff(db: Session, secret: str | bytes) -> None:
    """The demo staff member, once (kiosk-gateway --demo and the test gateway only)."""
    from gateway.reference_store import ReferenceStore

    if db.get(AssistStaff, DEMO_STAFF["staff_id"]) is None:
        register_staff(db, ReferenceStore(secret, None), DEMO_STAFF["staff_id"], DEMO_STAFF["hall"],
                       DEMO_STAFF["pin"], DEMO_STAFF["card"])

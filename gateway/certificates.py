"""Certificate copies of a case and the blank stock: which copies are ready, the serial a kiosk printed one on (an
unknown, used or voided serial is refused), voided blanks, collection with its evidence, and the case closing
(自动办结) once its last copy is collected."""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.certificate_models import CertificateBlank, CertificateCopy, CollectionEvidence
from gateway.models import Case, CaseStep, Person, Property, utcnow

logger = logging.getLogger(__name__)

RECEIVE_METHODS = ("window", "self_print", "locker", "courier", "e_certificate")
VOID_REASONS = ("jam", "misprint", "staff_test", "interrupted", "damaged")
# Collection evidence: the signature stays as long as a registration archive keeps a handover record (10 years);
# a face image, only where the site's policy asks for one, is kept 180 days, the time in which a disputed handover is
# in practice raised, and then deleted: it is biometric data, kept no longer than its purpose needs.
SIGNATURE_RETENTION_DAYS = 3650
FACE_IMAGE_RETENTION_DAYS = 180


class CertificateRefused(ValueError):
    """A request that changes nothing: code is the API's error code."""

    def __init__(self, code: str, message: str, status: int = 409):
        super().__init__(message)
        self.code, self.status = code, status


def ensure_copies(db: Session, case: Case) -> list[CertificateCopy]:
    """The case's copies; a ready case without any gets one for its applicant (the registry's usual single copy)."""
    copies = list(db.execute(select(CertificateCopy).where(CertificateCopy.case_id == case.case_id)
                             .order_by(CertificateCopy.copy_id)).scalars())
    if not copies and case.status == "certificate_ready" and case.certificate_no:
        person = db.get(Person, case.id_number)
        copies = [CertificateCopy(copy_id=f"{case.case_id}-1", case_id=case.case_id,
                                  certificate_no=case.certificate_no, holder_name=person.name, share="单独所有",
                                  status="ready")]
        db.add(copies[0])
        db.flush()
    return copies


def ready_copies(db: Session, id_number: str) -> list[tuple[Case, CertificateCopy]]:
    cases = db.execute(select(Case).where(Case.id_number == id_number, Case.status == "certificate_ready")
                       .order_by(Case.case_id)).scalars().all()
    return [(case, copy) for case in cases for copy in ensure_copies(db, case) if copy.status == "ready"]


def copy_of(db: Session, id_number: str, copy_id: str) -> tuple[Case, CertificateCopy]:
    copy = db.get(CertificateCopy, copy_id)
    case = db.get(Case, copy.case_id) if copy is not None else None
    if case is None or case.id_number != id_number:
        raise CertificateRefused("certificate_not_found", "No such certificate for this applicant.", 404)
    return case, copy


def content_of(db: Session, case: Case, copy: CertificateCopy) -> dict:
    """The entries the kiosk prints on a blank (kiosk.documents.certificate.FIELDS)."""
    prop = db.execute(select(Property).where(Property.certificate_no == case.certificate_no)).scalars().first()
    term = (f"{prop.term_start:%Y年%m月%d日}起{prop.term_end:%Y年%m月%d日}止"
            if prop is not None and prop.term_start and prop.term_end else "")
    return {"copy_id": copy.copy_id, "case_id": case.case_id, "certificate_no": copy.certificate_no,
            "holder": copy.holder_name, "co_ownership": copy.share, "location": case.property_address,
            "unit_no": (prop.unit_no if prop is not None and prop.unit_no else case.case_id),
            "right_type": (prop.right_type if prop is not None and prop.right_type else "国有建设用地使用权/房屋所有权"),
            "right_nature": "出让/市场化商品房", "use": "住宅", "area": f"房屋建筑面积 {case.area_m2}㎡", "term": term}


def issue_stock(db: Session, kiosk_id: str, serials: list[str]) -> int:
    """Blank stock handed to a kiosk's site (the registration centre's stock book); a serial issued before is
    refused."""
    clash = db.execute(select(CertificateBlank.serial).where(CertificateBlank.serial.in_(serials))).first()
    if clash:
        raise CertificateRefused("serial_already_issued", f"Serial {clash[0]} was issued before.")
    now = utcnow()
    db.add_all(CertificateBlank(serial=s, kiosk_id=kiosk_id, state="issued", updated_at=now) for s in serials)
    db.flush()
    return len(serials)


def _issued_blank(db: Session, kiosk_id: str, serial: str) -> CertificateBlank:
    blank = db.get(CertificateBlank, serial)
    if blank is None or blank.kiosk_id != kiosk_id:
        raise CertificateRefused("serial_unknown", "This serial is not blank stock issued to this kiosk.")
    if blank.state == "printed":
        raise CertificateRefused("serial_used", "A certificate was already printed on this serial.")
    if blank.state == "voided":
        raise CertificateRefused("serial_voided", "This blank was voided.")
    return blank


def record_printed(db: Session, kiosk_id: str, case: Case, copy: CertificateCopy, serial: str) -> None:
    if copy.status != "ready":
        raise CertificateRefused("certificate_not_ready", "This certificate is not waiting to be printed.")
    blank = _issued_blank(db, kiosk_id, serial)
    now = utcnow()
    blank.state, blank.copy_id, blank.updated_at = "printed", copy.copy_id, now
    copy.serial, copy.status, copy.printed_at, copy.receive_method = serial, "printed", now, "self_print"
    db.add(CaseStep(case_id=case.case_id, status="certificate_printed", at=now))
    if case.certificate_serial is None:
        case.certificate_serial = serial
    db.flush()


def record_voided(db: Session, kiosk_id: str, serial: str, reason: str, copy_id: str | None) -> None:
    if reason not in VOID_REASONS:
        raise CertificateRefused("void_reason_unknown", f"The reason must be one of {', '.join(VOID_REASONS)}.", 422)
    blank = _issued_blank(db, kiosk_id, serial)
    blank.state, blank.reason, blank.copy_id, blank.updated_at = "voided", reason, copy_id, utcnow()
    db.flush()


def record_collected(db: Session, kiosk_id: str, case: Case, copy: CertificateCopy, signature_png: bytes,
                     face_image: bytes | None = None) -> bool:
    """The collector signed for the copy; True when that closed the case (its last copy collected)."""
    from gateway.secrets_at_rest import seal

    if copy.status not in ("printed", "dispatched"):
        raise CertificateRefused("certificate_not_printed", "This certificate has not been printed or sent.")
    if not signature_png.startswith(b"\x89PNG"):
        raise CertificateRefused("signature_invalid", "The signature must be a PNG image.", 422)
    now = utcnow()
    retention = FACE_IMAGE_RETENTION_DAYS if face_image else SIGNATURE_RETENTION_DAYS
    db.add(CollectionEvidence(copy_id=copy.copy_id, kiosk_id=kiosk_id, collected_at=now,
                              signature=seal(signature_png, f"collection-signature:{copy.copy_id}"),
                              face_image=seal(face_image, f"collection-face:{copy.copy_id}") if face_image else None,
                              delete_after=now + dt.timedelta(days=retention)))
    copy.status, copy.collected_at = "collected", now
    db.flush()
    return close_if_all_collected(db, case)


def close_if_all_collected(db: Session, case: Case) -> bool:
    copies = ensure_copies(db, case)
    if copies and all(c.status == "collected" for c in copies) and case.status != "collected":
        case.status = "collected"
        db.add(CaseStep(case_id=case.case_id, status="collected", at=utcnow()))
        db.flush()
        logger.info("case %s closed: its %d certificate(s) collected", case.case_id, len(copies))
        return True
    return False


def choose_receive_method(db: Session, copy: CertificateCopy, method: str) -> None:
    if method not in RECEIVE_METHODS:
        raise CertificateRefused("receive_method_unknown", f"The method must be one of {', '.join(RECEIVE_METHODS)}.",
                                 422)
    if copy.status != "ready":
        raise CertificateRefused("certificate_not_ready", "This certificate is no longer waiting to be received.")
    copy.receive_method = method
    db.flush()


def blanks_of(db: Session, kiosk_id: str) -> list[CertificateBlank]:
    return list(db.execute(select(CertificateBlank).where(CertificateBlank.kiosk_id == kiosk_id)
                           .order_by(CertificateBlank.serial)).scalars())


def purge_expired_evidence(db: Session, now: dt.datetime | None = None) -> int:
    """Deletes collection evidence past its retention date; returns how many records went."""
    rows = db.execute(select(CollectionEvidence).where(CollectionEvidence.delete_after <= (now or utcnow()))).scalars()
    count = 0
    for row in rows:
        db.delete(row)
        count += 1
    db.flush()
    return count

"""Certificates sent by courier: the waybill created through the courier adapter, the tracking steps kept for the
case timeline, a delivered parcel counted as collected (the case may close), and a returned one putting the
certificate back to "ready" with an SMS to the applicant."""
from __future__ import annotations

import json
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.adapters.courier import CourierClient, CourierError
from gateway.certificate_models import CertificateCopy, CertificateShipment
from gateway.certificates import CertificateRefused, close_if_all_collected
from gateway.models import Case, CaseStep, Person, utcnow

logger = logging.getLogger(__name__)

OPEN = ("created", "picked_up", "in_transit", "out_for_delivery")
RETURNED_TEMPLATE = "certificate_returned"


def dispatch(db: Session, courier: CourierClient | None, case: Case, copy: CertificateCopy, address: str,
             phone: str | None = None) -> CertificateShipment:
    from gateway.secrets_at_rest import seal

    if courier is None:
        raise CertificateRefused("courier_unavailable", "Courier delivery is not offered here.", 503)
    if copy.status != "ready":
        raise CertificateRefused("certificate_not_ready", "This certificate is no longer waiting to be received.")
    address = " ".join((address or "").split())
    if not 6 <= len(address) <= 120:
        raise CertificateRefused("address_invalid", "The address must be 6 to 120 characters.", 422)
    person = db.get(Person, case.id_number)
    try:
        created = courier.create_waybill(copy.copy_id, {"name": copy.holder_name, "phone": phone or person.phone,
                                                        "address": address})
    except CourierError as exc:
        logger.warning("courier: waybill for %s not created (%s)", copy.copy_id, exc)
        raise CertificateRefused("courier_unavailable", "The courier cannot take the parcel now.", 503) from None
    now = utcnow()
    shipment = CertificateShipment(waybill_no=created["waybill_no"], copy_id=copy.copy_id, status="created",
                                   events=[{"status": "created", "at": now.isoformat(), "place": ""}],
                                   address_sealed=seal(address.encode(), f"courier-address:{copy.copy_id}"),
                                   created_at=now)
    db.add(shipment)
    copy.receive_method, copy.status = "courier", "dispatched"
    db.add(CaseStep(case_id=case.case_id, status="courier_created", at=now))
    db.flush()
    logger.info("courier: certificate %s sent as waybill %s", copy.copy_id, shipment.waybill_no)
    return shipment


def track(db: Session, courier: CourierClient | None, shipment: CertificateShipment, sms=None) -> CertificateShipment:
    """Brings the shipment up to the courier's tracking; applies delivered / returned once."""
    if courier is None or shipment.status not in OPEN:
        return shipment
    try:
        tracking = courier.track(shipment.waybill_no)
    except CourierError as exc:
        logger.warning("courier: tracking of %s failed (%s)", shipment.waybill_no, exc)
        return shipment
    seen = len(shipment.events or [])
    events = list(tracking.get("events") or [])
    copy = db.get(CertificateCopy, shipment.copy_id)
    case = db.get(Case, copy.case_id)
    for event in events[seen:]:
        db.add(CaseStep(case_id=case.case_id, status=f"courier_{event['status']}", at=utcnow()))
    shipment.events = json.loads(json.dumps(events))
    status = tracking.get("status", shipment.status)
    shipment.status = status
    if status == "delivered":
        shipment.closed_at = utcnow()
        copy.status, copy.collected_at = "collected", utcnow()
        db.flush()
        close_if_all_collected(db, case)
    elif status == "returned":
        shipment.closed_at = utcnow()
        copy.status, copy.receive_method = "ready", None
        person = db.get(Person, case.id_number)
        if sms is not None and person is not None and person.phone:
            sms.send(db, person.phone, RETURNED_TEMPLATE, {"case_id": case.case_id})
        logger.info("courier: waybill %s returned; certificate %s is ready again", shipment.waybill_no, copy.copy_id)
    db.flush()
    return shipment


def shipments_of(db: Session, copy_id: str) -> list[CertificateShipment]:
    return list(db.execute(select(CertificateShipment).where(CertificateShipment.copy_id == copy_id)
                           .order_by(CertificateShipment.created_at)).scalars())


def track_open(db: Session, courier: CourierClient | None, sms=None) -> int:
    """Every open shipment brought up to date (for a periodic job); returns how many were looked at."""
    open_ = list(db.execute(select(CertificateShipment).where(CertificateShipment.status.in_(OPEN))).scalars())
    for shipment in open_:
        track(db, courier, shipment, sms)
    return len(open_)

"""Payment order rules shared by the kiosk API and the payment pages: expiry and applying a provider's outcome."""
from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from gateway import audit_chain  # noqa: F401  (its flush listener chains the AuditEntry rows added here)
from gateway.adapters.payment import PaymentNotification
from gateway.models import AuditEntry, Case, CaseStep, PaymentOrder, utcnow

logger = logging.getLogger(__name__)


def refresh_expiry(order: PaymentOrder) -> bool:
    """Marks a pending order past its time as expired; True when it changed."""
    if order.status == "pending" and order.expires_at <= utcnow():
        order.status = "expired"
        return True
    return False


class NotificationMismatch(Exception):
    pass


def apply_notification(db: Session, notification: PaymentNotification) -> PaymentOrder:
    """Applies a verified provider notification once; a repeated one changes nothing. Caller commits."""
    order = db.get(PaymentOrder, notification.order_id)
    if order is None or order.provider_ref != notification.provider_ref:
        raise NotificationMismatch("unknown order")
    refresh_expiry(order)
    if order.status != "pending":
        return order
    now = utcnow()
    if notification.outcome == "paid":
        order.status = "paid"
        order.paid_at = now
        case = db.get(Case, order.case_id)
        if case is not None and case.status == "tax_assessed":
            case.status = "paid"
            db.add(CaseStep(case_id=case.case_id, status="paid", at=now))
    else:
        order.status = "cancelled"
    db.add(AuditEntry(at=now, actor="payment_provider", action=f"payment_{order.status}", subject=order.order_id,
                      detail={"amount_fen": order.amount_fen}))
    logger.info("payment order %s is %s", order.order_id, order.status)
    return order

"""SMS sender interface and the simulated one that records messages in the database instead of sending them."""
from __future__ import annotations

import logging
from typing import Protocol

from sqlalchemy.orm import Session

from gateway.models import SmsMessage, utcnow

logger = logging.getLogger(__name__)


class SmsSender(Protocol):
    def send(self, db: Session, phone: str, template: str, params: dict) -> None: ...


def delivery_receipt(params: dict) -> dict:
    """What is kept of a message once it is delivered: which fields it had, never their values (a pickup code's
    digits open a locker compartment)."""
    return {"purged_after_delivery": sorted(str(name) for name in params)}


class SimulatedSms:
    """Delivers at once (to nobody) and keeps only the delivery receipt: the body is purged on delivery, as a real
    adapter must purge it once the carrier has accepted it."""

    def send(self, db: Session, phone: str, template: str, params: dict) -> None:
        db.add(SmsMessage(phone=phone, template=template, params=delivery_receipt(params), sent_at=utcnow()))
        logger.info("sms %s delivered (simulated); its body was not kept", template)

"""SMS sender interface and the simulated one that records messages in the database instead of sending them."""
from __future__ import annotations

import logging
from typing import Protocol

from sqlalchemy.orm import Session

from gateway.models import SmsMessage, utcnow

logger = logging.getLogger(__name__)


class SmsSender(Protocol):
    def send(self, db: Session, phone: str, template: str, params: dict) -> None: ...


class SimulatedSms:
    def send(self, db: Session, phone: str, template: str, params: dict) -> None:
        db.add(SmsMessage(phone=phone, template=template, params=params, sent_at=utcnow()))
        logger.info("sms %s queued (simulated)", template)

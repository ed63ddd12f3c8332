"""Locker recall: a deposit not collected within the site's limit (default 5 days) gets a reminder SMS; once the
reminder has had its grace period (default 2 days) without a pickup, the deposit is on the staff recall list; a
recall (staff open the door from maintenance mode) makes the pickup code invalid and sends the certificate back to the
window (the case stays "certificate_ready")."""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.certificate_models import LockerRecall
from gateway.models import Case, LockerDeposit, Person, PickupCode, utcnow

logger = logging.getLogger(__name__)

DEFAULT_LIMIT_DAYS = 5
REMINDER_GRACE = dt.timedelta(days=2)
REMINDER_TEMPLATE = "pickup_reminder"


class RecallRefused(ValueError):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


def _waiting(db: Session, locker_id: str) -> list[LockerDeposit]:
    return list(db.execute(select(LockerDeposit).where(LockerDeposit.locker_id == locker_id,
                                                       LockerDeposit.collected_at.is_(None),
                                                       LockerDeposit.occupied_slot.is_not(None))
                           .order_by(LockerDeposit.deposited_at)).scalars())


def remind_and_list(db: Session, locker_id: str, sms, limit_days: int = DEFAULT_LIMIT_DAYS,
                    now: dt.datetime | None = None) -> list[tuple[LockerDeposit, LockerRecall, PickupCode | None]]:
    """Sends the reminder of every deposit past the limit that has none yet; returns those due for recall."""
    now = now or utcnow()
    due = []
    for deposit in _waiting(db, locker_id):
        if deposit.deposited_at > now - dt.timedelta(days=limit_days):
            continue
        recall = db.get(LockerRecall, deposit.deposit_id)
        if recall is None:
            recall = LockerRecall(deposit_id=deposit.deposit_id, reminded_at=now)
            db.add(recall)
            case = db.get(Case, deposit.case_id)
            person = db.get(Person, case.id_number) if case is not None else None
            if person is not None and person.phone:
                sms.send(db, person.phone, REMINDER_TEMPLATE,
                         {"locker": locker_id, "compartment": deposit.compartment, "days": limit_days})
            logger.info("locker %s: deposit %s past %d days, holder reminded", locker_id, deposit.deposit_id,
                        limit_days)
            continue
        if recall.recalled_at is None and recall.reminded_at <= now - REMINDER_GRACE:
            code = db.execute(select(PickupCode).where(PickupCode.deposit_id == deposit.deposit_id)).scalars().first()
            due.append((deposit, recall, code))
    db.flush()
    return due


def recall(db: Session, locker_id: str, deposit_id: str, staff_id: str) -> LockerDeposit:
    """Staff took the certificate out: the code is no longer valid, the compartment free, the case back to the
    window."""
    deposit = db.get(LockerDeposit, deposit_id)
    record = db.get(LockerRecall, deposit_id)
    if deposit is None or deposit.locker_id != locker_id:
        raise RecallRefused(404, "deposit_not_found", "No such deposit at this locker.")
    if deposit.collected_at is not None:
        raise RecallRefused(409, "already_collected", "This certificate was collected.")
    if record is None:
        raise RecallRefused(409, "not_due_for_recall", "This deposit is not on the recall list.")
    if record.recalled_at is not None:
        return deposit
    now = utcnow()
    for code in db.execute(select(PickupCode).where(PickupCode.deposit_id == deposit_id)).scalars():
        if code.used_at is None:
            code.expires_at = min(code.expires_at, now)  # the code is invalid from now on
    record.recalled_at, record.staff_id = now, staff_id
    deposit.occupied_slot = None
    db.flush()
    logger.info("locker %s: deposit %s recalled by staff", locker_id, deposit_id)
    return deposit

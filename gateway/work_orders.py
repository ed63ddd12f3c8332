"""Work orders: a kiosk fault (a device failed, the kiosk silent) opens one; staff assign it, add notes and resolve
it; it closes when the kiosk reports the device healthy again (the alert clears)."""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import JSON, Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from gateway.deps import audit
from gateway.models import Base, utcnow

logger = logging.getLogger(__name__)

# Fleet alert kind -> cause of the time out of service ("command": an out_of_service command, no work order).
FAULT_CAUSES = {"device_failed": "device", "silent": "network"}
MAX_NOTE = 500


class WorkOrder(Base):
    __tablename__ = "work_orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    cause: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(200), default="")
    opened_at: Mapped[dt.datetime]
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[list] = mapped_column(JSON)
    resolved_at: Mapped[dt.datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[dt.datetime | None]
    __table_args__ = (Index("ix_work_orders_open", "closed_at", "kiosk_id"),)

    @property
    def state(self) -> str:
        if self.closed_at is not None:
            return "closed"
        if self.resolved_at is not None:
            return "resolved"  # repaired by staff; closes when the kiosk reports it healthy
        return "assigned" if self.assigned_to else "open"


class WorkOrderRefused(ValueError):
    pass


def _open(db: Session, kiosk_id: str, cause: str, subject: str) -> WorkOrder | None:
    return db.execute(select(WorkOrder).where(WorkOrder.kiosk_id == kiosk_id, WorkOrder.cause == cause,
                                              WorkOrder.subject == subject, WorkOrder.closed_at.is_(None))
                      .limit(1)).scalar_one_or_none()


def fault_raised(db: Session, kiosk_id: str, kind: str, subject: str, detail: str, now: dt.datetime) -> None:
    """From the alert sync, in its transaction: a fault alert opens a work order unless one is open for it."""
    cause = FAULT_CAUSES.get(kind)
    if cause is None or _open(db, kiosk_id, cause, subject) is not None:
        return
    db.add(WorkOrder(kiosk_id=kiosk_id, cause=cause, subject=subject[:64], detail=detail[:200], opened_at=now,
                     notes=[]))
    logger.info("work order opened: %s %s %s", kiosk_id, cause, subject)


def fault_cleared(db: Session, kiosk_id: str, kind: str, subject: str, now: dt.datetime) -> None:
    """The fault's alert cleared: the device is healthy again, its work order closes."""
    cause = FAULT_CAUSES.get(kind)
    order = _open(db, kiosk_id, cause, subject) if cause else None
    if order is not None:
        order.closed_at = now
        logger.info("work order %d closed: %s healthy again", order.id, kiosk_id)


def _order(db: Session, order_id: int) -> WorkOrder:
    order = db.get(WorkOrder, order_id)
    if order is None:
        raise WorkOrderRefused("no such work order")
    if order.closed_at is not None:
        raise WorkOrderRefused("this work order is closed")
    return order


def assign(db: Session, order_id: int, to: str, actor: str) -> None:
    to = to.strip()
    if not to or len(to) > 64:
        raise WorkOrderRefused("name the staff member (1-64 characters) to assign it to")
    order = _order(db, order_id)
    order.assigned_to = to
    audit(db, actor, "work_order_assigned", order.kiosk_id, {"work_order": order_id, "to": to})
    db.commit()


def note(db: Session, order_id: int, text: str, actor: str) -> None:
    text = text.strip()
    if not text or len(text) > MAX_NOTE:
        raise WorkOrderRefused(f"a note is 1-{MAX_NOTE} characters")
    order = _order(db, order_id)
    order.notes = [*order.notes, {"at": utcnow().isoformat(timespec="seconds"), "by": actor[:64], "text": text}]
    audit(db, actor, "work_order_note", order.kiosk_id, {"work_order": order_id})
    db.commit()


def resolve(db: Session, order_id: int, actor: str) -> None:
    order = _order(db, order_id)
    if order.resolved_at is not None:
        raise WorkOrderRefused("this work order is already resolved")
    order.resolved_at, order.resolved_by = utcnow(), actor[:64]
    audit(db, actor, "work_order_resolved", order.kiosk_id, {"work_order": order_id})
    db.commit()


def orders(db: Session, open_only: bool = False, limit: int = 200) -> list[WorkOrder]:
    query = select(WorkOrder).order_by(WorkOrder.opened_at.desc(), WorkOrder.id.desc()).limit(limit)
    if open_only:
        query = query.where(WorkOrder.closed_at.is_(None))
    return list(db.execute(query).scalars())

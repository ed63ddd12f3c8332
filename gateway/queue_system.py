"""Queue tickets and appointment check-in (issue 21): the gateway keeps each hall's queue; a simulated
queue-management adapter stands for the hall's calling system (refused on a production gateway, which has none
wired yet). A ticket holds a number, a business, a window area and times: nothing about the person."""
from __future__ import annotations

import datetime as dt
import logging
import re

from sqlalchemy import Boolean, Index, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from gateway.casework import CHINA
from gateway.deps import audit
from gateway.errors import ApiError
from gateway.help_requests import hall_of
from gateway.models import Base, utcnow

logger = logging.getLogger(__name__)

# business: (ticket prefix, zh name, en name, window area zh, window area en)
BUSINESSES = {
    "transfer": ("A", "转移登记", "Transfer registration", "一楼A区 1-6号窗口", "Floor 1, area A, windows 1-6"),
    "mortgage": ("B", "抵押登记", "Mortgage registration", "一楼B区 7-10号窗口", "Floor 1, area B, windows 7-10"),
    "certificate": ("C", "领取证书", "Collect a certificate", "一楼C区 11-12号窗口", "Floor 1, area C, windows 11-12"),
    "enquiry": ("D", "咨询", "General enquiry", "一楼咨询台", "Floor 1, information desk"),
}
APPOINTMENT_PREFIX = "Y"  # checked-in appointments are called from their own queue
APPOINTMENT_CODE = re.compile(r"^APPT1:([A-Z0-9-]{6,40})$")


class QueueTicket(Base):
    __tablename__ = "queue_tickets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hall: Mapped[str] = mapped_column(String(64))
    day: Mapped[str] = mapped_column(String(10))  # the hall's day (China time): numbers start again each day
    business: Mapped[str] = mapped_column(String(16))
    number: Mapped[str] = mapped_column(String(8))
    appointment: Mapped[str | None] = mapped_column(String(40), unique=True)  # the booking's reference, once
    kiosk_id: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime]
    called_at: Mapped[dt.datetime | None]
    called: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (Index("ix_queue_tickets_waiting", "hall", "day", "business", "called"),)


class SimulatedQueueSystem:
    """The demo's stand-in for a hall's calling system: appointments booked online (no personal data: a reference,
    a business and a day), and calling the next ticket of a business (the dashboard's button, or a test)."""

    simulated = True

    def appointment(self, reference: str, day: str) -> str | None:
        """The business of a booking for today, or None (unknown or another day). Demo bookings: DEMO-<n>."""
        match = re.fullmatch(r"DEMO-(\d{1,4})", reference)
        if match is None:
            return None
        return ("transfer", "mortgage", "certificate")[int(match.group(1)) % 3]


def queue_system(settings):
    if settings.production:
        raise ApiError(503, "queue_unavailable", "No queue-management system is connected to this gateway.")
    return SimulatedQueueSystem()


def today() -> str:
    return dt.datetime.now(CHINA).date().isoformat()


def _waiting(db: Session, hall: str, day: str, business: str, appointment: bool, before_id: int | None = None) -> int:
    query = select(func.count()).select_from(QueueTicket).where(
        QueueTicket.hall == hall, QueueTicket.day == day, QueueTicket.business == business,
        QueueTicket.called.is_(False), (QueueTicket.appointment.is_not(None)) if appointment
        else QueueTicket.appointment.is_(None))
    if before_id is not None:
        query = query.where(QueueTicket.id < before_id)
    return db.execute(query).scalar_one()


def ticket_json(db: Session, row: QueueTicket) -> dict:
    prefix, zh, en, area_zh, area_en = BUSINESSES[row.business]
    return {"ticket_id": row.id, "number": row.number, "business": row.business, "business_zh": zh,
            "business_en": en, "window_area_zh": area_zh, "window_area_en": area_en,
            "appointment": row.appointment is not None,
            "waiting_ahead": _waiting(db, row.hall, row.day, row.business, row.appointment is not None, row.id),
            "issued_at": row.issued_at.isoformat(timespec="seconds")}


def issue(db: Session, kiosk, business: str, appointment: str | None = None) -> QueueTicket:
    if business not in BUSINESSES:
        raise ApiError(422, "unknown_business", "This business has no queue here.")
    hall, day = hall_of(kiosk.kiosk_id), today()
    prefix = APPOINTMENT_PREFIX if appointment else BUSINESSES[business][0]
    count = db.execute(select(func.count()).select_from(QueueTicket).where(
        QueueTicket.hall == hall, QueueTicket.day == day, QueueTicket.number.like(prefix + "%"))).scalar_one()
    row = QueueTicket(hall=hall, day=day, business=business, number=f"{prefix}{count + 1:03d}",
                      appointment=appointment, kiosk_id=kiosk.kiosk_id, issued_at=utcnow())
    db.add(row)
    db.flush()
    audit(db, kiosk.kiosk_id, "queue_ticket_issued", row.number, {"business": business,
                                                                   "appointment": appointment is not None})
    db.commit()
    return row


def check_in(db: Session, kiosk, settings, code: str) -> QueueTicket:
    match = APPOINTMENT_CODE.match(code)
    if match is None:
        raise ApiError(422, "not_an_appointment", "This is not an appointment code.")
    reference = match.group(1)
    existing = db.execute(select(QueueTicket).where(QueueTicket.appointment == reference)).scalar_one_or_none()
    if existing is not None:
        if existing.hall != hall_of(kiosk.kiosk_id):
            raise ApiError(409, "appointment_other_hall", "This appointment is for another hall.")
        return existing  # checked in already: the same ticket again
    business = queue_system(settings).appointment(reference, today())
    if business is None:
        raise ApiError(404, "appointment_unknown", "No appointment for today with this code.")
    return issue(db, kiosk, business, appointment=reference)


def call_next(db: Session, hall: str, business: str, appointment: bool = False) -> QueueTicket | None:
    """What the calling system does when a window is free: the oldest waiting ticket of that queue is called."""
    row = db.execute(select(QueueTicket).where(
        QueueTicket.hall == hall, QueueTicket.day == today(), QueueTicket.business == business,
        QueueTicket.called.is_(False), (QueueTicket.appointment.is_not(None)) if appointment
        else QueueTicket.appointment.is_(None)).order_by(QueueTicket.id).limit(1)).scalar_one_or_none()
    if row is not None:
        row.called, row.called_at = True, utcnow()
        db.commit()
    return row


def businesses(db: Session, kiosk) -> list[dict]:
    hall, day = hall_of(kiosk.kiosk_id), today()
    return [{"business": key, "name_zh": zh, "name_en": en, "window_area_zh": area_zh, "window_area_en": area_en,
             "waiting": _waiting(db, hall, day, key, False)}
            for key, (prefix, zh, en, area_zh, area_en) in BUSINESSES.items()]

"""Call-staff requests from the kiosks: raised by a kiosk, shown to staff at once, closed by the one who came."""
from __future__ import annotations

import datetime as dt
import logging
import re

from sqlalchemy import Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from gateway.audit_chain import append as audit  # the same as gateway.deps.audit, without the import cycle
from gateway.models import Base, utcnow

logger = logging.getLogger(__name__)

# The step is a name from the kiosk's code ("menu", "flow:payment:FeeStep"): never free text, so never personal data.
STEP_PATTERN = r"^[a-z_]{1,32}(:[a-z_]{1,32}(:[A-Za-z_]{1,48})?)?$"
# A location names a place in the hall. An ID number, a phone number or any long run of digits is refused.
_DIGIT_RUN = re.compile(r"\d{6,}")


class HelpRequest(Base):
    __tablename__ = "help_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    site_kind: Mapped[str] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(120))
    raised_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(64))
    wait_s: Mapped[int | None] = mapped_column(Integer)  # from raised to the staff member's arrival (closing)

    __table_args__ = (Index("ix_help_requests_open", "closed_at", "raised_at"),)

    @property
    def number(self) -> str:
        return f"H{self.id:04d}"


def location_ok(location: str) -> bool:
    return not _DIGIT_RUN.search(location) and "@" not in location


def hall_of(kiosk_id: str) -> str:
    """The hall a kiosk stands in: its id without the trailing machine number ("demo-hall-01" -> "demo-hall")."""
    head, sep, tail = kiosk_id.rpartition("-")
    return head if sep and tail.isdigit() else kiosk_id


def raise_request(db: Session, kiosk, step: str, location: str) -> HelpRequest:
    row = HelpRequest(kiosk_id=kiosk.kiosk_id, site_kind=kiosk.site_kind, location=location, step=step,
                      raised_at=utcnow())
    db.add(row)
    db.flush()
    audit(db, kiosk.kiosk_id, "help_requested", row.number, {"step": step})
    db.commit()
    logger.info("help request %s raised by %s at step %s", row.number, kiosk.kiosk_id, step)
    return row


def close_request(db: Session, request_id: int, staff: str) -> HelpRequest | None:
    """The staff member who came closes it; None if unknown. Closing twice keeps the first arrival."""
    row = db.get(HelpRequest, request_id)
    if row is None:
        return None
    if row.closed_at is None:
        now = utcnow()
        row.closed_at, row.closed_by = now, staff
        row.wait_s = max(0, int((now - row.raised_at).total_seconds()))
        audit(db, f"staff:{staff}", "help_request_closed", row.number, {"wait_s": row.wait_s})
        db.commit()
    return row


def as_json(row: HelpRequest, now: dt.datetime) -> dict:
    return {"id": row.id, "number": row.number, "kiosk_id": row.kiosk_id, "hall": hall_of(row.kiosk_id),
            "location": row.location, "step": row.step, "raised_at": row.raised_at.isoformat(timespec="seconds"),
            "waiting_s": max(0, int((now - row.raised_at).total_seconds())) if row.closed_at is None else None,
            "closed_at": row.closed_at.isoformat(timespec="seconds") if row.closed_at else None,
            "closed_by": row.closed_by, "wait_s": row.wait_s}


def board(db: Session, limit: int = 50) -> dict:
    """What the help page shows: open requests (oldest first), the last closed ones, time to arrival per hall."""
    now = utcnow()
    open_rows = db.execute(select(HelpRequest).where(HelpRequest.closed_at.is_(None))
                           .order_by(HelpRequest.raised_at).limit(limit)).scalars().all()
    closed = db.execute(select(HelpRequest).where(HelpRequest.closed_at.is_not(None))
                        .order_by(HelpRequest.closed_at.desc()).limit(limit)).scalars().all()
    since = now - dt.timedelta(days=30)
    waits: dict[str, list[int]] = {}
    for kiosk_id, wait_s in db.execute(select(HelpRequest.kiosk_id, HelpRequest.wait_s)
                                       .where(HelpRequest.wait_s.is_not(None), HelpRequest.raised_at >= since)):
        waits.setdefault(hall_of(kiosk_id), []).append(wait_s)
    halls = [{"hall": hall, "count": len(w), "mean_s": round(sum(w) / len(w)), "max_s": max(w)}
             for hall, w in sorted(waits.items())]
    return {"generated_at": now.isoformat(timespec="seconds"), "open": [as_json(r, now) for r in open_rows],
            "closed": [as_json(r, now) for r in closed], "halls": halls}


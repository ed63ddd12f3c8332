"""好差评 ratings from the kiosks (issue 21): one row per rating (service, site, time, level, reasons; never the
person), a call-back's phone number kept only encrypted (gateway.secrets_at_rest), and the dashboard's statistics."""
from __future__ import annotations

import datetime as dt
import logging
import re

from sqlalchemy import JSON, Boolean, Index, Integer, LargeBinary, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from gateway import secrets_at_rest
from gateway.deps import audit
from gateway.errors import ApiError
from gateway.help_requests import hall_of
from gateway.models import Base, utcnow

logger = logging.getLogger(__name__)

LEVELS = {5: "非常满意 very satisfied", 4: "满意 satisfied", 3: "基本满意 fairly satisfied",
          2: "不满意 dissatisfied", 1: "非常不满意 very dissatisfied"}
REASONS = ("wait_long", "hard_to_use", "hard_to_read", "machine_fault", "result")
SERVICE_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
RATING_ID_RE = re.compile(r"^[0-9a-f-]{36}$")
PHONE_RE = re.compile(r"^(1\d{10}|0\d{9,11})$")


class ServiceRating(Base):
    __tablename__ = "service_ratings"
    rating_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    hall: Mapped[str] = mapped_column(String(64))
    service: Mapped[str] = mapped_column(String(32))
    level: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(40))
    callback: Mapped[bool] = mapped_column(Boolean, default=False)
    rated_at: Mapped[dt.datetime]
    __table_args__ = (Index("ix_service_ratings_at", "rated_at"),)


class RatingCallback(Base):
    """A low rating's call-back: the phone number sealed with AES-GCM (bound to the rating id), and who called."""

    __tablename__ = "rating_callbacks"
    rating_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    phone_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    requested_at: Mapped[dt.datetime]
    done_at: Mapped[dt.datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(64))


def _purpose(rating_id: str) -> str:
    return f"rating-callback-phone:{rating_id}"


def apply_rating_event(db: Session, kiosk_id: str, payload: dict, occurred_at: dt.datetime) -> None:
    """A service_rating event from a kiosk's outbox: refused (422) unless it is exactly what a rating holds."""
    allowed = {"rating_id", "service", "site", "level", "reasons", "outcome", "callback"}
    rating_id, service, level = payload.get("rating_id"), payload.get("service"), payload.get("level")
    reasons, outcome = payload.get("reasons", []), payload.get("outcome", "")
    if set(payload) - allowed or not isinstance(rating_id, str) or not RATING_ID_RE.match(rating_id) \
            or not isinstance(service, str) or not SERVICE_RE.match(service) or level not in LEVELS \
            or not isinstance(reasons, list) or any(r not in REASONS for r in reasons) \
            or not isinstance(outcome, str) or not re.fullmatch(r"[a-z_]{0,40}", outcome) \
            or not isinstance(payload.get("callback", False), bool):
        raise ApiError(422, "event_invalid", "A service_rating event holds rating_id, service, site, level (1-5), "
                                             "reasons from the list, outcome and callback; nothing else.")
    if db.get(ServiceRating, rating_id) is not None:
        return
    db.add(ServiceRating(rating_id=rating_id, kiosk_id=kiosk_id, hall=hall_of(kiosk_id), service=service,
                         level=level, reasons=sorted(set(reasons)), outcome=outcome,
                         callback=bool(payload.get("callback")), rated_at=occurred_at))


def take_callback(db: Session, kiosk, rating_id: str, phone: str) -> None:
    if not RATING_ID_RE.match(rating_id) or not PHONE_RE.match(phone):
        raise ApiError(422, "invalid_callback", "A call-back needs the rating's id and a phone number (digits only).")
    if db.get(RatingCallback, rating_id) is None:
        db.add(RatingCallback(rating_id=rating_id, kiosk_id=kiosk.kiosk_id, requested_at=utcnow(),
                              phone_sealed=secrets_at_rest.seal(phone.encode(), _purpose(rating_id))))
        audit(db, kiosk.kiosk_id, "rating_callback_requested", rating_id, {})
    db.commit()


def mask_phone(phone: str) -> str:
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:] if len(phone) >= 8 else "*" * len(phone)


def callback_phone(db: Session, rating_id: str, staff: str) -> str | None:
    """The full number for the staff member who calls back (audited)."""
    row = db.get(RatingCallback, rating_id)
    if row is None:
        return None
    phone = secrets_at_rest.unseal(row.phone_sealed, _purpose(rating_id)).decode()
    audit(db, f"staff:{staff}", "rating_callback_phone_read", rating_id, {})
    db.commit()
    return phone


def mark_called(db: Session, rating_id: str, staff: str) -> bool:
    row = db.get(RatingCallback, rating_id)
    if row is None:
        return False
    if row.done_at is None:
        row.done_at, row.done_by = utcnow(), staff
        audit(db, f"staff:{staff}", "rating_callback_done", rating_id, {})
        db.commit()
    return True


def statistics(db: Session, days: int = 30) -> dict:
    """Per hall and per service, per day: how many ratings, the mean level, the share satisfied (4-5), the count at
    each level; and the low ratings (1-2) with their reasons and call-backs, newest first."""
    since = utcnow() - dt.timedelta(days=days)
    rows = db.execute(select(ServiceRating).where(ServiceRating.rated_at >= since)
                      .order_by(ServiceRating.rated_at)).scalars().all()
    groups: dict[tuple, dict] = {}
    for r in rows:
        day = r.rated_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date().isoformat()  # the halls' day
        for key in (("hall", r.hall, day), ("service", r.service, day)):
            g = groups.setdefault(key, {"by": key[0], "name": key[1], "day": day, "count": 0, "sum": 0,
                                        "levels": {level: 0 for level in LEVELS}})
            g["count"] += 1
            g["sum"] += r.level
            g["levels"][r.level] += 1
    table = []
    for g in groups.values():
        satisfied = g["levels"][5] + g["levels"][4]
        table.append({"by": g["by"], "name": g["name"], "day": g["day"], "count": g["count"],
                      "mean": round(g["sum"] / g["count"], 2), "satisfied_pct": round(100 * satisfied / g["count"]),
                      "levels": g["levels"]})
    table.sort(key=lambda g: (g["by"], g["name"], g["day"]))
    callbacks = {c.rating_id: c for c in db.execute(select(RatingCallback)).scalars()}
    low = []
    for r in sorted((r for r in rows if r.level <= 2), key=lambda r: r.rated_at, reverse=True)[:100]:
        c = callbacks.get(r.rating_id)
        low.append({"rating_id": r.rating_id, "at": r.rated_at.isoformat(timespec="seconds"), "hall": r.hall,
                    "kiosk_id": r.kiosk_id, "service": r.service, "level": r.level, "label": LEVELS[r.level],
                    "reasons": r.reasons, "callback": c is not None,
                    "callback_done": c is not None and c.done_at is not None})
    totals = db.execute(select(ServiceRating.level, func.count()).where(ServiceRating.rated_at >= since)
                        .group_by(ServiceRating.level)).all()
    return {"groups": table, "low": low, "levels": {level: 0 for level in LEVELS} | dict(totals)}

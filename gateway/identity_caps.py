"""Per-kiosk identity caps: distinct ID numbers verified and failed matches per hour; over a cap, a hold and an alert.

A kiosk on hold is refused every identity decision until a staff member clears the hold on the dashboard: a stolen
kiosk key used to walk through ID numbers, or to search for a face that passes, stops at the cap and is seen.
"""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.dashboard.alerts import raise_alert
from gateway.dashboard.models import FleetAlert
from gateway.deps import audit
from gateway.errors import ApiError
from gateway.identity_models import IdentityAttempt, IdentityHold
from gateway.models import utcnow

logger = logging.getLogger(__name__)

ALERT_KIND = "identity_cap"
CAPS = ("distinct_ids", "failed_matches")
WINDOW = dt.timedelta(hours=1)
KEEP = dt.timedelta(days=2)  # attempts older than this count for nothing: purged as new ones come


def open_hold(db: Session, kiosk_id: str) -> IdentityHold | None:
    return db.execute(select(IdentityHold).where(IdentityHold.kiosk_id == kiosk_id,
                                                 IdentityHold.cleared_at.is_(None)).limit(1)).scalar_one_or_none()


def refuse_if_held(db: Session, kiosk_id: str) -> None:
    if open_hold(db, kiosk_id) is not None:
        raise ApiError(403, "identity_hold", "This kiosk is over its identity limits; staff must clear it first.")


def _counts(db: Session, kiosk_id: str, since: dt.datetime) -> tuple[int, int]:
    recent = (IdentityAttempt.kiosk_id == kiosk_id, IdentityAttempt.at >= since)
    distinct = db.execute(select(func.count(func.distinct(IdentityAttempt.subject_key)))
                          .where(*recent, IdentityAttempt.matched.is_(True))).scalar_one()
    failed = db.execute(select(func.count()).select_from(IdentityAttempt)
                        .where(*recent, IdentityAttempt.matched.is_(False))).scalar_one()
    return int(distinct), int(failed)


def record(db: Session, kiosk_id: str, subject_key: str, matched: bool, policy, digest: str | None = None,
           now: dt.datetime | None = None) -> str | None:
    """Counts one decision; returns the cap it pushed the kiosk over (a hold and an alert are then open), or None.
    In the caller's transaction."""
    now = now or utcnow()
    db.add(IdentityAttempt(kiosk_id=kiosk_id, at=now, subject_key=subject_key, matched=matched,
                           evidence_digest=digest))
    db.flush()
    since = now - WINDOW
    cleared = db.execute(select(func.max(IdentityHold.cleared_at)).where(IdentityHold.kiosk_id == kiosk_id)).scalar()
    if cleared is not None and cleared > since:  # staff cleared a hold: the attempts before it no longer count
        since = cleared
    distinct, failed = _counts(db, kiosk_id, since)
    crossed = None
    if matched and distinct > policy.max_ids_per_hour:
        crossed = "distinct_ids"
    elif not matched and failed > policy.max_failures_per_hour:
        crossed = "failed_matches"
    if crossed is not None and open_hold(db, kiosk_id) is None:
        db.add(IdentityHold(kiosk_id=kiosk_id, cap=crossed, raised_at=now))
        limit = policy.max_ids_per_hour if crossed == "distinct_ids" else policy.max_failures_per_hour
        raise_alert(db, kiosk_id, ALERT_KIND, crossed,
                    f"over its identity cap: more than {limit} {crossed.replace('_', ' ')} in an hour", now)
        audit(db, kiosk_id, "identity_hold_raised", kiosk_id, {"cap": crossed, "limit": limit})
        logger.warning("kiosk %s over its identity cap (%s): held until staff clear it", kiosk_id, crossed)
    if db.execute(select(IdentityAttempt.id).where(IdentityAttempt.at < now - KEEP).limit(1)).first():
        db.query(IdentityAttempt).filter(IdentityAttempt.at < now - KEEP).delete(synchronize_session=False)
    return crossed


def clear_hold(db: Session, kiosk_id: str, username: str) -> bool:
    """Staff clear a kiosk's hold (and its alert); the attempts so far no longer count. False when none was open."""
    hold = open_hold(db, kiosk_id)
    if hold is None:
        return False
    now = utcnow()
    hold.cleared_at, hold.cleared_by = now, username
    for alert in db.execute(select(FleetAlert).where(FleetAlert.kiosk_id == kiosk_id, FleetAlert.kind == ALERT_KIND,
                                                     FleetAlert.cleared_at.is_(None))).scalars():
        alert.cleared_at = now
    audit(db, f"staff:{username}", "identity_hold_cleared", kiosk_id, {"cap": hold.cap})
    db.commit()
    logger.info("identity hold on %s cleared by %s", kiosk_id, username)
    return True

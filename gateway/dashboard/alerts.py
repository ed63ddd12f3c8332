"""Keeps the fleet_alerts table in step with the kiosks' health: raise new conditions, clear the ones that ended."""
from __future__ import annotations

import datetime as dt
import logging
import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.dashboard.health import KioskHealth, assess
from gateway.dashboard.models import FleetAlert
from gateway.deps import audit
from gateway.models import Kiosk, utcnow

logger = logging.getLogger(__name__)

ALERT_KINDS = ("silent", "device_failed", "paper_low", "door_open", "outbox_backlog")


_HEARTBEAT_COLUMNS = (Kiosk.kiosk_id, Kiosk.last_heartbeat_at, Kiosk.devices, Kiosk.stock, Kiosk.outbox_depth,
                      Kiosk.heartbeat_extra)


def fleet_health(db: Session, now: dt.datetime | None = None) -> list[KioskHealth]:
    now = now or utcnow()
    rows = db.execute(select(*_HEARTBEAT_COLUMNS).order_by(Kiosk.kiosk_id)).all()
    return [assess(r.kiosk_id, r.last_heartbeat_at, r.devices, r.stock, r.outbox_depth, r.heartbeat_extra, now)
            for r in rows]


class FleetSnapshot:
    """The heartbeat columns of every kiosk, kept between dashboard reads: each read fetches only the kiosk ids and
    heartbeat times, then the full rows of the kiosks that sent a heartbeat since (decoding thousands of JSON
    columns on every read would take the CPU the heartbeats need)."""

    CHUNK = 500

    def __init__(self):
        self._rows: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def health(self, db: Session, now: dt.datetime | None = None) -> list[KioskHealth]:
        now = now or utcnow()
        with self._lock:
            stamps = {r[0]: r[1] for r in db.execute(select(Kiosk.kiosk_id, Kiosk.last_heartbeat_at))}
            stale = [k for k, at in stamps.items() if k not in self._rows or self._rows[k][1] != at]
            for start in range(0, len(stale), self.CHUNK):
                for row in db.execute(select(*_HEARTBEAT_COLUMNS)
                                      .where(Kiosk.kiosk_id.in_(stale[start:start + self.CHUNK]))):
                    self._rows[row.kiosk_id] = tuple(row)
            for gone in set(self._rows) - set(stamps):
                del self._rows[gone]
            rows = [self._rows[k] for k in sorted(self._rows)]
        return [assess(*row, now) for row in rows]


def _open_keys(db: Session) -> set[tuple[str, str, str]]:
    return {tuple(row) for row in db.execute(select(FleetAlert.kiosk_id, FleetAlert.kind, FleetAlert.subject)
                                             .where(FleetAlert.cleared_at.is_(None)))}


def sync_alerts(db: Session, health: list[KioskHealth], now: dt.datetime | None = None,
                read_db: Session | None = None) -> int:
    """Raises an alert for every condition without an open one and clears open alerts whose condition ended.
    Returns how many alerts changed. With read_db, nothing is written (no write lock taken) when nothing changed."""
    now = now or utcnow()
    wanted = {(h.kiosk_id, c.kind, c.subject): c for h in health for c in h.conditions}
    if read_db is not None and _open_keys(read_db) == set(wanted):
        read_db.rollback()
        return 0
    open_alerts = {(a.kiosk_id, a.kind, a.subject): a
                   for a in db.execute(select(FleetAlert).where(FleetAlert.cleared_at.is_(None))).scalars()}
    changed = 0
    for key, alert in open_alerts.items():
        if key not in wanted:
            alert.cleared_at = now
            changed += 1
        elif alert.detail != wanted[key].detail[:200] and alert.kind != "silent":
            alert.detail = wanted[key].detail[:200]
    for key, condition in wanted.items():
        if key not in open_alerts:
            db.add(FleetAlert(kiosk_id=key[0], kind=condition.kind, subject=condition.subject,
                              detail=condition.detail[:200], raised_at=now))
            logger.info("alert raised: %s %s %s", key[0], condition.kind, condition.subject)
            changed += 1
    db.commit()
    return changed


def acknowledge(db: Session, alert_id: int, username: str) -> bool:
    alert = db.get(FleetAlert, alert_id)
    if alert is None:
        return False
    if alert.acked_at is None:
        alert.acked_at = utcnow()
        alert.acked_by = username
        audit(db, f"staff:{username}", "alert_acknowledged", alert.kiosk_id, {"alert_id": alert_id,
                                                                              "kind": alert.kind})
        db.commit()
        logger.info("alert %d acknowledged by %s", alert_id, username)
    return True


def recent_alerts(db: Session, *, include_cleared: bool = False, limit: int = 200) -> list[FleetAlert]:
    query = select(FleetAlert)
    if not include_cleared:
        query = query.where(FleetAlert.cleared_at.is_(None))
    return list(db.execute(query.order_by(FleetAlert.raised_at.desc(), FleetAlert.id.desc()).limit(limit)).scalars())


def assess_one(kiosk: Kiosk, now: dt.datetime) -> KioskHealth:
    return assess(kiosk.kiosk_id, kiosk.last_heartbeat_at, kiosk.devices, kiosk.stock, kiosk.outbox_depth,
                  kiosk.heartbeat_extra, now)

"""Keeps the fleet_alerts table in step with the kiosks' health: raise new conditions, clear the ones that ended."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import threading
from typing import Iterator

import anyio
from sqlalchemy import Connection, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from gateway.dashboard.health import KioskHealth, assess, assess_report, interval_s, with_silence
from gateway import work_orders  # a fault opens a work order; it closes when the alert clears
from gateway.dashboard.models import FleetAlert
from gateway.db import READ_ONLY, make_sessionmaker, run_db
from gateway.deps import audit
from gateway.models import Kiosk, utcnow

logger = logging.getLogger(__name__)

ALERT_KINDS = ("silent", "device_failed", "paper_low", "door_open", "outbox_backlog")
# Alerts raised by an event rather than read from the heartbeats: the health sync leaves them alone, and they
# clear by a staff action (identity_cap: gateway/identity_caps.py, cleared with the kiosk's identity hold).
EVENT_ALERT_KINDS = ("identity_cap",)


_HEARTBEAT_COLUMNS = (Kiosk.kiosk_id, Kiosk.last_heartbeat_at, Kiosk.devices, Kiosk.stock, Kiosk.outbox_depth,
                      Kiosk.heartbeat_extra)


def fleet_health(db: Session, now: dt.datetime | None = None) -> list[KioskHealth]:
    now = now or utcnow()
    rows = db.execute(select(*_HEARTBEAT_COLUMNS).order_by(Kiosk.kiosk_id)).all()
    return [assess(r.kiosk_id, r.last_heartbeat_at, r.devices, r.stock, r.outbox_depth, r.heartbeat_extra, now)
            for r in rows]


class FleetSnapshot:
    """The heartbeat columns of every kiosk and the health they report, kept between dashboard reads: each read
    fetches only the kiosk ids and heartbeat times, then the full rows of the kiosks that sent a heartbeat since
    (decoding thousands of JSON columns and assessing thousands of kiosks on every read would take the CPU the
    heartbeats need), and adds the one part that changes with time, silence (health.with_silence).

    Correct across processes: every heartbeat, whichever process wrote it, changes last_heartbeat_at, and a row is
    re-read whenever that differs. The KioskHealth objects returned are shared between reads: do not change them.
    """

    CHUNK = 200

    def __init__(self):
        # kiosk id -> (last_heartbeat_at, its interval in seconds, the health that heartbeat reported)
        self._rows: dict[str, tuple[dt.datetime | None, float, KioskHealth]] = {}
        self._lock = threading.Lock()

    def health(self, db: Session, now: dt.datetime | None = None) -> list[KioskHealth]:
        for _ in self.refresh(db):
            pass
        return self.assessed(now)

    def refresh(self, db: Session) -> Iterator[None]:
        """Re-reads the rows of the kiosks that reported since the last read, pausing (yielding) after each chunk,
        so that a caller in the event loop can let other work run in between."""
        with self._lock:
            stamps = {r[0]: r[1] for r in db.execute(select(Kiosk.kiosk_id, Kiosk.last_heartbeat_at))}
            stale = [k for k, at in stamps.items() if k not in self._rows or self._rows[k][0] != at]
            for start in range(0, len(stale), self.CHUNK):
                yield
                for row in db.execute(select(*_HEARTBEAT_COLUMNS)
                                      .where(Kiosk.kiosk_id.in_(stale[start:start + self.CHUNK]))):
                    extra = row.heartbeat_extra if isinstance(row.heartbeat_extra, dict) else {}
                    self._rows[row.kiosk_id] = (row.last_heartbeat_at, interval_s(extra), assess_report(*row))
            for gone in set(self._rows) - set(stamps):
                del self._rows[gone]

    def assessed(self, now: dt.datetime | None = None) -> list[KioskHealth]:
        """Every kiosk's health at `now`, from the rows as last refreshed."""
        now = now or utcnow()
        with self._lock:
            rows = [self._rows[k] for k in sorted(self._rows)]
        return [with_silence(reported, at, every, now) for at, every, reported in rows]


# Raised by the payment rules (gateway.payments), not by fleet health: the fleet sync never clears them; staff ack.
PAYMENT_ALERT_KINDS = ("payment_refund", "payment_reconciliation")
# What the health sync neither raises nor clears.
_NOT_FROM_HEALTH = EVENT_ALERT_KINDS + PAYMENT_ALERT_KINDS


def _open_keys(db: Session) -> set[tuple[str, str, str]]:
    return {tuple(row) for row in db.execute(select(FleetAlert.kiosk_id, FleetAlert.kind, FleetAlert.subject)
                                             .where(FleetAlert.cleared_at.is_(None),
                                                    FleetAlert.kind.not_in(_NOT_FROM_HEALTH)))}


# Alerts raised by an event rather than by a condition of the kiosk's last heartbeat (a rolled-back audit log):
# they stay open, for staff to acknowledge, whatever the kiosk reports later.
STICKY_KINDS = frozenset({"audit_rollback"})


def sync_alerts(db: Session, health: list[KioskHealth], now: dt.datetime | None = None,
                read_db: Session | None = None) -> int:
    """Raises an alert for every condition without an open one and clears open alerts whose condition ended.
    Returns how many alerts changed. With read_db, nothing is written (no write lock taken) when nothing changed."""
    now = now or utcnow()
    wanted = {(h.kiosk_id, c.kind, c.subject): c for h in health for c in h.conditions}
    if read_db is not None and {k for k in _open_keys(read_db) if k[1] not in STICKY_KINDS} == set(wanted):
        read_db.rollback()
        return 0
    open_alerts = {(a.kiosk_id, a.kind, a.subject): a
                   for a in db.execute(select(FleetAlert).where(FleetAlert.cleared_at.is_(None),
                                                                FleetAlert.kind.not_in(_NOT_FROM_HEALTH))).scalars()}
    changed = 0
    for key, alert in open_alerts.items():
        if key not in wanted:
            if alert.kind in STICKY_KINDS:
                continue
            alert.cleared_at = now
            work_orders.fault_cleared(db, alert.kiosk_id, alert.kind, alert.subject, now)  # healthy again
            changed += 1
        elif alert.detail != wanted[key].detail[:200] and alert.kind != "silent":
            alert.detail = wanted[key].detail[:200]
    for key, condition in wanted.items():
        if key not in open_alerts and raise_alert(db, key[0], condition.kind, condition.subject,
                                                  condition.detail[:200], now):
            logger.info("alert raised: %s %s %s", key[0], condition.kind, condition.subject)
            work_orders.fault_raised(db, key[0], condition.kind, condition.subject, condition.detail, now)
            changed += 1
    db.commit()
    return changed


_INSERTS = {"sqlite": sqlite_insert, "postgresql": pg_insert}
_alerts = FleetAlert.__table__


def raise_alert(db: Session, kiosk_id: str, kind: str, subject: str, detail: str, now: dt.datetime) -> bool:
    """Opens an alert unless one is open for the same condition (another gateway process may have raised it a
    moment ago: the unique index on open alerts decides, and the loser inserts nothing). True if this one did."""
    dialect = (db.dialect if isinstance(db, Connection) else db.get_bind().dialect).name
    values = {"kiosk_id": kiosk_id, "kind": kind, "subject": subject, "detail": detail, "raised_at": now}
    if dialect not in _INSERTS:  # no ON CONFLICT: the unique index still refuses a second open copy
        db.execute(insert(_alerts).values(**values))
        return True
    statement = _INSERTS[dialect](_alerts).values(**values).on_conflict_do_nothing().returning(_alerts.c.id)
    return db.execute(statement).first() is not None


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


class AlertChecker:
    """Brings the fleet alerts up to date every few seconds, so a kiosk that went silent (or whose printer ran out of
    paper) has its alert whether or not anyone has the dashboard open.

    Every gateway process runs one (started with the app: gateway.background); that is safe because raising an alert
    is idempotent (raise_alert) and clearing one twice changes nothing. The kiosk rows are read in a read-only
    transaction, and the write lock is taken only when an alert is to be raised or cleared. On SQLite a pass runs in
    the event loop in short slices (gateway.db.run_db explains why: a thread holding the GIL for a pass over
    thousands of kiosks slows every heartbeat of the process meanwhile); on PostgreSQL, in a worker thread.
    """

    def __init__(self, engine, interval_s: float):
        self.engine = engine
        self.sessionmaker = make_sessionmaker(engine)
        self.interval_s = interval_s
        self.snapshot = FleetSnapshot()  # its own: only this checker uses it, one pass at a time

    def check(self, now: dt.datetime | None = None) -> int:
        """One pass: how many alerts were raised or cleared."""
        now = now or utcnow()
        with self.sessionmaker() as read_db:
            read_db.connection(execution_options={READ_ONLY: True})
            health = self.snapshot.health(read_db, now)
            return self._sync(health, now, read_db)

    async def check_in_loop(self, now: dt.datetime | None = None) -> int:
        """check(), for SQLite, in the event loop: it lets other work run between chunks of kiosks."""
        with self.sessionmaker() as read_db:
            read_db.connection(execution_options={READ_ONLY: True})
            for _ in self.snapshot.refresh(read_db):
                await asyncio.sleep(0)
            now = now or utcnow()
            health = self.snapshot.assessed(now)
            await asyncio.sleep(0)
            return await run_db(self.engine, self._sync, health, now, read_db)

    def _sync(self, health: list[KioskHealth], now: dt.datetime, read_db: Session) -> int:
        with self.sessionmaker() as db:  # a new session for each attempt (run_db may run this again)
            return sync_alerts(db, health, now, read_db=read_db)

    async def run(self) -> None:
        # A random start spreads the passes of several processes over the interval.
        await asyncio.sleep(random.uniform(0, self.interval_s))
        in_loop = self.engine.dialect.name == "sqlite"
        while True:
            try:
                changed = await (self.check_in_loop() if in_loop else anyio.to_thread.run_sync(self.check))
                if changed:
                    logger.info("alert check: %d alert(s) raised or cleared", changed)
            except Exception:  # a database hiccup must not end the checking: log it and try again next time
                logger.exception("alert check failed")
            await asyncio.sleep(self.interval_s)

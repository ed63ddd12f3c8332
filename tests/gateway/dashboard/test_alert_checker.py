"""The background alert check: a silent kiosk gets its alert with no page open, and every process may raise alerts."""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from gateway.dashboard.alerts import AlertChecker, raise_alert
from gateway.dashboard.models import FleetAlert
from gateway.db import alembic_config, make_sessionmaker
from gateway.models import Kiosk, utcnow
from tests.waiting import wait_for

WAIT_S = 15.0  # bound on every wait below; a pass runs every 0.1 s


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, alert_check_interval_s=0.1)


def _open_alerts(db, kiosk_id: str, kind: str) -> list[FleetAlert]:
    db.rollback()  # a fresh snapshot
    return list(db.execute(select(FleetAlert).where(FleetAlert.kiosk_id == kiosk_id, FleetAlert.kind == kind,
                                                    FleetAlert.cleared_at.is_(None))).scalars())


def _go_silent(db, kiosk_id: str, seconds: float) -> None:
    db.execute(update(Kiosk).where(Kiosk.kiosk_id == kiosk_id)
               .values(last_heartbeat_at=utcnow() - dt.timedelta(seconds=seconds)))
    db.commit()


def test_a_silent_kiosk_gets_its_alert_without_a_page_load(app, credentials, hall, db):
    with TestClient(app) as client:  # the app's lifespan starts the checker; no dashboard page is ever asked for
        assert client.post("/v1/heartbeats", headers=hall, json={"heartbeat_interval_s": 30}).status_code == 200
        time.sleep(0.5)  # several passes: a kiosk that reports is not silent
        assert _open_alerts(db, "demo-hall-01", "silent") == []
        _go_silent(db, "demo-hall-01", 91)  # three intervals of 30 s and a bit
        assert wait_for(lambda: len(_open_alerts(db, "demo-hall-01", "silent")) == 1)
        # It is back: the next pass clears the alert, again with no page load.
        assert client.post("/v1/heartbeats", headers=hall, json={"heartbeat_interval_s": 30}).status_code == 200
        assert wait_for(lambda: _open_alerts(db, "demo-hall-01", "silent") == [])
    alerts = list(db.execute(select(FleetAlert).where(FleetAlert.kind == "silent")).scalars())
    assert [(a.kiosk_id, a.cleared_at is not None) for a in alerts] == [("demo-hall-01", True)]


def test_the_checker_stops_with_the_app(app, credentials, db):
    with TestClient(app):
        assert wait_for(lambda: getattr(app.state, "alert_checker", None) is not None)
    _go_silent(db, "demo-hall-01", 1000)
    time.sleep(0.5)
    assert _open_alerts(db, "demo-hall-01", "silent") == []


def test_an_open_alert_is_raised_once_whoever_raises_it(app, credentials, db):
    now = utcnow()
    sessions = make_sessionmaker(app.state.engine)
    with sessions() as first, sessions() as second:
        assert raise_alert(first, "demo-hall-01", "silent", "", "no heartbeat", now) is True
        first.commit()
        # A second process that read the open alerts before the first committed tries too: nothing is inserted.
        assert raise_alert(second, "demo-hall-01", "silent", "", "no heartbeat", now) is False
        second.commit()
    assert len(_open_alerts(db, "demo-hall-01", "silent")) == 1
    # Once cleared, the same condition may open a new alert.
    db.execute(update(FleetAlert).values(cleared_at=now))
    db.commit()
    with sessions() as third:
        assert raise_alert(third, "demo-hall-01", "silent", "", "no heartbeat", now) is True
        third.commit()
    assert len(_open_alerts(db, "demo-hall-01", "silent")) == 1


def test_checkers_of_several_processes_at_once_raise_one_alert_each(app, credentials, db):
    for kiosk_id in ("demo-hall-01", "demo-bank-01", "demo-locker-01"):
        _go_silent(db, kiosk_id, 1000)
    checkers = [AlertChecker(app.state.engine, 1.0) for _ in range(4)]  # each with its snapshot, as in a process
    start = threading.Barrier(len(checkers))
    errors: list[BaseException] = []

    def run(checker):
        try:
            start.wait(5)
            for _ in range(3):
                checker.check()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in checkers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT_S)
    assert not errors and not any(t.is_alive() for t in threads)
    for kiosk_id in ("demo-hall-01", "demo-bank-01", "demo-locker-01"):
        assert len(_open_alerts(db, kiosk_id, "silent")) == 1


def test_the_migration_closes_duplicate_open_alerts(engine):
    """Databases from before the unique index may hold the same open alert twice: the oldest stays open."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0700")
    now = utcnow()
    with engine.begin() as connection:
        connection.execute(FleetAlert.__table__.insert(), [
            {"kiosk_id": "k1", "kind": "silent", "subject": "", "detail": "", "raised_at": now},
            {"kiosk_id": "k1", "kind": "silent", "subject": "", "detail": "", "raised_at": now},
            {"kiosk_id": "k1", "kind": "paper_low", "subject": "receipt_printer", "detail": "", "raised_at": now}])
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with engine.connect() as connection:
        rows = connection.execute(select(FleetAlert.id, FleetAlert.kind, FleetAlert.cleared_at)
                                  .order_by(FleetAlert.id)).all()
    assert [(r.kind, r.cleared_at is None) for r in rows] == [("silent", True), ("silent", False),
                                                              ("paper_low", True)]

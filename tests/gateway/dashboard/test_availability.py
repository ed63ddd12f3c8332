"""Availability over a day of simulated outages, through the real alert sync (gateway.dashboard.alerts) run at
simulated times: the figures checked against ones worked out by hand. Work orders open with a fault, staff assign,
note and resolve them, and they close when the kiosk is healthy again."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from gateway import availability, work_orders
from gateway.central_config import KioskConfigSite
from gateway.dashboard.alerts import fleet_health, sync_alerts
from gateway.fleet import queue_command
from gateway.models import Kiosk, KioskCommand
from gateway.seed import register_kiosk
from tests.gateway.dashboard.conftest import csrf_of, sign_in

TZ = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 12, 3)  # a Thursday
HOURS = {d: ["08:30", "17:30"] for d in ("mon", "tue", "wed", "thu", "fri")}
HEALTHY = {"card_reader": {"status": "online"}, "receipt_printer": {"status": "online"}}


def at(hhmm: str, seconds: int = 0) -> dt.datetime:
    h, m = map(int, hhmm.split(":"))
    return dt.datetime.combine(DAY, dt.time(h, m), TZ).astimezone(dt.timezone.utc) + dt.timedelta(seconds=seconds)


def heartbeat(db, kiosk_id, when, devices=HEALTHY):
    db.execute(update(Kiosk).where(Kiosk.kiosk_id == kiosk_id).values(
        last_heartbeat_at=when, devices=devices, heartbeat_extra={"heartbeat_interval_s": 30}))
    db.commit()


def sync(db, when):
    sync_alerts(db, fleet_health(db, when), when)


def command(db, kiosk_id, kind, when):
    command_id = queue_command(db, kiosk_id, kind, {})
    db.execute(update(KioskCommand).where(KioskCommand.command_id == command_id).values(
        delivered_at=when, done_at=when, result={"ok": True}))
    db.commit()


@pytest.fixture
def day(db):
    """K1 and K2 in hall "hall-east", open 08:30-17:30; K1's day of outages (local times):
    07:50-08:50 card reader offline   (device; 20 min of it in opening hours)
    10:00-10:30 no heartbeat          (network; 30 min)
    12:00-12:45 out of service        (command; 45 min)
    12:30-13:00 receipt printer jammed (device; 30 min, 15 of them also out of service by command)
    17:00-18:00 card reader offline   (device; 30 min in opening hours)
    K2 has none."""
    for kiosk_id in ("K1", "K2"):
        register_kiosk(db, kiosk_id, "hall")
        db.add(KioskConfigSite(kiosk_id=kiosk_id, site="hall-east"))
    db.commit()
    availability.set_hours(db, "hall-east", HOURS)
    offline_reader = {**HEALTHY, "card_reader": {"status": "offline"}}
    jammed = {**HEALTHY, "receipt_printer": {"status": "jammed", "reason": "paper jam"}}
    steps = [("07:00", HEALTHY), ("07:50", offline_reader), ("08:50", HEALTHY), ("09:58", HEALTHY),
             ("10:00", None), ("10:30", HEALTHY), ("12:30", jammed), ("13:00", HEALTHY), ("17:00", offline_reader),
             ("18:00", HEALTHY)]
    for hhmm, devices in steps:
        when = at(hhmm)
        if devices is None:  # silent: the last heartbeat was at 09:58:00, 120 s (> 3 x 30 s) ago
            pass
        else:
            heartbeat(db, "K1", when, devices)
        heartbeat(db, "K2", when)
        if hhmm == "12:30":
            command(db, "K1", "out_of_service", at("12:00"))
            command(db, "K1", "in_service", at("12:45"))
        sync(db, when)
    return db


def test_a_day_of_outages_gives_the_figures_worked_out_by_hand(day):
    kiosks, halls = availability.fleet_figures(day, at("00:00"), at("00:00") + dt.timedelta(days=1))
    k1, k2, hall = kiosks["K1"], kiosks["K2"], halls["hall-east"]
    assert k1.open_s == 9 * 3600  # 08:30-17:30
    # Device 20 + 30 + 30 = 80 min; network 30; command 45; out in all (merged) 20 + 30 + 60 (12:00-13:00) + 30.
    assert k1.by_cause_s == {"device": 80 * 60, "network": 30 * 60, "command": 45 * 60}
    assert k1.out_s == 140 * 60
    assert k1.availability == pytest.approx(400 / 540)  # 74.07 %
    # Work orders (faults only): 60, 30, 30 and 60 minutes from fault to healthy: MTTR 45 min.
    assert sorted(k1.repairs_s) == [30 * 60, 30 * 60, 60 * 60, 60 * 60] and k1.mttr_s == 45 * 60
    assert k2.availability == 1.0 and k2.out_s == 0 and k2.mttr_s is None
    assert hall.open_s == 2 * 540 * 60 and hall.availability == pytest.approx(940 / 1080)  # 87.04 %
    # Before 08:30 and after 17:30 the kiosk is not held to anything.
    evening, _ = availability.fleet_figures(day, at("17:30"), at("23:00"))
    assert evening["K1"].open_s == 0 and evening["K1"].availability is None


def test_the_dashboard_shows_the_figures_and_work_orders_move_through_their_states(day, app):
    from fastapi.testclient import TestClient

    from gateway.dashboard.auth import create_staff

    create_staff(day, "ops1", "ops1-password", "operator")
    with TestClient(app, base_url="http://testserver") as staff:
        assert sign_in(staff, "ops1", "ops1-password").status_code == 303
        page = staff.get(f"/dashboard/availability?day={DAY.isoformat()}").text
        assert '<tr data-name="K1"><td>K1</td><td class="availability">74.07 %</td><td>540.0</td>' in page
        assert '<tr data-name="hall-east"><td>hall-east</td><td class="availability">87.04 %</td>' in page
        orders = work_orders.orders(day)
        assert [o.state for o in orders] == ["closed"] * 4  # every fault is healthy again
        # A new fault: open, assigned, noted, resolved by staff, closed when the kiosk is healthy.
        now = dt.datetime.now(dt.timezone.utc)
        heartbeat(day, "K2", now, {**HEALTHY, "card_reader": {"status": "hardware_error"}})
        sync(day, now)
        order = work_orders.orders(day, open_only=True)[0]
        assert (order.kiosk_id, order.cause, order.subject, order.state) == ("K2", "device", "card_reader", "open")
        day.rollback()
        for action, text in (("assign", "tech-wang"), ("note", "reader replaced"), ("resolve", "")):
            csrf = csrf_of(staff.get("/dashboard/availability").text)
            response = staff.post(f"/dashboard/availability/work-orders/{order.id}/{action}",
                                  data={"csrf": csrf, "text": text}, follow_redirects=False)
            assert response.status_code == 303, response.text
        csrf = csrf_of(staff.get("/dashboard/availability").text)
        refused = staff.post(f"/dashboard/availability/work-orders/{order.id}/note", data={"csrf": csrf, "text": ""})
        assert refused.status_code == 400 and "a note is 1-500 characters" in refused.text
        day.expire_all()
        order = day.get(work_orders.WorkOrder, order.id)
        assert order.state == "resolved" and order.assigned_to == "tech-wang"
        assert order.notes[0]["text"] == "reader replaced" and order.notes[0]["by"] == "ops1"
        heartbeat(day, "K2", now + dt.timedelta(minutes=5))
        sync(day, now + dt.timedelta(minutes=5))
        day.expire_all()
        assert day.get(work_orders.WorkOrder, order.id).state == "closed"
        csrf = csrf_of(staff.get("/dashboard/availability").text)
        bad = staff.post("/dashboard/availability/hours", data={"csrf": csrf, "site": "hall-east",
                                                                "hours": '{"mon": ["18:00", "08:00"]}'})
        assert bad.status_code == 400 and "opening before closing" in bad.text
        assert day.get(availability.SiteHours, "hall-east").hours == HOURS

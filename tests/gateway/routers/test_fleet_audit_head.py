"""Heartbeats carry the kiosk's audit log head; the gateway refuses one that goes backwards, alerts and audits it."""
from __future__ import annotations

from sqlalchemy import select

from gateway.dashboard.models import FleetAlert
from gateway.models import AuditEntry, Kiosk

H = {n: f"{n:x}" * 64 for n in range(1, 10)}  # stand-in record hashes: 64 hex characters each


def head(seq, n=None):
    return {"audit_head": {"seq": seq, "hash": H[n or seq][:64]}}


def beat(client, hall, body):
    return client.post("/v1/heartbeats", json={"devices": {}, **body}, headers=hall)


def test_the_head_moves_forward_and_is_kept(client, hall, db):
    assert beat(client, hall, head(4)).status_code == 200
    assert beat(client, hall, head(6)).status_code == 200
    assert beat(client, hall, {}).status_code == 200  # a heartbeat without a head leaves it as it was
    db.expire_all()
    assert db.get(Kiosk, "demo-hall-01").audit_head == {"seq": 6, "hash": H[6][:64]}


def test_going_back_is_refused_alerted_and_audited(client, hall, db):
    assert beat(client, hall, head(6)).status_code == 200
    refused = beat(client, hall, head(4))  # records 5 and 6 deleted, the older sealed head restored
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "audit_rollback"
    assert "from record 6 to 4" in refused.json()["error"]["message"]
    db.expire_all()
    kiosk = db.get(Kiosk, "demo-hall-01")
    assert kiosk.audit_head["seq"] == 6 and "rollback" in kiosk.audit_head
    alert = db.execute(select(FleetAlert).where(FleetAlert.kind == "audit_rollback")).scalar_one()
    assert alert.kiosk_id == "demo-hall-01" and alert.cleared_at is None
    entry = db.execute(select(AuditEntry).where(AuditEntry.action == "kiosk_audit_rollback")).scalar_one()
    assert entry.detail == {"recorded_seq": 6, "reported_seq": 4}
    assert beat(client, hall, head(5)).status_code == 409  # still behind
    assert beat(client, hall, head(7)).status_code == 200  # ahead again: accepted, the flag stays
    db.expire_all()
    assert "rollback" in db.get(Kiosk, "demo-hall-01").audit_head


def test_a_different_record_at_the_same_place_or_a_wiped_log_is_refused(client, hall):
    assert beat(client, hall, head(6)).status_code == 200
    assert beat(client, hall, head(6)).status_code == 200  # the same head again is fine
    assert beat(client, hall, head(6, n=7)).json()["error"]["code"] == "audit_rollback"
    wiped = beat(client, hall, {"audit_head": None})
    assert wiped.status_code == 409 and "empty audit log" in wiped.json()["error"]["message"]


def test_the_rollback_alert_stays_open_through_later_syncs(client, hall, db, app):
    from gateway.dashboard.alerts import fleet_health, sync_alerts

    assert beat(client, hall, head(6)).status_code == 200
    assert beat(client, hall, head(2)).status_code == 409
    with app.state.sessionmaker() as session:
        sync_alerts(session, fleet_health(session))
    db.expire_all()
    assert db.execute(select(FleetAlert).where(FleetAlert.kind == "audit_rollback",
                                               FleetAlert.cleared_at.is_(None))).scalar_one()


def test_a_malformed_head_is_a_422(client, hall):
    for bad in ({"seq": -1, "hash": H[1]}, {"seq": 1, "hash": "xyz"}, {"seq": 1}, {"seq": 2 ** 70, "hash": H[1]}):
        assert beat(client, hall, {"audit_head": bad}).status_code == 422

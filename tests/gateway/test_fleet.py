"""Heartbeats with device status, commands delivered once in the heartbeat reply, kiosk events exactly once."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from gateway.fleet import queue_command
from gateway.models import Kiosk, KioskCommand, KioskEvent
from tests.gateway.test_api_core import assert_error

NOW = dt.datetime.now(dt.timezone.utc).isoformat()


def test_heartbeat_records_status_and_delivers_commands_once(client, hall, db):
    body = {"devices": {"card_reader": "online", "receipt_printer": "media_low"}, "stock": {"paper_pct": 12},
            "outbox_depth": 3, "version": "0.1.0", "uptime_s": 120.5, "ip": "10.0.0.8"}
    assert client.post("/v1/heartbeats", headers=hall, json=body).json() == {"commands": []}
    command_id = queue_command(db, "demo-hall-01", "out_of_service", {"message": "维护中"})
    reply = client.post("/v1/heartbeats", headers=hall, json=body).json()
    assert reply == {"commands": [{"command_id": command_id, "kind": "out_of_service",
                                   "args": {"message": "维护中"}}]}
    assert client.post("/v1/heartbeats", headers=hall, json=body).json() == {"commands": []}
    db.expire_all()
    kiosk = db.get(Kiosk, "demo-hall-01")
    assert kiosk.devices["receipt_printer"] == "media_low" and kiosk.outbox_depth == 3
    assert kiosk.heartbeat_extra == {"ip": "10.0.0.8"} and kiosk.last_heartbeat_at is not None


def test_heartbeat_refuses_bad_values(client, hall):
    assert_error(client.post("/v1/heartbeats", headers=hall, json={"outbox_depth": -1}), 422, "invalid_request")
    assert_error(client.post("/v1/heartbeats", headers=hall, json={"devices": ["x"]}), 422, "invalid_request")


def test_queue_command_refuses_unknown_kind(db):
    with pytest.raises(ValueError, match=r"unknown command kind 'format_disk'"):
        queue_command(db, "demo-hall-01", "format_disk")


def test_event_is_applied_once_per_key(client, hall, db):
    headers = {**hall, "Idempotency-Key": "evt-0001"}
    event = {"kind": "receipt_printed", "occurred_at": NOW, "payload": {"order_id": "PO1"}}
    assert client.post("/v1/kiosk-events", headers=headers, json=event).json() == {"status": "accepted"}
    assert client.post("/v1/kiosk-events", headers=headers, json=event).json() == {"status": "duplicate"}
    assert db.execute(select(func.count()).select_from(KioskEvent)).scalar_one() == 1
    db.rollback()  # end the read: on SQLite an open transaction holds the write lock
    changed = {**event, "payload": {"order_id": "PO2"}}
    assert_error(client.post("/v1/kiosk-events", headers=headers, json=changed), 409, "idempotency_conflict")



def test_invalid_events_are_422(client, hall):
    headers = {**hall, "Idempotency-Key": "evt-bad"}
    for event in ({"kind": "Bad Kind", "occurred_at": NOW, "payload": {}},
                  {"kind": "x", "occurred_at": "2026-01-01T00:00:00", "payload": {}},  # no time zone
                  {"kind": "x", "occurred_at": "2999-01-01T00:00:00Z", "payload": {}},
                  {"kind": "command_result", "occurred_at": NOW, "payload": {"command_id": "C-none"}},
                  {"kind": "x", "occurred_at": NOW, "payload": []}):
        response = client.post("/v1/kiosk-events", headers=headers, json=event)
        assert response.status_code == 422, (event, response.text)
    assert_error(client.post("/v1/kiosk-events", headers=hall, json={"kind": "x", "occurred_at": NOW}),
                 422, "invalid_request")  # no Idempotency-Key


def test_command_result_event_closes_the_command(client, hall, db):
    command_id = queue_command(db, "demo-hall-01", "print_test_page")
    client.post("/v1/heartbeats", headers=hall, json={})
    event = {"kind": "command_result", "occurred_at": NOW, "payload": {"command_id": command_id, "ok": True}}
    assert client.post("/v1/kiosk-events", headers={**hall, "Idempotency-Key": "r1"}, json=event).status_code == 200
    db.expire_all()
    command = db.get(KioskCommand, command_id)
    assert command.done_at is not None and command.result == {"ok": True}


def test_a_command_never_reported_done_is_sent_again_until_it_is(client, hall, db):
    """A heartbeat reply lost on the way must not lose the command in it: after a while it is delivered again."""
    command_id = queue_command(db, "demo-hall-01", "out_of_service", {"message": "维护中"})
    assert [c["command_id"] for c in client.post("/v1/heartbeats", headers=hall, json={}).json()["commands"]] \
        == [command_id]
    assert client.post("/v1/heartbeats", headers=hall, json={}).json() == {"commands": []}  # not at once

    def age_delivery():
        db.expire_all()
        command = db.get(KioskCommand, command_id)
        command.delivered_at = command.delivered_at - dt.timedelta(minutes=4)
        db.commit()

    age_delivery()
    assert [c["command_id"] for c in client.post("/v1/heartbeats", headers=hall, json={}).json()["commands"]] \
        == [command_id]
    event = {"kind": "command_result", "occurred_at": NOW, "payload": {"command_id": command_id, "ok": True}}
    assert client.post("/v1/kiosk-events", headers={**hall, "Idempotency-Key": "r-again"},
                       json=event).status_code == 200
    age_delivery()
    assert client.post("/v1/heartbeats", headers=hall, json={}).json() == {"commands": []}

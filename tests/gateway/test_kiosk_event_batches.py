"""POST /v1/kiosk-events/batch: one request, many events, each applied once and answered by itself; all or nothing
when the gateway fails mid-batch."""
from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import gateway.routers.kiosk_event_batches as batches
from gateway.errors import ApiError
from gateway.models import AuditEntry, KioskEvent

NOW = dt.datetime.now(dt.timezone.utc).isoformat()


def _event(key: str, kind: str = "document_printed", **payload) -> dict:
    return {"idempotency_key": key, "kind": kind, "occurred_at": NOW, "payload": payload}


def _stored(db, keys) -> list[tuple[str, str]]:
    db.rollback()
    return list(db.execute(select(KioskEvent.idempotency_key, KioskEvent.kind)
                           .where(KioskEvent.idempotency_key.in_(list(keys))).order_by(KioskEvent.id)))


def test_each_event_is_answered_by_itself_in_order(client, hall, db):
    events = [_event("k1", n=1), _event("k2", "command_result", status="done"),  # no command_id: invalid
              _event("k3", n=3), _event("k1", n=1),  # the same key again in the batch: a duplicate
              {"kind": "document_printed", "occurred_at": NOW}]  # no key
    response = client.post("/v1/kiosk-events/batch", headers=hall, json={"events": events})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["idempotency_key"], r["status"]) for r in results] == [
        ("k1", "accepted"), ("k2", "rejected"), ("k3", "accepted"), ("k1", "duplicate"), (None, "rejected")]
    assert results[1]["error"]["status"] == 422 and results[1]["error"]["code"] == "event_invalid"
    assert results[4]["error"]["message"].startswith("idempotency_key")
    assert _stored(db, ["k1", "k2", "k3"]) == [("k1", "document_printed"), ("k3", "document_printed")]


def test_a_batch_sent_again_is_all_duplicates_and_stores_nothing_more(client, hall, db):
    events = [_event(f"r{i}", "pickup_done" if i % 2 else "serial_used", n=i) for i in range(20)]
    first = client.post("/v1/kiosk-events/batch", headers=hall, json={"events": events}).json()["results"]
    audits = db.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    again = client.post("/v1/kiosk-events/batch", headers=hall, json={"events": events}).json()["results"]
    assert {r["status"] for r in first} == {"accepted"} and {r["status"] for r in again} == {"duplicate"}
    assert len(_stored(db, [e["idempotency_key"] for e in events])) == 20
    assert db.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == audits


def test_events_from_the_one_event_endpoint_are_duplicates_in_a_batch(client, hall):
    event = _event("single-1", n=1)
    body = {k: v for k, v in event.items() if k != "idempotency_key"}
    assert client.post("/v1/kiosk-events", headers={**hall, "Idempotency-Key": "single-1"},
                       json=body).json() == {"status": "accepted"}
    results = client.post("/v1/kiosk-events/batch", headers=hall, json={"events": [event]}).json()["results"]
    assert results[0]["status"] == "duplicate"
    changed = _event("single-1", n=2)
    results = client.post("/v1/kiosk-events/batch", headers=hall, json={"events": [changed]}).json()["results"]
    assert results[0]["status"] == "rejected" and results[0]["error"]["code"] == "idempotency_conflict"


def test_ratings_in_a_batch_reach_the_statistics_and_a_malformed_one_is_refused(client, hall, db):
    from gateway.ratings import ServiceRating

    good = [_event(f"rating:{n}", "service_rating", rating_id=f"0000000{n}-0000-4000-8000-000000000000",
                   service="case_status", site="demo-hall", level=n, reasons=[], outcome="finished", callback=False)
            for n in (5, 1)]
    bad = _event("rating:bad", "service_rating", rating_id="x", service="case_status", level=9)
    results = client.post("/v1/kiosk-events/batch", headers=hall, json={"events": [*good, bad]}).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "accepted", "rejected"]
    assert results[2]["error"]["code"] == "event_invalid"
    db.rollback()
    assert sorted(db.execute(select(ServiceRating.level)).scalars()) == [1, 5]


def test_a_refused_event_holds_back_the_rest_of_its_kind_only(client, hall, db, monkeypatch):
    def refusing(db_, kiosk, event):
        if event.payload.get("n") == 2:
            raise ApiError(404, "case_not_found", "No such case.")  # not about the event's form: may pass later

    monkeypatch.setattr(batches, "KINDS_WITH_EFFECTS", frozenset({"pickup_done"}))
    monkeypatch.setattr(batches, "apply_event", refusing)
    events = [_event("h1", "pickup_done", n=1), _event("h2", "pickup_done", n=2), _event("h3", "serial_used", n=3),
              _event("h4", "pickup_done", n=4)]
    results = client.post("/v1/kiosk-events/batch", headers=hall, json={"events": events}).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted", "held"]
    assert results[1]["error"] == {"status": 404, "code": "case_not_found", "message": "No such case."}
    assert [k for k, _ in _stored(db, ["h1", "h2", "h3", "h4"])] == ["h1", "h3"]


def test_a_failure_mid_batch_stores_nothing_and_the_replay_applies_each_once(app, credentials, hall, db,
                                                                              monkeypatch):
    calls = {"n": 0}

    def crashing(db_, kiosk, event):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("the database went away")  # not a refusal: the whole request fails

    monkeypatch.setattr(batches, "KINDS_WITH_EFFECTS", frozenset({"document_printed"}))
    monkeypatch.setattr(batches, "apply_event", crashing)
    events = [_event(f"c{i}", n=i) for i in range(6)]
    audits = db.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/v1/kiosk-events/batch", headers=hall, json={"events": events}).status_code == 500
        assert _stored(db, [e["idempotency_key"] for e in events]) == []  # the first three were rolled back too
        assert db.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == audits
        results = client.post("/v1/kiosk-events/batch", headers=hall, json={"events": events}).json()["results"]
    assert [r["status"] for r in results] == ["accepted"] * 6
    assert [k for k, _ in _stored(db, [e["idempotency_key"] for e in events])] == [f"c{i}" for i in range(6)]
    assert db.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == audits + 6


def test_command_results_and_their_audit_entries_in_a_batch(client, hall, db):
    from gateway.fleet import queue_command
    from gateway.models import KioskCommand
    command_id = queue_command(db, "demo-hall-01", "print_test_page")
    events = [_event("cr1", "command_result", command_id=command_id, status="done"),
              _event("cr2", "command_result", command_id="C-not-ours", status="done")]
    results = client.post("/v1/kiosk-events/batch", headers=hall, json={"events": events}).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected"]
    db.rollback()
    command = db.get(KioskCommand, command_id)
    assert command.done_at is not None and command.result == {"status": "done"}
    from gateway.audit_chain import verify_chain
    report = verify_chain(db)
    assert report.ok, report.problems  # the batch's entries are chained like any other


@pytest.mark.parametrize("body, where", [({"events": []}, "events"), ({}, "events"),
                                         ({"events": [_event("x")] * (batches.MAX_BATCH + 1)}, "events")])
def test_a_malformed_batch_is_refused_whole(client, hall, body, where):
    response = client.post("/v1/kiosk-events/batch", headers=hall, json=body)
    assert response.status_code == 422 and where in response.json()["error"]["message"]


def test_a_batch_needs_the_kiosk_key(client):
    response = client.post("/v1/kiosk-events/batch", json={"events": [_event("x")]})
    assert response.status_code == 401

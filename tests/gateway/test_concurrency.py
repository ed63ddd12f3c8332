"""Races on a real server: the same Idempotency-Key sent at once from several threads is applied exactly once."""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from gateway.models import KioskEvent, PaymentOrder
from gateway.testing import LiveGateway
from tests.gateway.conftest import OBAMA

THREADS = 8


@pytest.fixture
def live(engine, settings):
    with LiveGateway(engine=engine, settings=settings) as gw:
        yield gw


def _together(fn):
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(lambda _: fn(), range(THREADS)))


def test_concurrent_duplicate_events(live):
    headers = {"Authorization": f"Bearer {live.api_key('demo-hall-01')}", "Idempotency-Key": "race-1"}
    event = {"kind": "receipt_printed", "occurred_at": dt.datetime.now(dt.timezone.utc).isoformat(), "payload": {}}
    answers = _together(lambda: requests.post(f"{live.base_url}/v1/kiosk-events", json=event, headers=headers,
                                              timeout=20))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    assert sorted(a.json()["status"] for a in answers) == ["accepted"] + ["duplicate"] * (THREADS - 1)
    with live.sessionmaker()() as db:
        assert db.execute(select(func.count()).select_from(KioskEvent)).scalar_one() == 1


def test_concurrent_payment_orders_with_one_key(live):
    hall = {"Authorization": f"Bearer {live.api_key('demo-hall-01')}"}
    token = requests.post(f"{live.base_url}/v1/applicant-tokens", headers=hall, timeout=10,
                          json={"id_number": OBAMA, "method": "card_only_demo"}).json()["token"]
    headers = {**hall, "X-Applicant-Token": token}
    cases = requests.get(f"{live.base_url}/v1/cases", headers=headers, timeout=10).json()["cases"]
    case_id = next(c["case_id"] for c in cases if c["status"] == "tax_assessed")
    answers = _together(lambda: requests.post(f"{live.base_url}/v1/payment-orders", json={"case_id": case_id},
                                              headers={**headers, "Idempotency-Key": "race-pay"}, timeout=20))
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
    assert len({a.json()["order_id"] for a in answers}) == 1
    with live.sessionmaker()() as db:
        assert db.execute(select(func.count()).select_from(PaymentOrder)).scalar_one() == 1


def test_heartbeats_at_once_each_get_their_own_commands_and_refusals(live):
    """Heartbeats arriving together are written together on SQLite (gateway.db.GroupCommit): each kiosk still gets
    exactly its own commands, a refused one its own error, and a device change its durable audit entry."""
    from gateway.fleet import queue_command
    from gateway.models import AuditEntry, Kiosk, RateWindow
    from gateway.seed import register_kiosk

    kiosks = [f"load-{i:02d}" for i in range(THREADS * 2)]
    with live.sessionmaker()() as db:
        keys = {kiosk_id: register_kiosk(db, kiosk_id, "hall") for kiosk_id in kiosks}
    # load-00 has reported before: the printer going out is a device status change, which is audited.
    url = f"{live.base_url}/v1/heartbeats"
    assert requests.post(url, json={"devices": {"receipt_printer": "online"}}, timeout=10,
                         headers={"Authorization": f"Bearer {keys['load-00']}"}).status_code == 200
    with live.sessionmaker()() as db:
        commands = {kiosk_id: queue_command(db, kiosk_id, "print_test_page") for kiosk_id in kiosks}
        db.get(Kiosk, kiosks[-1]).enabled = False
        db.commit()
    keys["nobody"] = "not-a-key"

    def beat(kiosk_id):
        body = {"devices": {"receipt_printer": "media_out" if kiosk_id == "load-00" else "online"}}
        return requests.post(url, json=body, headers={"Authorization": f"Bearer {keys[kiosk_id]}"}, timeout=20)

    with ThreadPoolExecutor(THREADS) as pool:
        answers = dict(zip(keys, pool.map(beat, keys)))
    assert answers["nobody"].status_code == 401 and answers["nobody"].json()["error"]["code"] == "unknown_kiosk"
    assert answers[kiosks[-1]].status_code == 403
    for kiosk_id in kiosks[:-1]:
        reply = answers[kiosk_id]
        assert reply.status_code == 200, reply.text
        assert [c["command_id"] for c in reply.json()["commands"]] == [commands[kiosk_id]], kiosk_id
    with live.sessionmaker()() as db:
        assert db.get(Kiosk, "load-00").devices == {"receipt_printer": "media_out"}
        changes = db.execute(select(AuditEntry).where(AuditEntry.actor == "load-00",
                                                      AuditEntry.action == "device_status_changed")).scalars().all()
        assert [c.detail for c in changes] == [{"devices": {"receipt_printer": "media_out"}}]
        counts = dict(db.execute(select(RateWindow.kiosk_id, func.sum(RateWindow.count))
                                 .group_by(RateWindow.kiosk_id)).all())
    assert counts == {**{k: 1 for k in kiosks[1:-1]}, "load-00": 2}  # every accepted heartbeat counted once
    # Delivered once: the next heartbeats bring nothing.
    with ThreadPoolExecutor(THREADS) as pool:
        again = list(pool.map(beat, kiosks[:-1]))
    assert all(a.status_code == 200 and a.json() == {"commands": []} for a in again)

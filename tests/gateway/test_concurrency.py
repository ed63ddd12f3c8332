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
                          json={"id_number": OBAMA, "method": "face"}).json()["token"]
    headers = {**hall, "X-Applicant-Token": token}
    cases = requests.get(f"{live.base_url}/v1/cases", headers=headers, timeout=10).json()["cases"]
    case_id = next(c["case_id"] for c in cases if c["status"] == "tax_assessed")
    answers = _together(lambda: requests.post(f"{live.base_url}/v1/payment-orders", json={"case_id": case_id},
                                              headers={**headers, "Idempotency-Key": "race-pay"}, timeout=20))
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
    assert len({a.json()["order_id"] for a in answers}) == 1
    with live.sessionmaker()() as db:
        assert db.execute(select(func.count()).select_from(PaymentOrder)).scalar_one() == 1

"""The certificates' cluster jobs in a serving gateway (SQLite and PostgreSQL): a returned parcel found by the
courier tracking job with nobody asking for its tracking, and collection evidence past its retention deleted by the
purge job while evidence still within it stays."""
from __future__ import annotations

import datetime as dt
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.adapters.courier import CourierClient
from gateway.certificate_models import CertificateCopy, CertificateShipment, CollectionEvidence
from gateway.courier import dispatch
from gateway.courier_simulator import CourierSimulator
from gateway.models import Case, SmsMessage, utcnow
from gateway.seed import demo_person, seed_demo
from gateway.settings import GatewaySettings


@pytest.fixture
def courier(monkeypatch):
    simulator = CourierSimulator().start()
    monkeypatch.setenv("KIOSK_GATEWAY_COURIER_URL", simulator.url)
    yield simulator
    simulator.stop()


@pytest.fixture
def settings():
    return GatewaySettings(public_base_url="http://testserver", alert_check_interval_s=0,
                           extra={"application_push_retry_s": 0, "certificate_tracking_s": 0.2,
                                  "certificate_evidence_purge_s": 0.2})


def ready_copy(db, person: str) -> tuple[Case, CertificateCopy]:
    holder = demo_person(person)
    case = db.execute(select(Case).where(Case.id_number == holder.id_number,
                                         Case.status == "certificate_ready")).scalars().one()
    copy = CertificateCopy(copy_id=f"{case.case_id}-1", case_id=case.case_id, certificate_no=case.certificate_no,
                           holder_name=holder.name, share="单独所有", status="ready")
    db.add(copy)
    db.flush()
    return case, copy


def wait_for(check, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return result


def test_the_tracking_job_finds_a_returned_parcel_and_the_purge_job_deletes_expired_evidence(app, db, courier):
    seed_demo(db)
    case, copy = ready_copy(db, "biden")
    waybill = dispatch(db, CourierClient(courier.url), case, copy, "北京市朝阳区建国路88号3号楼1单元1201室").waybill_no
    _other_case, kept_copy = ready_copy(db, "obama")
    now = utcnow()
    for copy_id, delete_after in ((copy.copy_id, now - dt.timedelta(days=1)), (kept_copy.copy_id,
                                                                                now + dt.timedelta(days=30))):
        db.add(CollectionEvidence(copy_id=copy_id, signature=b"sealed", kiosk_id="hall-01",
                                  collected_at=now - dt.timedelta(days=400), delete_after=delete_after))
    db.commit()
    courier.scan(waybill, "picked_up")
    courier.scan(waybill, "returned")

    def returned():
        db.expire_all()
        return db.get(CertificateShipment, waybill).status == "returned"

    def purged():
        db.expire_all()
        return [e.copy_id for e in db.execute(select(CollectionEvidence)).scalars()] == [kept_copy.copy_id]

    with TestClient(app):  # serving: the cluster jobs run
        assert wait_for(returned)
        assert wait_for(purged)
    assert db.get(CertificateCopy, copy.copy_id).status == "ready"
    steps = [e["status"] for e in db.get(CertificateShipment, waybill).events]
    assert steps == ["created", "picked_up", "returned"]
    sms = db.execute(select(SmsMessage).where(SmsMessage.template == "certificate_returned")).scalars().all()
    assert [m.phone for m in sms] == [demo_person("biden").phone]


def test_the_jobs_are_registered_once_as_cluster_jobs(app):
    from gateway.background import cluster_jobs

    jobs = cluster_jobs(app).jobs
    assert jobs["certificate-courier-tracking"].interval_s == 0.2
    assert jobs["certificate-evidence-purge"].interval_s == 0.2

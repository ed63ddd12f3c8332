"""Courier delivery and the serial checks against the real gateway on loopback (kiosk-gateway --demo) and the
simulated courier service's HTTP API: one certificate followed through to delivered (the case closes), another to
returned (back to ready, an SMS to the applicant); the gateway refuses an unknown, a used and a voided serial."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session as DbSession

from gateway.certificate_models import CertificateCopy, CertificateShipment
from gateway.certificates import issue_stock
from gateway.courier_simulator import CourierSimulator
from gateway.models import Case, SmsMessage
from gateway.seed import demo_person
from kiosk import certificate_client as api
from kiosk.platform_client import PlatformClient, PlatformRejected, new_idempotency_key
from kiosk_testkit.demo import DemoGateway

ADDRESS = "北京市朝阳区建国路88号3号楼1单元1201室"


@pytest.fixture(scope="module")
def courier():
    simulator = CourierSimulator().start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, courier):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KIOSK_GATEWAY_COURIER_URL", courier.url)  # the gateway process inherits it
        demo = DemoGateway(tmp_path_factory.mktemp("courier")).start()
    yield demo
    demo.stop()


def db(gateway):
    return DbSession(create_engine(f"sqlite:///{gateway.database}"))


def ready_case(gateway, person: str, copies: int) -> tuple[str, list[str]]:
    holder = demo_person(person)
    with db(gateway) as session:
        case = session.execute(select(Case).where(Case.id_number == holder.id_number,
                                                  Case.status == "certificate_ready")).scalars().one()
        ids = [f"{case.case_id}-{n}" for n in range(1, copies + 1)]
        session.add_all(CertificateCopy(copy_id=i, case_id=case.case_id, certificate_no=case.certificate_no,
                                        holder_name=holder.name, share="共同共有", status="ready") for i in ids)
        session.commit()
        return case.case_id, ids


def client_for(gateway, person: str) -> tuple[PlatformClient, str]:
    creds = gateway.credentials("hall")
    platform = PlatformClient(gateway.url, creds["api_key"], kiosk_id=creds["kiosk_id"])
    return platform, platform.issue_applicant_token(demo_person(person).id_number, "card_only_demo", 1.0)


def send(platform, token, copy_id, address=ADDRESS) -> dict:
    return platform.request("POST", f"/v1/certificates/{copy_id}/courier", json={"address": address}, token=token,
                            idempotency_key=new_idempotency_key())


def tracking(platform, token, copy_id) -> dict:
    return platform.request("GET", f"/v1/certificates/{copy_id}/tracking", token=token)


def test_a_parcel_is_followed_to_delivered_and_the_case_closes(gateway, courier):
    case_id, (copy_id,) = ready_case(gateway, "obama", 1)
    platform, token = client_for(gateway, "obama")
    sent = send(platform, token, copy_id)
    waybill = sent["waybill_no"]
    assert sent["status"] == "created" and waybill in courier.waybills
    assert courier.waybills[waybill]["reference"] == copy_id
    for scan in ("picked_up", "in_transit", "out_for_delivery"):
        courier.scan(waybill, scan)
        shown = tracking(platform, token, copy_id)
        assert shown["shipments"][0]["status"] == scan and shown["status"] == "dispatched"
    courier.scan(waybill, "delivered")
    shown = tracking(platform, token, copy_id)
    steps = [e["status"] for e in shown["shipments"][0]["events"]]
    assert steps == ["created", "picked_up", "in_transit", "out_for_delivery", "delivered"]
    assert shown["status"] == "collected"
    with db(gateway) as session:
        assert session.get(Case, case_id).status == "collected"
        shipment = session.get(CertificateShipment, waybill)
        assert ADDRESS.encode() not in shipment.address_sealed  # the address is kept sealed
    assert ADDRESS not in gateway.log_path.read_text(encoding="utf-8", errors="replace")


def test_a_returned_parcel_puts_the_certificate_back_to_ready_with_an_sms(gateway, courier):
    case_id, (copy_id,) = ready_case(gateway, "biden", 1)
    platform, token = client_for(gateway, "biden")
    waybill = send(platform, token, copy_id)["waybill_no"]
    assert api.ready_certificates(platform, token) == []  # on its way: not offered for printing
    courier.scan(waybill, "picked_up")
    courier.scan(waybill, "returned")
    shown = tracking(platform, token, copy_id)
    assert shown["status"] == "ready" and shown["shipments"][0]["status"] == "returned"
    assert [c["copy_id"] for c in api.ready_certificates(platform, token)] == [copy_id]
    with db(gateway) as session:
        assert session.get(Case, case_id).status == "certificate_ready"
        sms = session.execute(select(SmsMessage).where(SmsMessage.template == "certificate_returned")).scalars().all()
        assert len(sms) == 1 and sms[0].phone == demo_person("biden").phone


def test_a_bad_address_is_refused_and_changes_nothing(gateway, courier):
    _case_id, (copy_id,) = ready_case(gateway, "alex_lacamoire", 1)
    platform, token = client_for(gateway, "alex_lacamoire")
    before = len(courier.waybills)
    with pytest.raises(PlatformRejected) as refused:
        send(platform, token, copy_id, address="   x   ")
    assert refused.value.status == 422
    assert len(courier.waybills) == before
    assert [c["copy_id"] for c in api.ready_certificates(platform, token)] == [copy_id]


def test_the_gateway_refuses_unknown_used_and_voided_serials(gateway):
    _case_id, (first, second) = ready_case(gateway, "lin_manuel_miranda", 2)
    creds = gateway.credentials("hall")
    with db(gateway) as session:
        issue_stock(session, creds["kiosk_id"], ["ZZ00000001", "ZZ00000002"])
        session.commit()
    platform, token = client_for(gateway, "lin_manuel_miranda")
    api.void_blank(platform, "ZZ00000002", "jam", first, new_idempotency_key())
    refusals = {}
    for serial, copy_id in (("ZZ99999999", first), ("ZZ00000002", first)):
        with pytest.raises(PlatformRejected) as refused:
            api.write_back_serial(platform, token, copy_id, serial, new_idempotency_key())
        refusals[serial] = refused.value.code
    api.write_back_serial(platform, token, first, "ZZ00000001", new_idempotency_key())
    with pytest.raises(PlatformRejected) as refused:
        api.write_back_serial(platform, token, second, "ZZ00000001", new_idempotency_key())
    refusals["used"] = refused.value.code
    assert refusals == {"ZZ99999999": "serial_unknown", "ZZ00000002": "serial_voided", "used": "serial_used"}
    with pytest.raises(PlatformRejected) as refused:
        api.void_blank(platform, "ZZ00000002", "misprint", None, new_idempotency_key())
    assert refused.value.code == "serial_voided"
    states = {b["serial"]: (b["state"], b["reason"]) for b in api.gateway_blanks(platform)}
    assert states == {"ZZ00000001": ("printed", None), "ZZ00000002": ("voided", "jam")}
    ready = {c["copy_id"]: c["status"] for c in api.ready_certificates(platform, token)}
    assert ready == {second: "ready"}  # the refused write-backs changed nothing

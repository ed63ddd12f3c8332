"""Case status lists each certificate with its receive method and a courier parcel's tracking (the waybill masked,
no address or place), alike on SQLite, on PostgreSQL's one-statement case list and on the single-case path."""
from __future__ import annotations

from gateway.case_certificates import mask_waybill
from gateway.certificate_models import CertificateCopy, CertificateShipment
from gateway.models import Case, utcnow
from gateway.routers.cases import applicant_cases
from tests.gateway.conftest import OBAMA

WAYBILL = "EA123456789CN"


def with_certificates(db) -> str:
    case = db.query(Case).filter_by(id_number=OBAMA, status="certificate_ready").first()
    db.add_all([CertificateCopy(copy_id=f"{case.case_id}-1", case_id=case.case_id, certificate_no="X",
                                holder_name="甲", status="ready", receive_method="window"),
                CertificateCopy(copy_id=f"{case.case_id}-2", case_id=case.case_id, certificate_no="X",
                                holder_name="乙", status="dispatched", receive_method="courier")])
    db.flush()
    db.add(CertificateShipment(waybill_no=WAYBILL, copy_id=f"{case.case_id}-2", status="in_transit",
                               events=[{"status": "created", "at": "2026-12-01T01:00:00", "place": ""},
                                       {"status": "in_transit", "at": "2026-12-02T01:00:00", "place": "北京邮区中心局"}],
                               address_sealed=b"sealed", created_at=utcnow()))
    db.commit()
    return case.case_id


EXPECTED = [{"copy_id": "-1", "status": "ready", "receive_method": "window", "shipments": []},
            {"copy_id": "-2", "status": "dispatched", "receive_method": "courier",
             "shipments": [{"waybill": "EA*******89CN", "status": "in_transit",
                            "steps": [{"status": "created", "at": "2026-12-01T01:00:00"},
                                      {"status": "in_transit", "at": "2026-12-02T01:00:00"}]}]}]


def expected(case_id: str) -> list[dict]:
    return [{**c, "copy_id": case_id + c["copy_id"]} for c in EXPECTED]


def test_the_case_list_and_the_case_show_each_certificate_and_its_tracking(client, obama, db):
    case_id = with_certificates(db)
    listed = client.get("/v1/cases", headers=obama)
    assert listed.status_code == 200
    with db.get_bind().connect() as conn:  # PostgreSQL answers in one statement: it must be the general answer
        assert listed.json() == applicant_cases(conn, OBAMA)
    cases = {c["case_id"]: c for c in listed.json()["cases"]}
    assert cases[case_id]["certificates"] == expected(case_id)
    assert all(c["certificates"] == [] for key, c in cases.items() if key != case_id)
    one = client.get(f"/v1/cases/{case_id}", headers=obama)
    assert one.status_code == 200 and one.json()["certificates"] == expected(case_id)
    assert WAYBILL not in listed.text and "北京邮区中心局" not in listed.text


def test_a_waybill_is_masked_but_short_numbers_are_not_padded():
    assert mask_waybill("EA123456789CN") == "EA*******89CN"
    assert mask_waybill("123456") == "123456"

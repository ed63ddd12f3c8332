"""Staff pre-review (预审) through the dashboard's forms: the queue, the form beside the materials (served only to
signed-in staff), return for correction (需补正) with an SMS and the request in case status at any kiosk, the
correction brought at a kiosk, acceptance; CSRF, roles and audit; bad input changes nothing."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.application_models import Application
from gateway.models import AuditEntry, SmsMessage
from tests.gateway.conftest import OBAMA
from tests.gateway.dashboard.conftest import csrf_of
from tests.gateway.one_window import captured_material, key, mortgage_cancellation, mortgaged_property, upload


@pytest.fixture
def settings(tmp_path):
    from gateway.settings import GatewaySettings

    return GatewaySettings(public_base_url="http://testserver", alert_check_interval_s=0,
                           material_store=str(tmp_path / "materials"),
                           extra={"dashboard_alert_sync_s": 0, "dashboard_cache_s": 0, "application_push_retry_s": 0})


@pytest.fixture
def submitted(client, obama, db):
    home = mortgaged_property(db, OBAMA)
    answer = client.post("/v1/applications", headers={**obama, **key()},
                         json=mortgage_cancellation(client, obama, home.property_id))
    assert answer.status_code == 201, answer.text
    return answer.json()["application_no"]


def _state(db, number):
    db.rollback()
    row = db.get(Application, number)
    return row.status, row.review_round, row.correction_materials


def _audited(db, action, number) -> int:
    db.rollback()
    return len(db.scalars(select(AuditEntry).where(AuditEntry.action == action, AuditEntry.subject == number)).all())


def test_the_queue_and_the_form_beside_its_materials(staff, submitted, db):
    viewer = staff("viewer")
    queue = viewer.get("/dashboard/prereview")
    assert queue.status_code == 200 and submitted in queue.text
    assert "欧阳明" not in queue.text and "欧**" in queue.text  # the queue masks the name
    detail = viewer.get(f"/dashboard/prereview/{submitted}")
    assert detail.status_code == 200
    assert "13900000023" in detail.text and "中国建设银行 示范支行" in detail.text  # the form, for the reviewer
    for code, pages in (("mortgage_certificate", 1), ("certificate_original", 2), ("application_form", 1)):
        for page in range(1, pages + 1):
            src = f"/dashboard/prereview/{submitted}/materials/{code}/pages/{page}"
            assert src in detail.text
            image = viewer.get(src)
            assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
            assert image.content[:3] == b"\xff\xd8\xff" and image.headers["cache-control"] == "no-store"
        assert viewer.get(f"/dashboard/prereview/{submitted}/materials/{code}/pages/{pages + 1}").status_code == 404
    pdf = viewer.get(f"/dashboard/prereview/{submitted}/materials/certificate_original.pdf")
    assert pdf.content.startswith(b"%PDF") and pdf.headers["content-disposition"].startswith("attachment")
    assert _audited(db, "application_viewed", submitted) == 1
    assert _audited(db, "application_material_viewed", submitted) == 4
    assert 'id="accept"' not in detail.text  # a viewer sees, an operator decides


def test_materials_are_served_only_to_signed_in_staff(app, submitted):
    with TestClient(app, base_url="http://testserver") as anyone:
        image = anyone.get(f"/dashboard/prereview/{submitted}/materials/certificate_original/pages/1")
        assert image.status_code == 401 and not image.content.startswith(b"\xff\xd8")
        for path in (f"/dashboard/prereview/{submitted}", f"/dashboard/prereview/{submitted}/materials/"
                     "certificate_original.pdf", "/dashboard/prereview"):
            answer = anyone.get(path, follow_redirects=False)
            assert answer.status_code == 303 and answer.headers["location"] == "/dashboard/login"
        assert anyone.get("/dashboard/api/prereview").status_code == 401


def test_return_for_correction_then_the_correction_at_a_kiosk_then_acceptance(staff, client, obama, credentials,
                                                                              token_for, submitted, db):
    operator = staff("operator")
    page = operator.get(f"/dashboard/prereview/{submitted}")
    returned = operator.post(f"/dashboard/prereview/{submitted}/return", follow_redirects=False,
                             data={"csrf": csrf_of(page.text), "materials": ["certificate_original"],
                                   "note": "不动产权证书缺少附记页，请补拍第3页。"})
    assert returned.status_code == 303, returned.text
    assert _state(db, submitted) == ("needs_correction", 1, ["certificate_original"])
    sms = db.scalars(select(SmsMessage).where(SmsMessage.template == "application_correction")).all()
    assert [m.phone for m in sms] == ["13900000023"]  # the number on the form
    assert sms[0].params == {"purged_after_delivery": ["application_no", "materials"]}
    assert _audited(db, "application_returned", submitted) == 1
    db.rollback()
    raw = db.get(Application, submitted).correction_note_sealed
    assert "附记页" not in raw  # the note is sealed at rest

    # Any kiosk's case status: the same applicant verified at the bank service point sees what to bring.
    bank = {"Authorization": f"Bearer {credentials['demo-bank-01']}"}
    elsewhere = {**bank, "X-Applicant-Token": token_for(OBAMA, bank)}
    for answer in (client.get(f"/v1/cases/{submitted}", headers=elsewhere).json(),
                   next(c for c in client.get("/v1/cases", headers=obama).json()["cases"]
                        if c["case_id"] == submitted)):
        assert answer["next_action"] == "provide_correction"
        correction = answer["application"]["correction"]
        assert correction["materials"] == [{"code": "certificate_original", "title_zh": "不动产权证书",
                                            "title_en": "Property certificate"}]
        assert correction["note"] == "不动产权证书缺少附记页，请补拍第3页。"
    again = operator.post(f"/dashboard/prereview/{submitted}/accept", data={"csrf": csrf_of(page.text)})
    assert again.status_code == 409 and _state(db, submitted)[0] == "needs_correction"  # waits for the applicant

    # The applicant brings the three pages at the bank point's kiosk.
    fixed = upload(client, bank, captured_material("不动产权证书（演示，含附记页）", 3, seed=4))
    wrong = client.post(f"/v1/applications/{submitted}/corrections", headers={**elsewhere, **key()},
                        json={"materials": [{"code": "mortgage_certificate", "sha256": fixed, "pages": 1}]})
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "material_not_requested"
    brought = client.post(f"/v1/applications/{submitted}/corrections", headers={**elsewhere, **key()},
                          json={"materials": [{"code": "certificate_original", "sha256": fixed, "pages": 3}]})
    assert brought.status_code == 200, brought.text
    assert _state(db, submitted) == ("submitted", 2, None)
    case = client.get(f"/v1/cases/{submitted}", headers=obama).json()
    assert case["application"]["correction"] is None and case["next_action"] == "wait_for_review"

    page = operator.get(f"/dashboard/prereview/{submitted}")
    assert f"/dashboard/prereview/{submitted}/materials/certificate_original/pages/3" in page.text
    accepted = operator.post(f"/dashboard/prereview/{submitted}/accept", data={"csrf": csrf_of(page.text)},
                             follow_redirects=False)
    assert accepted.status_code == 303
    assert _state(db, submitted)[0] == "accepted"
    case = client.get(f"/v1/cases/{submitted}", headers=obama).json()
    assert case["status"] == "under_review" and case["application"]["review"] == "accepted"
    assert [s["status"] for s in case["timeline"] if s["done"]] == ["received", "under_review"]
    assert db.scalar(select(SmsMessage).where(SmsMessage.template == "application_accepted")) is not None
    assert _audited(db, "application_accepted", submitted) == 1
    assert submitted not in operator.get("/dashboard/prereview").text  # done with pre-review


@pytest.mark.parametrize("who, form, status", [
    ("operator", {"csrf": "forged", "materials": ["certificate_original"]}, 403),
    ("operator", {"materials": ["certificate_original"]}, 403),
    ("viewer", {"csrf": None, "materials": ["certificate_original"]}, 403),
    ("operator", {"csrf": None, "materials": ["no_such_material"]}, 409),
    ("operator", {"csrf": None, "materials": ["registration_record"]}, 409),  # fetched: nothing for them to bring
    ("operator", {"csrf": None}, 409),  # nothing named
    ("operator", {"csrf": None, "note": "长" * 301}, 409),
])
def test_a_forged_or_wrong_return_is_refused_and_changes_nothing(staff, submitted, db, who, form, status):
    member = staff(who)
    page = member.get(f"/dashboard/prereview/{submitted}")
    data = {k: (csrf_of(page.text) if k == "csrf" and v is None else v) for k, v in form.items()}
    answer = member.post(f"/dashboard/prereview/{submitted}/return", data=data, follow_redirects=False)
    assert answer.status_code == status, answer.text
    assert _state(db, submitted) == ("submitted", 1, None)
    assert _audited(db, "application_returned", submitted) == 0
    assert db.scalar(select(SmsMessage).where(SmsMessage.template == "application_correction")) is None


def test_a_forged_accept_and_an_unknown_application_change_nothing(staff, submitted, db):
    operator = staff("operator")
    forged = operator.post(f"/dashboard/prereview/{submitted}/accept", data={"csrf": "x" * 20})
    assert forged.status_code == 403 and _state(db, submitted)[0] == "submitted"
    page = operator.get(f"/dashboard/prereview/{submitted}")
    unknown = "YC" + "9" * 16
    assert operator.post(f"/dashboard/prereview/{unknown}/accept", data={"csrf": csrf_of(page.text)}).status_code == 409
    assert operator.get(f"/dashboard/prereview/{unknown}").status_code == 404
    assert operator.get("/dashboard/prereview/not-a-number").status_code == 422
    assert operator.get(f"/dashboard/prereview/{submitted}/materials/../../x/pages/1").status_code in (404, 422)

"""One-window applications through the kiosk API: the case opened with its 受理 date and statutory deadline, the
parallel push to registration, housing and tax (recorded, retried, never doubled), the receipt's data and its QR,
and attacks: forged and replayed requests, another kiosk's upload, another person's application, bad input."""
from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from gateway import workdays
from gateway.application_models import Application, DepartmentPush
from gateway.casework import today_in_china
from gateway.material_models import MaterialUpload
from gateway.models import AuditEntry, Case, Person, Property, PropertyRestriction
from gateway.parallel_review import push_application, retry_pending
from tests.gateway.conftest import KIT, OBAMA
from tests.gateway.one_window import captured_material, key, mortgage_cancellation, mortgaged_property, upload
from tests.waiting import wait_for


@pytest.fixture
def settings(tmp_path):
    """tests/gateway/conftest.py's settings with the test's own material store and no timed push retry (the tests
    retry by calling it)."""
    from gateway.settings import GatewaySettings

    return GatewaySettings(public_base_url="http://testserver", alert_check_interval_s=0,
                           material_store=str(tmp_path / "materials"), extra={"application_push_retry_s": 0})


@pytest.fixture
def departments(app):
    return app.state.adapters.departments


@pytest.fixture
def home(db):
    return mortgaged_property(db, OBAMA)


def _submit(client, headers, body, idempotency=None):
    return client.post("/v1/applications", headers={**headers, **(idempotency or key())}, json=body)


def _counts(db) -> tuple[int, int, int]:
    db.rollback()
    return (db.scalar(select(func.count()).select_from(Application)), db.scalar(select(func.count()).select_from(Case)),
            db.scalar(select(func.count()).select_from(DepartmentPush)))


def test_submitting_opens_the_case_with_its_deadline_and_pushes_to_all_three_departments_at_once(
        client, obama, home, departments, db):
    body = mortgage_cancellation(client, obama, home.property_id)
    for department in departments.values():  # each intake holds its answer until all three have been called
        department.release = threading.Event()
    answers = []
    sender = threading.Thread(target=lambda: answers.append(_submit(client, obama, body)))
    sender.start()
    wait_for(lambda: all(d.entered.is_set() for d in departments.values()),
             what="registration, housing and tax all called before any of them answered")
    for department in departments.values():
        department.release.set()
    sender.join(30)
    answer = answers[0]
    assert answer.status_code == 201, answer.text
    number = answer.json()["application_no"]
    assert answer.json()["case_id"] == number and number.startswith("YC" + today_in_china().strftime("%Y%m%d"))

    cases = client.get("/v1/cases", headers=obama).json()["cases"]
    case = next(c for c in cases if c["case_id"] == number)
    today = today_in_china()
    assert case["received_on"] == today.isoformat() and case["status"] == "received"
    assert case["deadline"] == workdays.add_working_days(today, 5).due.isoformat()  # the catalogue's 5 working days
    assert case["title"] == "抵押权注销登记" and case["kind"] == "cancellation"
    assert case["application"]["review"] == "submitted" and case["application"]["correction"] is None
    assert all(c["application"] is None for c in cases if c["case_id"] != number)  # the seeded cases

    state = client.get(f"/v1/applications/{number}", headers=obama).json()
    pushes = {p["department"]: p for p in state["pushes"]}
    assert set(pushes) == {"registration", "housing", "tax"}
    for name, push in pushes.items():
        assert push["status"] == "accepted" and push["attempts"] == 1
        assert push["reference"] == departments[name].received[number]

    row = db.get(Application, number)
    assert "13900000023" not in row.form_sealed and home.address not in row.form_sealed  # sealed at rest
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "application_submitted",
                                              AuditEntry.subject == number)) is not None


def test_a_retried_submission_gets_the_same_application_and_opens_nothing_twice(client, obama, home, departments,
                                                                                db):
    body = mortgage_cancellation(client, obama, home.property_id)
    idempotency = key()
    first = _submit(client, obama, body, idempotency)
    again = _submit(client, obama, body, idempotency)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers.get("Idempotent-Replay") == "true"
    number = first.json()["application_no"]
    assert _counts(db)[0] == 1 and _counts(db)[2] == 3
    assert all(d.deliveries[number] == 1 for d in departments.values())
    changed = {**body, "form": {"phone": "13900000099"}}
    conflict = _submit(client, obama, changed, idempotency)
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "idempotency_conflict"
    assert _counts(db)[0] == 1


def test_a_failed_or_lost_push_is_recorded_and_retried_without_doubling(app, client, obama, home, departments, db):
    departments["tax"].fail_next = 1
    departments["housing"].lose_answer_next = 1  # taken in, but the answer never came back
    answer = _submit(client, obama, mortgage_cancellation(client, obama, home.property_id))
    number = answer.json()["application_no"]
    pushes = {p["department"]: p for p in client.get(f"/v1/applications/{number}", headers=obama).json()["pushes"]}
    assert pushes["registration"]["status"] == "accepted"
    assert pushes["tax"]["status"] == "failed" and "unavailable" in pushes["tax"]["last_error"]
    assert pushes["housing"]["status"] == "failed" and "lost" in pushes["housing"]["last_error"]
    assert number in departments["housing"].received and number not in departments["tax"].received

    assert retry_pending(app.state.sessionmaker, departments) == 1
    pushes = {p["department"]: p for p in client.get(f"/v1/applications/{number}", headers=obama).json()["pushes"]}
    assert all(p["status"] == "accepted" for p in pushes.values())
    assert pushes["housing"]["attempts"] == pushes["tax"]["attempts"] == 2 and pushes["registration"]["attempts"] == 1
    # The housing intake saw the application twice and took it in once: the same reference both times.
    assert departments["housing"].deliveries[number] == 2 and len(departments["housing"].received) == 1
    assert pushes["housing"]["reference"] == departments["housing"].received[number]
    assert retry_pending(app.state.sessionmaker, departments) == 0  # nothing left: nothing sent again
    assert push_application(app.state.sessionmaker, departments, number) == {}
    assert departments["registration"].deliveries[number] == 1


def test_two_processes_pushing_the_same_application_send_each_department_once(app, client, obama, home, departments):
    departments["registration"].fail_next = 1
    number = _submit(client, obama, mortgage_cancellation(client, obama, home.property_id)).json()["application_no"]
    departments["registration"].release = threading.Event()  # the first to claim it waits inside the intake
    results = []
    racers = [threading.Thread(target=lambda: results.append(push_application(app.state.sessionmaker, departments,
                                                                              number))) for _ in range(2)]
    for racer in racers:
        racer.start()
    wait_for(lambda: len(results) == 1, what="the second process finding the push claimed and skipping it")
    departments["registration"].release.set()
    for racer in racers:
        racer.join(30)
    assert departments["registration"].deliveries[number] == 1  # one process held the claim, the other skipped
    assert sorted(r.get("registration") for r in results) == ["accepted", "skipped"]


def _other_kiosk_upload(client, locker_headers) -> str:
    return upload(client, locker_headers, captured_material("别处的材料（演示）", seed=7))


@pytest.mark.parametrize("change, status, code", [
    (lambda b, ctx: {**b, "business_code": "no_such_business"}, 404, "business_not_found"),
    (lambda b, ctx: {**b, "property_id": ctx["someone_elses"]}, 404, "property_not_found"),
    (lambda b, ctx: {**b, "property_id": ctx["unmortgaged"]}, 409, "no_mortgage"),
    (lambda b, ctx: {**b, "form": {**b["form"], "applicant_name": "别人"}}, 422, "field_not_editable"),
    (lambda b, ctx: {**b, "form": {"phone": "12345"}}, 422, "field_invalid"),
    (lambda b, ctx: {**b, "form": {}}, 422, "field_missing"),
    (lambda b, ctx: {**b, "form": {**b["form"], "password": "x"}}, 422, "field_unknown"),
    (lambda b, ctx: {**b, "form": {"phone": "13900000023\n"}}, 201, None),  # trailing whitespace is trimmed
    (lambda b, ctx: {**b, "materials": b["materials"][:2]}, 422, "material_missing"),
    (lambda b, ctx: {**b, "materials": b["materials"] + [b["materials"][0]]}, 422, "material_repeated"),
    (lambda b, ctx: {**b, "materials": [{**b["materials"][1], "pages": 1}] + b["materials"][::2]}, 422,
     "material_pages"),
    (lambda b, ctx: {**b, "materials": b["materials"] + [{"code": "mortgage_release", "sha256": "0" * 64,
                                                          "pages": 1}]}, 422, "material_fetched"),
    (lambda b, ctx: {**b, "materials": [{**b["materials"][0], "sha256": "ab" * 32}] + b["materials"][1:]}, 409,
     "material_not_uploaded"),
    (lambda b, ctx: {**b, "materials": [{**b["materials"][0], "sha256": ctx["other_kiosks"]}] + b["materials"][1:]},
     409, "material_not_uploaded"),
    (lambda b, ctx: {**b, "signature": "forged"}, 422, None),
])
def test_bad_input_gets_a_clear_refusal_and_changes_nothing(client, obama, locker, home, db, change, status, code):
    body = mortgage_cancellation(client, obama, home.property_id)
    someone_elses = db.scalar(select(Property.property_id).where(Property.id_number != OBAMA))
    mortgaged = set(db.scalars(select(PropertyRestriction.property_id).where(PropertyRestriction.kind == "mortgage")))
    unmortgaged = db.scalar(select(Property.property_id).where(Property.id_number == OBAMA,
                                                               Property.property_id.not_in(mortgaged)))
    ctx = {"someone_elses": someone_elses, "unmortgaged": unmortgaged,
           "other_kiosks": _other_kiosk_upload(client, locker) if code == "material_not_uploaded" else None}
    before = _counts(db)
    answer = _submit(client, obama, change(body, ctx))
    assert answer.status_code == status, answer.text
    if status == 201:
        return
    if code:
        error = answer.json()["error"]
        assert error["code"] == code and error["message"]
        assert "欧阳明" not in error["message"] and OBAMA not in error["message"]  # no personal data echoed
    assert _counts(db) == before


def test_forged_oversized_and_other_kiosks_requests_are_refused(client, obama, hall, credentials, token_for, home,
                                                                db):
    body = mortgage_cancellation(client, obama, home.property_id)
    before = _counts(db)
    no_key = client.post("/v1/applications", headers={"X-Applicant-Token": obama["X-Applicant-Token"], **key()},
                         json=body)
    assert no_key.status_code == 401
    forged = _submit(client, {**obama, "Authorization": "Bearer " + uuid.uuid4().hex}, body)
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "unknown_kiosk"
    bank = {"Authorization": f"Bearer {credentials['demo-bank-01']}"}
    # The hall's applicant token presented by another kiosk: not valid there.
    stolen = _submit(client, {**bank, "X-Applicant-Token": obama["X-Applicant-Token"]}, body)
    assert stolen.status_code == 401 and stolen.json()["error"]["code"] == "token_invalid"
    no_token = client.post("/v1/applications", headers={**hall, **key()}, json=body)
    assert no_token.status_code == 422
    no_idempotency = client.post("/v1/applications", headers=obama, json=body)
    assert no_idempotency.status_code == 422
    huge = {**body, "form": {"phone": "13900000023", "note": "字" * 30_000}}
    oversized = _submit(client, obama, huge)
    assert oversized.status_code == 413
    assert _counts(db) == before


def test_an_application_is_the_applicants_at_any_kiosk_and_nobody_elses(client, obama, credentials, token_for, home):
    number = _submit(client, obama, mortgage_cancellation(client, obama, home.property_id)).json()["application_no"]
    bank = {"Authorization": f"Bearer {credentials['demo-bank-01']}"}
    elsewhere = {**bank, "X-Applicant-Token": token_for(OBAMA, bank)}  # the same person, verified at another kiosk
    assert client.get(f"/v1/applications/{number}", headers=elsewhere).json()["application_no"] == number
    someone_else = {**obama, "X-Applicant-Token": token_for(KIT)}
    for path in (f"/v1/applications/{number}", f"/v1/applications/{number}/receipt", f"/v1/cases/{number}"):
        refused = client.get(path, headers=someone_else)
        assert refused.status_code == 404, path
    correction = client.post(f"/v1/applications/{number}/corrections", headers={**someone_else, **key()},
                             json={"materials": [{"code": "certificate_original", "sha256": "a" * 64, "pages": 2}]})
    assert correction.status_code == 404


def test_the_receipt_lists_the_materials_the_time_limit_and_a_qr_that_opens_the_case(client, obama, token_for,
                                                                                       home, db):
    number = _submit(client, obama, mortgage_cancellation(client, obama, home.property_id)).json()["application_no"]
    receipt = client.get(f"/v1/applications/{number}/receipt", headers=obama)
    assert receipt.status_code == 200, receipt.text
    data = receipt.json()
    today = today_in_china()
    assert data["application_no"] == number and data["document"] == "acceptance_receipt"
    assert data["time_limit_working_days"] == 5 and data["received_on"] == today.isoformat()
    assert data["deadline"] == workdays.add_working_days(today, 5).due.isoformat()
    how = {m["code"]: (m["how"], m["pages"]) for m in data["materials"]}
    assert how == {"id_copy": ("fetched", None), "registration_record": ("fetched", None),
                   "mortgage_release": ("fetched", None), "mortgage_certificate": ("captured", 1),
                   "certificate_original": ("captured", 2), "application_form": ("signed_form", 1)}
    person = db.get(Person, OBAMA)
    assert person.name not in str(data) and OBAMA not in str(data)  # masked on the printout's data
    assert data["applicant_name_masked"].startswith(person.name[0]) and data["id_number_masked"].endswith(OBAMA[-4:])

    qr = data["qr_url"]
    assert qr.startswith(f"http://testserver/applications/{number}?c=")
    opened = client.post("/v1/applications/scan", headers=obama, json={"qr": qr})
    assert opened.status_code == 200 and opened.json()["case"]["case_id"] == number
    forged = qr[:-1] + ("0" if qr[-1] != "0" else "1")
    for bad in (forged, qr.replace(number, number[:-1] + str((int(number[-1]) + 1) % 10)), "http://x/y?c=1234567890"):
        refused = client.post("/v1/applications/scan", headers=obama, json={"qr": bad})
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "application_not_found"
    someone_else = {**obama, "X-Applicant-Token": token_for(KIT)}
    assert client.post("/v1/applications/scan", headers=someone_else, json={"qr": qr}).status_code == 404

    page = client.get(qr.removeprefix("http://testserver"))  # a phone opening the QR: the state, nothing personal
    assert page.status_code == 200 and number in page.text and "已提交" in page.text
    assert person.name not in page.text and home.address not in page.text
    assert client.get(forged.removeprefix("http://testserver")).status_code == 404


def test_a_pre_application_waits_for_the_halls_acceptance_to_start_its_time_limit(client, obama, home):
    contract = upload(client, obama, captured_material("存量房买卖合同（演示）", 2, seed=3))
    certificate = upload(client, obama, captured_material("不动产权证书（演示）", 2, seed=1))
    signed = upload(client, obama, captured_material("不动产登记申请书（演示，已签名）", seed=2))
    body = {"business_code": "second_hand_sale_pre_application", "property_id": home.property_id,
            "form": {"marital_status": "已婚", "price_yuan": "3200000", "phone": "13900000023"},
            "materials": [{"code": "sale_contract", "sha256": contract, "pages": 2},
                          {"code": "certificate_original", "sha256": certificate, "pages": 2},
                          {"code": "application_form", "sha256": signed, "pages": 1}]}
    answer = _submit(client, obama, body)
    assert answer.status_code == 201, answer.text
    number = answer.json()["application_no"]
    receipt = client.get(f"/v1/applications/{number}/receipt", headers=obama).json()
    assert receipt["document"] == "pre_acceptance_notice" and receipt["deadline"] is None
    assert receipt["deadline_from"] == "hall_acceptance" and receipt["time_limit_working_days"] == 10
    case = client.get(f"/v1/cases/{number}", headers=obama).json()
    assert case["deadline"] is None and case["application"]["deadline_from"] == "hall_acceptance"


def test_the_prefill_is_the_gateways_own_record(client, obama, home):
    answer = client.get("/v1/applications/prefill", headers=obama,
                        params={"business": "mortgage_cancellation", "property_id": home.property_id})
    assert answer.status_code == 200, answer.text
    fields = answer.json()["fields"]
    assert fields["property_address"] == home.address and fields["certificate_number"] == home.certificate_no
    assert fields["mortgagee"] == "中国建设银行 示范支行" and fields["applicant_id_number"] == OBAMA
    assert "phone" not in fields  # the applicant's to enter


def test_a_gateway_with_no_department_intake_takes_no_application(app, client, obama, home, db):
    import dataclasses

    body = mortgage_cancellation(client, obama, home.property_id)
    app.state.adapters = dataclasses.replace(app.state.adapters, departments={})
    before = _counts(db)
    answer = _submit(client, obama, body)
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "departments_unavailable"
    assert _counts(db) == before
    assert db.scalar(select(func.count()).select_from(MaterialUpload)) == 3  # the uploads stay for a later try

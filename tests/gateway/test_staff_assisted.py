"""Staff-assisted verification at the gateway: a registered staff member of the kiosk's hall, card or one-time QR code
plus PIN, vouches for an applicant; audited with staff id and reason; the attacks: wrong PINs lock the staff member
out, a used QR code or another hall's staff is refused, and the token opens only what the kiosk's policy lists."""
from __future__ import annotations

from sqlalchemy import select

from gateway import staff_assist
from gateway.audit_chain import verify_chain
from gateway.identity_policy import set_policy
from gateway.models import AuditEntry
from gateway.reference_store import ReferenceStore
from gateway.seed import register_kiosk
from gateway.staff_assist import DEMO_STAFF, StaffAssistedCheck, counts_per_staff, issue_qr, register_staff
from tests.gateway.conftest import OBAMA
from tests.gateway.test_api_core import assert_error

URL = "/v1/staff-assisted-verifications"


def body(**changes):
    return {"credential_kind": "card", "credential": DEMO_STAFF["card"], "pin": DEMO_STAFF["pin"],
            "id_number": OBAMA, "reason": "elderly", **changes}


def seeded(app, db):
    staff_assist.seed_demo_staff(db, app.state.settings.audit_seal_key)


def test_a_staff_card_and_pin_let_the_applicant_in_audited_and_counted(app, client, hall, db):
    seeded(app, db)
    answer = client.post(URL, json=body(reason="camera_failure"), headers=hall)
    assert answer.status_code == 201, answer.text
    data = answer.json()
    assert data["staff_id"] == "demo-staff-01" and "case_status" in data["services"]
    cases = client.get("/v1/cases", headers={**hall, "X-Applicant-Token": data["token"]})
    assert cases.status_code == 200 and cases.json()["cases"], cases.text
    entry = db.execute(select(AuditEntry).where(AuditEntry.action == "staff_assisted_verification")).scalar_one()
    assert entry.detail == {"staff_id": "demo-staff-01", "reason": "camera_failure"}
    assert OBAMA not in str(entry.subject) and OBAMA not in str(entry.detail)
    assert verify_chain(db).ok
    assert counts_per_staff(db) == [{"staff_id": "demo-staff-01", "total": 1, "elderly": 0, "disability": 0,
                                     "camera_failure": 1, "other": 0}]


def test_other_needs_words_and_no_numbers(app, client, hall, db):
    seeded(app, db)
    assert_error(client.post(URL, json=body(reason="other"), headers=hall), 422, "reason_text_required")
    assert_error(client.post(URL, json=body(reason="other", reason_text="tel 13800138000"), headers=hall), 422,
                 "invalid_reason_text")
    answer = client.post(URL, json=body(reason="other", reason_text="hand injury"), headers=hall)
    assert answer.status_code == 201, answer.text
    assert db.execute(select(StaffAssistedCheck.reason_text)).scalar_one() == "hand injury"


def test_wrong_pins_lock_the_staff_member_out_even_with_the_right_pin_after(app, client, hall, db):
    seeded(app, db)
    for left in (4, 3, 2, 1):
        answer = client.post(URL, json=body(pin="000000"), headers=hall)
        assert_error(answer, 403, "wrong_pin")
        assert answer.headers["X-Attempts-Left"] == str(left)
    assert_error(client.post(URL, json=body(pin="000000"), headers=hall), 429, "staff_locked")
    locked = client.post(URL, json=body(), headers=hall)
    assert_error(locked, 429, "staff_locked")
    assert int(locked.headers["Retry-After"]) > 0
    assert db.execute(select(StaffAssistedCheck)).first() is None
    actions = db.execute(select(AuditEntry.action).where(AuditEntry.action.like("staff_pin%"))).scalars().all()
    assert actions.count("staff_pin_wrong") == 4 and "staff_pin_locked" in actions


def test_a_staff_qr_code_works_once_and_a_replay_is_refused(app, client, hall, db):
    seeded(app, db)
    code = issue_qr(db, "demo-staff-01")
    first = client.post(URL, json=body(credential_kind="qr", credential=code), headers=hall)
    assert first.status_code == 201, first.text
    assert_error(client.post(URL, json=body(credential_kind="qr", credential=code), headers=hall), 403,
                 "credential_used")
    assert_error(client.post(URL, json=body(credential_kind="qr", credential="ASSIST1:made-up-code"), headers=hall),
                 403, "staff_unknown")
    assert db.execute(select(AuditEntry).where(AuditEntry.action == "staff_credential_replayed")).first()


def test_staff_of_another_hall_are_refused(app, client, db, hall):
    register_staff(db, ReferenceStore(app.state.settings.audit_seal_key, None), "bj-07", "beijing-hall", "135790",
                   "310115194211202341")
    assert_error(client.post(URL, json=body(credential="310115194211202341", pin="135790"), headers=hall), 403,
                 "staff_other_hall")
    assert_error(client.post(URL, json=body(credential="440305198001163458"), headers=hall), 403, "staff_unknown")


def test_the_policy_decides_where_the_method_may_be_used_and_what_it_opens(app, client, db):
    seeded(app, db)
    key = register_kiosk(db, "demo-hall-02", "hall")  # a real (not demo) kiosk of the demo hall
    db.commit()
    real = {"Authorization": f"Bearer {key}"}
    assert_error(client.post(URL, json=body(), headers=real), 403, "method_not_allowed")  # default: face only
    set_policy(db, "demo-hall-02", ["face", "staff_assisted"], staff_assisted_services=["case_status"])
    db.commit()
    answer = client.post(URL, json=body(), headers=real)
    assert answer.status_code == 201, answer.text
    assert answer.json()["services"] == ["case_status"]
    token = {**real, "X-Applicant-Token": answer.json()["token"]}
    cases = client.get("/v1/cases", headers=token)
    assert cases.status_code == 200, cases.text
    case_id = cases.json()["cases"][0]["case_id"]
    assert client.get(f"/v1/cases/{case_id}", headers=token).status_code == 200
    # The services the policy does not list are refused with this token.
    assert_error(client.get(f"/v1/cases/{case_id}/fees", headers=token), 403, "method_not_allowed")
    assert_error(client.post("/v1/proofs", headers={**token, "Idempotency-Key": "k1"},
                             json={"kind": "ownership"}), 403, "method_not_allowed")
    # The token route still refuses to mint staff_assisted on the kiosk's word.
    assert_error(client.post("/v1/applicant-tokens", headers=real, json={"id_number": OBAMA,
                                                                          "method": "staff_assisted"}),
                 403, "method_not_available")
    set_policy(db, "demo-hall-02", ["face"])
    db.commit()
    assert_error(client.get("/v1/cases", headers=token), 403, "method_not_allowed")  # withdrawn: refused at once


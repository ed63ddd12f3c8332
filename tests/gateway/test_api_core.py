"""Kiosk authentication, applicant tokens, cases and the error model, against SQLite and PostgreSQL."""
from __future__ import annotations

import dataclasses
import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gateway.app import create_app
from gateway.models import ApplicantToken, AuditEntry, Kiosk
from gateway.seed import register_kiosk
from tests.gateway.conftest import KIT, OBAMA


def assert_error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_health_needs_no_auth(client):
    assert client.get("/v1/health").json() == {"status": "ok"}


def test_missing_unknown_and_disabled_kiosk_are_refused(client, hall, db):
    assert_error(client.get("/v1/pickup-keys"), 401, "unauthorized")
    assert_error(client.get("/v1/cases", headers={"X-Applicant-Token": "t"}), 401, "unauthorized")
    assert_error(client.get("/v1/pickup-keys", headers={"Authorization": "Bearer nope"}), 401, "unknown_kiosk")
    kiosk = db.get(Kiosk, "demo-hall-01")
    kiosk.enabled = False
    db.commit()
    assert_error(client.get("/v1/pickup-keys", headers=hall), 403, "kiosk_disabled")


def test_token_refuses_a_bad_id_number_without_echoing_it(client, hall):
    bad = OBAMA[:-1] + "9"  # wrong check digit
    response = client.post("/v1/applicant-tokens", headers=hall, json={"id_number": bad, "method": "card_only_demo"})
    assert_error(response, 422, "invalid_id_number")
    assert bad not in response.text


def test_card_only_demo_method_is_refused_from_a_real_kiosk(client, db):
    key = register_kiosk(db, "hall-02", "hall")
    response = client.post("/v1/applicant-tokens", headers={"Authorization": f"Bearer {key}"},
                           json={"id_number": OBAMA, "method": "card_only_demo"})
    assert_error(response, 403, "method_not_allowed")


def test_token_is_bound_to_its_kiosk(client, token_for, credentials):
    token = token_for()
    other = {"Authorization": f"Bearer {credentials['demo-bank-01']}", "X-Applicant-Token": token}
    assert_error(client.get("/v1/cases", headers=other), 401, "token_invalid")


def test_token_is_stored_hashed_and_expires(client, token_for, hall, db):
    token = token_for()
    stored = db.execute(select(ApplicantToken)).scalars().all()
    assert len(stored) == 1 and stored[0].token_hash != token and token not in stored[0].token_hash
    stored[0].expires_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    db.commit()
    assert_error(client.get("/v1/cases", headers={**hall, "X-Applicant-Token": token}), 401, "token_expired")


def test_cases_cover_every_status_with_deadlines(client, obama):
    response = client.get("/v1/cases", headers=obama)
    assert response.status_code == 200
    cases = response.json()["cases"]
    assert {c["status"] for c in cases} == {"received", "under_review", "tax_assessed", "paid", "recorded",
                                            "certificate_ready", "collected", "rejected"}
    received = [c["received_on"] for c in cases]
    assert received == sorted(received, reverse=True)
    mortgage = next(c for c in cases if c["kind"] == "mortgage" and c["status"] == "under_review")
    assert mortgage["working_days_left"] is not None and mortgage["working_days_left"] <= 5
    extended = next(c for c in cases if c["extension_reason"])
    assert extended["status"] == "under_review" and extended["working_days_left"] > 5
    rejected = next(c for c in cases if c["status"] == "rejected")
    assert rejected["deadline"] is None and rejected["timeline"][-1] == {
        "status": "rejected", "at": rejected["timeline"][-1]["at"], "done": True}
    assert rejected["next_action"] == "contact_counter"
    paid = next(c for c in cases if c["status"] == "paid")
    flags = [(s["status"], s["done"]) for s in paid["timeline"]]
    assert flags[:4] == [("received", True), ("under_review", True), ("tax_assessed", True), ("paid", True)]
    assert flags[4:] == [("recorded", False), ("certificate_ready", False), ("collected", False)]
    for c in cases:
        if c["status"] in ("recorded", "certificate_ready", "collected", "rejected"):
            assert c["working_days_left"] is None


def test_one_case_and_another_persons_case(client, obama, token_for, hall):
    cases = client.get("/v1/cases", headers=obama).json()["cases"]
    one = client.get(f"/v1/cases/{cases[0]['case_id']}", headers=obama)
    assert one.json() == cases[0]
    kit = {**hall, "X-Applicant-Token": token_for(KIT)}
    assert_error(client.get(f"/v1/cases/{cases[0]['case_id']}", headers=kit), 404, "case_not_found")


def test_unknown_route_and_bad_body_answer_the_error_body(client, hall):
    assert_error(client.get("/v1/nothing-here", headers=hall), 404, "not_found")
    response = client.post("/v1/applicant-tokens", headers={**hall, "content-type": "application/json"},
                           content=b"{not json")
    assert_error(response, 422, "invalid_request")


def test_rate_limit_is_counted_in_the_database(engine, settings, credentials, hall):
    # Two apps over one database: the second sees the first one's count, as two gateway processes would.
    limited = dataclasses.replace(settings, rate_limit_per_minute=3, run_migrations=False)
    first, second = TestClient(create_app(limited, engine=engine)), TestClient(create_app(limited, engine=engine))
    answers = [first.get("/v1/pickup-keys", headers=hall).status_code,
               second.get("/v1/pickup-keys", headers=hall).status_code,
               first.get("/v1/pickup-keys", headers=hall).status_code]
    refused = second.get("/v1/pickup-keys", headers=hall)
    if answers != [200, 200, 200]:  # the minute rolled over between calls: the window restarted, so try again
        answers = [first.get("/v1/pickup-keys", headers=hall).status_code for _ in range(3)]
        refused = second.get("/v1/pickup-keys", headers=hall)
    assert answers == [200, 200, 200]
    assert_error(refused, 429, "rate_limited")
    assert int(refused.headers["Retry-After"]) >= 1


def test_audit_never_holds_a_full_id_number(client, obama, db):
    client.get("/v1/cases", headers=obama)
    client.post("/v1/identity-verifications", headers={"Authorization": obama["Authorization"]},
                json={"id_number": OBAMA, "method": "face", "live_encodings": [[0.01] * 128, [0.02] * 128],
                      "liveness": {"passed": True, "turn": True}})  # a refused decision is audited, masked
    entries = db.execute(select(AuditEntry)).scalars().all()
    assert entries and all(OBAMA not in repr((e.subject, e.detail)) for e in entries)
    assert any(e.action == "identity_decision" for e in entries)
    assert db.execute(select(func.count()).select_from(AuditEntry)
                      .where(AuditEntry.action == "applicant_authorised")).scalar_one() == 1

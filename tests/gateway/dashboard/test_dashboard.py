"""The staff dashboard over the real app: sign-in, roles, CSRF, kiosk health, alerts and commands."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from gateway.dashboard.auth import COOKIE_NAME, ensure_demo_staff
from gateway.dashboard.models import FleetAlert, StaffUser
from gateway.models import Kiosk, KioskCommand
from tests.gateway.dashboard.conftest import csrf_of, sign_in

PAPER_OUT = {"devices": {"receipt_printer": {"status": "media_out", "reason": "paper_out"},
                         "card_reader": "online"}, "stock": {"receipt_paper_pct": 0}, "heartbeat_interval_s": 30}
HEALTHY = {"devices": {"receipt_printer": "online", "card_reader": "online"}, "stock": {"receipt_paper_pct": 80},
           "heartbeat_interval_s": 30}


def kiosk_row(client, kiosk_id):
    data = client.get("/dashboard/api/fleet").json()
    return next(k for k in data["kiosks"] if k["kiosk_id"] == kiosk_id)


def open_alerts(db, kiosk_id):
    db.rollback()
    return {(a.kind, a.subject) for a in db.execute(select(FleetAlert).where(
        FleetAlert.kiosk_id == kiosk_id, FleetAlert.cleared_at.is_(None))).scalars()}


def test_pages_need_a_signed_in_staff_member(client):
    response = client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard/login"
    api = client.get("/dashboard/api/fleet")
    assert api.status_code == 401 and api.json()["error"]["code"] == "unauthorized"
    assert client.post("/dashboard/kiosks/demo-hall-01/commands", data={"kind": "in_service"},
                       follow_redirects=False).status_code == 303


def test_sign_in_sets_a_hardened_cookie_and_refuses_wrong_passwords(client):
    assert sign_in(client, "operator", "wrong-password").status_code == 401
    assert COOKIE_NAME not in client.cookies
    response = sign_in(client, "operator", "operator-demo-pass")
    assert response.status_code == 303
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(COOKIE_NAME))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert client.get("/dashboard").status_code == 200


def test_login_without_the_form_token_is_refused(client):
    client.get("/dashboard/login")
    response = client.post("/dashboard/login", data={"username": "operator", "password": "operator-demo-pass",
                                                     "csrf": "forged"}, follow_redirects=False)
    assert response.status_code == 400 and COOKIE_NAME not in client.cookies


def test_a_tampered_cookie_is_not_a_session(client):
    sign_in(client, "viewer", "viewer-demo-pass")
    token, signature = client.cookies[COOKIE_NAME].split(".")
    client.cookies.set(COOKIE_NAME, f"{token}.{'0' * len(signature)}", path="/dashboard")
    assert client.get("/dashboard/api/fleet").status_code == 401


def test_passwords_are_stored_as_scrypt_hashes(client, db):
    client.get("/dashboard/login")
    user = db.get(StaffUser, "operator")
    assert user.password_hash.startswith("scrypt$") and "operator-demo-pass" not in user.password_hash


def test_demo_staff_is_idempotent_and_only_for_demo_databases(credentials, db):
    ensure_demo_staff(db)
    ensure_demo_staff(db)
    assert db.execute(select(func.count()).select_from(StaffUser)).scalar_one() == 2
    db.execute(update(Kiosk).values(demo=False))
    db.execute(StaffUser.__table__.delete())
    db.commit()
    assert ensure_demo_staff(db) is False
    assert db.execute(select(func.count()).select_from(StaffUser)).scalar_one() == 0


def test_paper_out_turns_the_kiosk_red_and_raises_an_alert_that_clears(client, staff, hall, db):
    operator = staff("operator")
    assert kiosk_row(operator, "demo-hall-01")["colour"] == "grey"
    client.post("/v1/heartbeats", headers=hall, json=HEALTHY)
    assert kiosk_row(operator, "demo-hall-01")["colour"] == "green"
    client.post("/v1/heartbeats", headers=hall, json=PAPER_OUT)
    row = kiosk_row(operator, "demo-hall-01")
    assert row["colour"] == "red" and "receipt_printer: out of paper" in row["problems"]
    assert open_alerts(db, "demo-hall-01") == {("paper_low", "receipt_printer")}
    client.post("/v1/heartbeats", headers=hall, json=HEALTHY)
    assert kiosk_row(operator, "demo-hall-01")["colour"] == "green"
    assert open_alerts(db, "demo-hall-01") == set()


def test_device_failure_open_door_and_silence_raise_alerts(client, staff, hall, locker, db):
    operator = staff("operator")
    client.post("/v1/heartbeats", headers=hall, json={**HEALTHY, "devices": {"card_reader": "hardware_error"}})
    client.post("/v1/heartbeats", headers=locker, json={"devices": {"locker": "online"}, "heartbeat_interval_s": 10,
                                                        "doors_open": [{"compartment": "A03", "open_s": 300}]})
    operator.get("/dashboard/api/fleet")
    assert open_alerts(db, "demo-hall-01") == {("device_failed", "card_reader")}
    assert open_alerts(db, "demo-locker-01") == {("door_open", "A03")}
    # Three intervals (10 s each) without a heartbeat: silent.
    db.execute(update(Kiosk).where(Kiosk.kiosk_id == "demo-locker-01")
               .values(last_heartbeat_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=31)))
    db.commit()
    assert kiosk_row(operator, "demo-locker-01")["colour"] == "red"
    assert ("silent", "") in open_alerts(db, "demo-locker-01")


def test_operator_acknowledges_an_alert_and_a_viewer_cannot(client, staff, hall, db):
    client.post("/v1/heartbeats", headers=hall, json=PAPER_OUT)
    viewer, operator = staff("viewer"), staff("operator")
    page = viewer.get("/dashboard/alerts")
    alert_id = db.execute(select(FleetAlert.id)).scalar_one()
    db.rollback()
    assert "Acknowledge</button>" not in page.text
    refused = viewer.post(f"/dashboard/alerts/{alert_id}/ack", data={"csrf": csrf_of(viewer.get("/dashboard").text)})
    assert refused.status_code == 403
    no_csrf = operator.post(f"/dashboard/alerts/{alert_id}/ack", data={"csrf": "x"})
    assert no_csrf.status_code == 403
    page = operator.get("/dashboard/alerts")
    done = operator.post(f"/dashboard/alerts/{alert_id}/ack", data={"csrf": csrf_of(page.text)},
                         follow_redirects=False)
    assert done.status_code == 303
    db.expire_all()
    alert = db.get(FleetAlert, alert_id)
    assert alert.acked_by == "operator" and alert.acked_at is not None
    db.rollback()
    assert operator.get("/dashboard/api/fleet").json()["unacknowledged_alerts"] == 0


def test_commands_need_an_operator_and_a_form_token(staff, db):
    viewer, operator = staff("viewer"), staff("operator")
    page = viewer.get("/dashboard/kiosks/demo-hall-01")
    assert 'id="send-command"' not in page.text
    form = {"kind": "out_of_service", "message": "维护中", "csrf": csrf_of(page.text)}
    assert viewer.post("/dashboard/kiosks/demo-hall-01/commands", data=form).status_code == 403
    assert operator.post("/dashboard/kiosks/demo-hall-01/commands", data={**form, "csrf": "forged"}).status_code == 403
    bad = {**form, "csrf": csrf_of(operator.get("/dashboard/kiosks/demo-hall-01").text), "kind": "format_disk"}
    assert operator.post("/dashboard/kiosks/demo-hall-01/commands", data=bad).status_code == 400
    assert db.execute(select(func.count()).select_from(KioskCommand)).scalar_one() == 0


def test_a_command_goes_queued_delivered_done(client, staff, hall, db):
    operator = staff("operator")
    page = operator.get("/dashboard/kiosks/demo-hall-01")
    sent = operator.post("/dashboard/kiosks/demo-hall-01/commands",
                         data={"kind": "out_of_service", "message": "打印机维修", "csrf": csrf_of(page.text)},
                         follow_redirects=False)
    assert sent.status_code == 303

    def status():
        return operator.get("/dashboard/api/kiosks/demo-hall-01").json()["commands"][0]
    assert status()["status"] == "queued" and status()["message"] == "打印机维修"
    reply = client.post("/v1/heartbeats", headers=hall, json=HEALTHY).json()
    [command] = reply["commands"]
    assert command["kind"] == "out_of_service" and command["args"] == {"message": "打印机维修"}
    assert status()["status"] == "delivered"
    event = {"kind": "command_result", "occurred_at": dt.datetime.now(dt.timezone.utc).isoformat(),
             "payload": {"command_id": command["command_id"], "ok": True, "detail": "out of service"}}
    assert client.post("/v1/kiosk-events", headers={**hall, "Idempotency-Key": "r-1"}, json=event).status_code == 200
    client.post("/v1/heartbeats", headers=hall, json={**HEALTHY, "out_of_service": True})
    now = status()
    assert now["status"] == "done" and now["detail"] == "out of service"
    assert operator.get("/dashboard/api/kiosks/demo-hall-01").json()["kiosk"]["service"] == "out of service"


def test_upload_logs_is_a_dashboard_command(staff, db):
    operator = staff("operator")
    page = operator.get("/dashboard/kiosks/demo-bank-01")
    operator.post("/dashboard/kiosks/demo-bank-01/commands", data={"kind": "upload_logs", "csrf": csrf_of(page.text)})
    command = db.execute(select(KioskCommand)).scalar_one()
    assert command.kind == "upload_logs" and command.kiosk_id == "demo-bank-01"


def test_dashboard_is_not_in_the_kiosk_api_document(app):
    assert not [path for path in app.openapi()["paths"] if path.startswith("/dashboard")]


def test_pages_carry_security_headers(staff):
    response = staff("viewer").get("/dashboard")
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"


def test_an_uploaded_log_is_shown_to_signed_in_staff_only(client, staff, hall, db):
    operator = staff("operator")
    page = operator.get("/dashboard/kiosks/demo-hall-01")
    operator.post("/dashboard/kiosks/demo-hall-01/commands", data={"kind": "upload_logs", "csrf": csrf_of(page.text)})
    [command] = client.post("/v1/heartbeats", headers=hall, json=HEALTHY).json()["commands"]
    event = {"kind": "command_result", "occurred_at": dt.datetime.now(dt.timezone.utc).isoformat(),
             "payload": {"command_id": command["command_id"], "ok": True, "log": "WARNING 1101**********1235 x"}}
    client.post("/v1/kiosk-events", headers={**hall, "Idempotency-Key": "log-1"}, json=event)
    assert operator.get("/dashboard/api/kiosks/demo-hall-01").json()["commands"][0]["has_log"] is True
    log = operator.get(f"/dashboard/commands/{command['command_id']}/log")
    assert log.status_code == 200 and log.text == "WARNING 1101**********1235 x"
    assert client.get(f"/dashboard/commands/{command['command_id']}/log", follow_redirects=False).status_code == 303
    assert operator.get("/dashboard/commands/Cnone/log").status_code == 404


def test_sign_out_ends_the_session_on_the_server(staff):
    viewer = staff("viewer")
    cookie = viewer.cookies[COOKIE_NAME]
    page = viewer.get("/dashboard")
    signed_out = viewer.post("/dashboard/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert signed_out.status_code == 303
    viewer.cookies.set(COOKIE_NAME, cookie, path="/dashboard")  # a copied cookie is worthless afterwards
    assert viewer.get("/dashboard/api/fleet").status_code == 401


def test_staff_actions_are_in_the_hash_chained_audit_log(client, staff, hall, db):
    from gateway.audit_chain import verify_chain
    from gateway.models import AuditEntry
    operator = staff("operator")
    page = operator.get("/dashboard/kiosks/demo-hall-01")
    operator.post("/dashboard/kiosks/demo-hall-01/commands", data={"kind": "reload_config", "csrf": csrf_of(page.text)})
    client.post("/v1/heartbeats", headers=hall, json=PAPER_OUT)
    operator.get("/dashboard/api/fleet")
    alert_id = db.execute(select(FleetAlert.id)).scalar_one()
    db.rollback()
    operator.post(f"/dashboard/alerts/{alert_id}/ack", data={"csrf": csrf_of(operator.get("/dashboard/alerts").text)})
    actions = {(a.actor, a.action) for a in db.execute(select(AuditEntry)).scalars()}
    assert {("staff:operator", "staff_signed_in"), ("staff:operator", "command_queued"),
            ("staff:operator", "alert_acknowledged")} <= actions
    db.rollback()
    assert verify_chain(db).ok

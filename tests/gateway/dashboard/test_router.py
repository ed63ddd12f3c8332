"""Dashboard routes against hostile input (integer path parameters beyond any row id) and the admin's kiosk actions."""
from __future__ import annotations

from tests.gateway.dashboard.conftest import csrf_of


def test_an_alert_id_beyond_any_row_id_is_a_clear_422_not_a_500(staff):
    operator = staff("operator")
    csrf = csrf_of(operator.get("/dashboard").text)
    for alert_id in ("99999999999999999999", str(2 ** 63), str(2 ** 31), "-1", "0"):
        response = operator.post(f"/dashboard/alerts/{alert_id}/ack", data={"csrf": csrf}, follow_redirects=False)
        assert response.status_code == 422, (alert_id, response.status_code)
    biggest = operator.post(f"/dashboard/alerts/{2 ** 31 - 1}/ack", data={"csrf": csrf}, follow_redirects=False)
    assert biggest.status_code == 404


def _admin_client(app):
    from fastapi.testclient import TestClient

    from gateway.dashboard.auth import create_staff
    from gateway.db import make_sessionmaker
    from tests.gateway.dashboard.conftest import sign_in

    with make_sessionmaker(app.state.engine)() as db:
        create_staff(db, "chief", "the admin's long password", "admin")
    client = TestClient(app)
    assert sign_in(client, "chief", "the admin's long password").status_code == 303
    return client


def test_an_admin_disables_re_enables_and_re_keys_a_kiosk(app, client, hall, db):
    from sqlalchemy import select

    from gateway.models import AuditEntry

    admin = _admin_client(app)
    page = admin.get("/dashboard/kiosks/demo-hall-01")
    assert 'id="rotate-key"' in page.text
    csrf = csrf_of(page.text)
    assert admin.post("/dashboard/kiosks/demo-hall-01/disable", data={"csrf": csrf},
                      follow_redirects=False).status_code == 303
    assert client.post("/v1/heartbeats", json={}, headers=hall).json()["error"]["code"] == "kiosk_disabled"
    assert admin.post("/dashboard/kiosks/demo-hall-01/enable", data={"csrf": csrf},
                      follow_redirects=False).status_code == 303
    assert client.post("/v1/heartbeats", json={}, headers=hall).status_code == 200
    rotated = admin.post("/dashboard/kiosks/demo-hall-01/rotate-key", data={"csrf": csrf})
    assert rotated.status_code == 200 and rotated.headers["cache-control"] == "no-store"
    new_key = rotated.text.split("no longer works): ", 1)[1].split("<", 1)[0].strip()
    assert client.post("/v1/heartbeats", json={}, headers=hall).status_code == 401
    assert client.post("/v1/heartbeats", json={}, headers={"Authorization": f"Bearer {new_key}"}).status_code == 200
    actions = [(e.actor, e.action, e.subject) for e in db.execute(select(AuditEntry).where(
        AuditEntry.actor == "staff:chief", AuditEntry.subject == "demo-hall-01").order_by(AuditEntry.id)).scalars()]
    assert actions == [("staff:chief", "kiosk_disabled", "demo-hall-01"), ("staff:chief", "kiosk_enabled", "demo-hall-01"),
                       ("staff:chief", "kiosk_key_rotated", "demo-hall-01")]


def test_an_operator_cannot_disable_or_re_key_a_kiosk(staff, client, hall):
    operator = staff("operator")
    page = operator.get("/dashboard/kiosks/demo-hall-01")
    assert 'id="rotate-key"' not in page.text
    csrf = csrf_of(page.text)
    for action in ("disable", "rotate-key"):
        refused = operator.post(f"/dashboard/kiosks/demo-hall-01/{action}", data={"csrf": csrf})
        assert refused.status_code == 403 and "Only an admin" in refused.text
    assert client.post("/v1/heartbeats", json={}, headers=hall).status_code == 200


def test_an_admin_action_without_the_csrf_token_changes_nothing(app, client, hall):
    admin = _admin_client(app)
    assert admin.post("/dashboard/kiosks/demo-hall-01/disable", data={"csrf": "forged"}).status_code == 403
    assert client.post("/v1/heartbeats", json={}, headers=hall).status_code == 200

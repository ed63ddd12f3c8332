"""Call-staff requests at the gateway: a kiosk raises one, staff see it on /dashboard/help and close it there; the
time to arrival per hall; nothing but a step name and a hall place is accepted (no personal data)."""
from __future__ import annotations

import re

from gateway.help_requests import HelpRequest, hall_of
from gateway.models import AuditEntry
from tests.gateway.dashboard.conftest import csrf_of


def raise_one(client, hall, step="menu", location="一楼大厅 A区"):
    return client.post("/v1/help-requests", json={"step": step, "location": location}, headers=hall)


def test_a_request_is_listed_at_once_and_closed_by_the_staff_member_who_came(client, hall, staff, db):
    answer = raise_one(client, hall, step="flow:payment:Fees")
    assert answer.status_code == 201, answer.text
    request_id, number = answer.json()["request_id"], answer.json()["number"]
    assert re.fullmatch(r"H\d{4,}", number)

    operator = staff("operator")
    board = operator.get("/dashboard/api/help").json()
    assert [(r["number"], r["kiosk_id"], r["location"], r["step"]) for r in board["open"]] == \
        [(number, "demo-hall-01", "一楼大厅 A区", "flow:payment:Fees")]
    page = operator.get("/dashboard/help")
    assert number in page.text and "Waiting for staff" in page.text

    closed = operator.post(f"/dashboard/help/{request_id}/close", data={"csrf": csrf_of(page.text)},
                           follow_redirects=False)
    assert closed.status_code == 303
    board = operator.get("/dashboard/api/help").json()
    assert board["open"] == []
    assert [(r["number"], r["closed_by"]) for r in board["closed"]] == [(number, "operator")]
    row = db.get(HelpRequest, request_id)
    assert row.wait_s is not None and row.wait_s >= 0 and row.closed_by == "operator"
    assert board["halls"] == [{"hall": "demo-hall", "count": 1, "mean_s": row.wait_s, "max_s": row.wait_s}]
    actions = [e.action for e in db.query(AuditEntry).order_by(AuditEntry.id)]
    assert "help_requested" in actions and "help_request_closed" in actions


def test_a_viewer_sees_requests_but_cannot_close_them(client, hall, staff):
    request_id = raise_one(client, hall).json()["request_id"]
    viewer = staff("viewer")
    page = viewer.get("/dashboard/help")
    assert "I am here: close" not in page.text
    refused = viewer.post(f"/dashboard/help/{request_id}/close", data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 403
    assert len(viewer.get("/dashboard/api/help").json()["open"]) == 1


def test_free_text_and_numbers_are_refused_and_change_nothing(client, hall, staff):
    for body in ({"step": "张三 110105196108041235", "location": ""},
                 {"step": "menu", "location": "call 13800138000"},
                 {"step": "menu", "location": "110105196108041235"},
                 {"step": "menu", "location": "x", "name": "张三"}):
        answer = client.post("/v1/help-requests", json=body, headers=hall)
        assert answer.status_code == 422, body
        assert "110105196108041235" not in answer.text and "13800138000" not in answer.text
    assert staff("operator").get("/dashboard/api/help").json()["open"] == []


def test_only_a_kiosk_may_call_and_only_staff_may_read(client):
    assert client.post("/v1/help-requests", json={"step": "menu"}).status_code == 401
    assert client.get("/dashboard/api/help").status_code == 401


def test_the_hall_is_the_kiosk_id_without_its_machine_number():
    assert hall_of("demo-hall-01") == "demo-hall"
    assert hall_of("bj-chaoyang-hall-12") == "bj-chaoyang-hall"
    assert hall_of("kiosk") == "kiosk"

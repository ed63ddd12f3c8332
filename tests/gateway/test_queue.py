"""Queue tickets and appointment check-in at the gateway with the simulated queue-management adapter: numbers per
business, people waiting ahead, calling the next one, an appointment checked in once, bad input refused."""
from __future__ import annotations

import dataclasses

from gateway import queue_system
from gateway.queue_system import QueueTicket
from tests.gateway.test_api_core import assert_error


def take(client, hall, business):
    answer = client.post("/v1/queue/tickets", json={"business": business}, headers=hall)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_tickets_count_the_people_waiting_ahead_per_business(client, hall, db):
    first, second = take(client, hall, "transfer"), take(client, hall, "transfer")
    enquiry = take(client, hall, "enquiry")
    assert (first["number"], first["waiting_ahead"]) == ("A001", 0)
    assert (second["number"], second["waiting_ahead"]) == ("A002", 1)
    assert (enquiry["number"], enquiry["waiting_ahead"], enquiry["window_area_zh"]) == ("D001", 0, "一楼咨询台")
    listed = {b["business"]: b["waiting"] for b in
              client.get("/v1/queue/businesses", headers=hall).json()["businesses"]}
    assert listed == {"transfer": 2, "mortgage": 0, "certificate": 0, "enquiry": 1}
    called = queue_system.call_next(db, "demo-hall", "transfer")
    assert called.number == "A001"
    third = take(client, hall, "transfer")
    assert (third["number"], third["waiting_ahead"]) == ("A003", 1)  # A002 is still waiting


def test_an_appointment_checks_in_once_into_its_own_queue(client, hall):
    code = "APPT1:DEMO-7"
    answer = client.post("/v1/queue/check-ins", json={"code": code}, headers=hall)
    assert answer.status_code == 201, answer.text
    ticket = answer.json()
    assert ticket["appointment"] is True and ticket["number"] == "Y001" and ticket["business"] == "mortgage"
    again = client.post("/v1/queue/check-ins", json={"code": code}, headers=hall).json()
    assert again["ticket_id"] == ticket["ticket_id"]  # the same ticket, not a second place in the queue
    assert_error(client.post("/v1/queue/check-ins", json={"code": "APPT1:NOSUCH-1"}, headers=hall), 404,
                 "appointment_unknown")
    assert_error(client.post("/v1/queue/check-ins", json={"code": "BDC2026000101"}, headers=hall), 422,
                 "not_an_appointment")


def test_bad_input_is_refused_and_changes_nothing(client, hall, db):
    assert_error(client.post("/v1/queue/tickets", json={"business": "lottery"}, headers=hall), 422,
                 "unknown_business")
    assert client.post("/v1/queue/tickets", json={"business": "enquiry", "name": "张三"}, headers=hall).status_code == 422
    assert client.post("/v1/queue/tickets", json={"business": "enquiry"}).status_code == 401
    assert db.query(QueueTicket).count() == 0


def test_a_production_gateway_has_no_simulated_queue(settings):
    import pytest
    from gateway.errors import ApiError

    with pytest.raises(ApiError) as refused:
        queue_system.queue_system(dataclasses.replace(settings, production=True))
    assert refused.value.status == 503


def test_the_dashboard_shows_who_waits_and_calls_the_next_one(client, hall, db, app, credentials):
    from fastapi.testclient import TestClient

    from tests.gateway.dashboard.conftest import csrf_of, sign_in

    take(client, hall, "transfer")
    take(client, hall, "transfer")
    with TestClient(app, base_url="http://testserver") as operator:
        assert sign_in(operator, "operator", "operator-demo-pass").status_code == 303
        page = operator.get("/dashboard/queue").text
        row = page[page.index('data-business="transfer"'):]
        assert '<td class="waiting">2</td>' in row[:row.index("</tr>")]
        called = operator.post("/dashboard/queue/call-next", data={"csrf": csrf_of(page), "hall": "demo-hall",
                                                                    "business": "transfer", "appointment": "no"},
                               follow_redirects=False)
        assert called.status_code == 303
        page = operator.get("/dashboard/queue").text
        row = page[page.index('data-business="transfer"'):]
        assert '<td class="waiting">1</td>' in row[:row.index("</tr>")]
    assert take(client, hall, "transfer")["waiting_ahead"] == 1  # A002 still waits; A001 was called

"""好差评 at the gateway: ratings of every level arrive as outbox events and reach the dashboard's statistics per hall
and per service; low ratings list their reasons; a call-back's phone number is stored only encrypted, shown to an
operator on a deliberate (audited) request; a rating carrying anything else is refused."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import text

from gateway.ratings import RatingCallback, ServiceRating
from tests.gateway.dashboard.conftest import csrf_of

PHONE = "13800138000"


def rate(client, hall, level, service="case_status", reasons=(), callback=False, rating_id=None, at=None, **extra):
    rating_id = rating_id or str(uuid.uuid4())
    payload = {"rating_id": rating_id, "service": service, "site": "demo-hall-01", "level": level,
               "reasons": list(reasons), "outcome": "finished", "callback": callback, **extra}
    answer = client.post("/v1/kiosk-events", headers={**hall, "Idempotency-Key": f"rating:{rating_id}"},
                         json={"kind": "service_rating", "payload": payload,
                               "occurred_at": at or dt.datetime.now(dt.timezone.utc).isoformat()})
    return rating_id, answer


def test_every_level_reaches_the_statistics_per_hall_and_per_service(client, hall, staff):
    for level in (5, 4, 3, 2, 1):
        assert rate(client, hall, level)[1].status_code == 200
    assert rate(client, hall, 5, service="transfers")[1].status_code == 200
    stats = staff("viewer").get("/dashboard/api/ratings").json()
    assert stats["levels"] == {"5": 2, "4": 1, "3": 1, "2": 1, "1": 1}
    [hall_row] = [g for g in stats["groups"] if g["by"] == "hall"]
    assert (hall_row["name"], hall_row["count"], hall_row["mean"], hall_row["satisfied_pct"]) == \
        ("demo-hall", 6, round(20 / 6, 2), 50)
    by_service = {g["name"]: g for g in stats["groups"] if g["by"] == "service"}
    assert by_service["case_status"]["levels"] == {"5": 1, "4": 1, "3": 1, "2": 1, "1": 1}
    assert by_service["transfers"]["count"] == 1 and by_service["transfers"]["mean"] == 5
    page = staff("viewer").get("/dashboard/ratings").text
    assert 'data-level="1"' in page and "非常不满意" in page


def test_low_ratings_list_their_reasons_and_a_call_back_is_kept_encrypted(client, hall, staff, db):
    rating_id, answer = rate(client, hall, 1, reasons=["wait_long", "machine_fault"], callback=True)
    assert answer.status_code == 200, answer.text
    called = client.post("/v1/rating-callbacks", headers={**hall, "Idempotency-Key": f"callback:{rating_id}"},
                         json={"rating_id": rating_id, "phone": PHONE})
    assert called.status_code == 204, called.text
    [low] = staff("viewer").get("/dashboard/api/ratings").json()["low"]
    assert (low["reasons"], low["callback"], low["callback_done"]) == (["machine_fault", "wait_long"], True, False)
    # The number is in no table in clear: not the call-back's, not the events', not the audit log.
    for table in ("rating_callbacks", "kiosk_events", "audit_log", "service_ratings"):
        dump = " ".join(str(row) for row in db.execute(text(f"SELECT * FROM {table}")))
        # Pieces of it too (a number kept half masked); long enough not to turn up by chance in the hashes' hex.
        assert [piece for piece in (PHONE, PHONE[:7], PHONE[-8:]) if piece in dump.replace(" ", "")] == [], table
    row = db.get(RatingCallback, rating_id)
    assert bytes(row.phone_sealed).startswith(b"enc1:")

    viewer = staff("viewer")
    assert "Show the number" not in viewer.get("/dashboard/ratings").text
    operator = staff("operator")
    page = operator.get("/dashboard/ratings").text
    assert PHONE not in page
    shown = operator.post(f"/dashboard/ratings/{rating_id}/callback-number", data={"csrf": csrf_of(page)})
    assert shown.status_code == 200 and PHONE in shown.text
    done = operator.post(f"/dashboard/ratings/{rating_id}/called", data={"csrf": csrf_of(page)},
                         follow_redirects=False)
    assert done.status_code == 303
    assert operator.get("/dashboard/api/ratings").json()["low"][0]["callback_done"] is True
    actions = [r[0] for r in db.execute(text("SELECT action FROM audit_log ORDER BY id"))]
    assert "rating_callback_phone_read" in actions and "rating_callback_done" in actions


def test_a_rating_with_anything_about_the_person_is_refused_and_changes_nothing(client, hall, staff, db):
    for extra in ({"name": "张三"}, {"phone": PHONE}):
        assert rate(client, hall, 2, **extra)[1].status_code == 422
    assert rate(client, hall, 6)[1].status_code == 422
    assert rate(client, hall, 2, reasons=["张三 13800138000"])[1].status_code == 422
    bad = client.post("/v1/rating-callbacks", headers={**hall, "Idempotency-Key": "callback:x1234567"},
                      json={"rating_id": str(uuid.uuid4()), "phone": "call me"})
    assert bad.status_code == 422 and "call me" not in bad.text
    assert db.query(ServiceRating).count() == 0 and db.query(RatingCallback).count() == 0


def test_the_same_rating_delivered_twice_counts_once(client, hall, staff):
    at = dt.datetime.now(dt.timezone.utc).isoformat()
    rating_id, first = rate(client, hall, 4, at=at)
    _, again = rate(client, hall, 4, rating_id=rating_id, at=at)  # the outbox sends the same event again
    assert (first.json()["status"], again.json()["status"]) == ("accepted", "duplicate")
    assert staff("viewer").get("/dashboard/api/ratings").json()["levels"]["4"] == 1

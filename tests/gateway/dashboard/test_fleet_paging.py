"""The fleet page of a large fleet: one page at a time, worst first, filtered by health and kiosk id."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import insert

from gateway.dashboard.router import PAGE_ROWS
from gateway.models import Kiosk, utcnow

FLEET = 2 * PAGE_ROWS + 37


def _add_fleet(db) -> None:
    now = utcnow()
    rows = []
    for i in range(FLEET):
        devices = {"receipt_printer": {"status": "media_out" if i % 50 == 0 else "online", "reason": ""}}
        rows.append({"kiosk_id": f"hall-{i:05d}", "site_kind": "hall", "enabled": True, "demo": False,
                     "created_at": now, "api_key_hash": hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
                     "last_heartbeat_at": now, "devices": devices, "stock": {}, "outbox_depth": 0,
                     "heartbeat_extra": {"heartbeat_interval_s": 30}})
    db.execute(insert(Kiosk), rows)
    db.commit()


def test_a_large_fleet_is_shown_one_page_at_a_time_worst_first(staff, db):
    _add_fleet(db)
    viewer = staff("viewer")
    first = viewer.get("/dashboard/api/fleet").json()
    assert first["total"] == FLEET + 3  # and the three demo kiosks
    assert first["shown"] == PAGE_ROWS and first["page"] == 1 and first["pages"] == 3
    reds = [k["kiosk_id"] for k in first["kiosks"] if k["colour"] == "red"]
    assert reds == [f"hall-{i:05d}" for i in range(0, FLEET, 50)]  # out of paper: first
    last = viewer.get("/dashboard/api/fleet?page=3").json()
    assert last["shown"] == FLEET + 3 - 2 * PAGE_ROWS and last["first"] == 2 * PAGE_ROWS + 1
    beyond = viewer.get("/dashboard/api/fleet?page=99").json()
    assert beyond["page"] == 3  # past the end: the last page
    seen = {k["kiosk_id"] for p in (1, 2, 3) for k in viewer.get(f"/dashboard/api/fleet?page={p}").json()["kiosks"]}
    assert len(seen) == FLEET + 3  # every kiosk on exactly one page


def test_the_fleet_is_filtered_by_health_and_kiosk_id(staff, db):
    _add_fleet(db)
    viewer = staff("viewer")
    red = viewer.get("/dashboard/api/fleet?colour=red").json()
    assert red["matching"] == len(range(0, FLEET, 50)) and {k["colour"] for k in red["kiosks"]} == {"red"}
    one = viewer.get("/dashboard/api/fleet?q=hall-0012").json()
    assert [k["kiosk_id"] for k in one["kiosks"]] == [f"hall-{i:05d}" for i in range(120, 130)]
    unknown_colour = viewer.get("/dashboard/api/fleet?colour=purple").json()
    assert unknown_colour["matching"] == FLEET + 3  # an unknown colour filters nothing


def test_the_page_links_keep_the_filter(staff, db):
    _add_fleet(db)
    page = staff("viewer").get("/dashboard?colour=green&page=2")
    assert page.status_code == 200
    assert 'href="/dashboard?page=3&amp;colour=green"' in page.text or 'href="/dashboard?page=3&colour=green"' in page.text
    assert 'href="/dashboard?page=1&amp;colour=green"' in page.text or 'href="/dashboard?page=1&colour=green"' in page.text
    assert page.text.count('<tr id="kiosk-') == PAGE_ROWS

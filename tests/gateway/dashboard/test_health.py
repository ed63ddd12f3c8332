"""Kiosk health from heartbeat columns: colours and alert conditions, table-driven, and fuzzed with hypothesis."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from gateway.dashboard.health import COLOUR_ORDER, assess
from gateway.models import Kiosk

NOW = dt.datetime(2026, 11, 23, 4, 0, tzinfo=dt.timezone.utc)
RECENT = NOW - dt.timedelta(seconds=5)


@pytest.mark.parametrize("devices, stock, extra, colour, kinds", [
    ({"receipt_printer": "online"}, {"receipt_paper_pct": 70}, {}, "green", set()),
    ({"receipt_printer": "media_low"}, {}, {}, "amber", {("paper_low", "receipt_printer")}),
    ({"receipt_printer": {"status": "media_out", "reason": "paper_out"}}, {}, {}, "red",
     {("paper_low", "receipt_printer")}),
    ({"card_reader": "offline"}, {}, {}, "red", {("device_failed", "card_reader")}),
    ({"camera": "hardware_error"}, {}, {}, "red", {("device_failed", "camera")}),
    ({}, {"receipt_paper_pct": 10}, {}, "amber", {("paper_low", "receipt_printer")}),
    ({}, {"blank_certificates": 0}, {}, "red", {("paper_low", "blank_certificates")}),
    ({}, {}, {"doors_open": [{"compartment": "B2", "open_s": 30}]}, "green", set()),
    ({}, {}, {"doors_open": [{"compartment": "B2", "open_s": 121}]}, "red", {("door_open", "B2")}),
    ({}, {}, {"out_of_service": True}, "amber", set()),
])
def test_colour_and_conditions(devices, stock, extra, colour, kinds):
    health = assess("k1", RECENT, devices, stock, 0, extra, NOW)
    assert health.colour == colour
    assert {(c.kind, c.subject) for c in health.conditions} == kinds


def test_silence_is_three_of_the_kiosks_own_intervals():
    def silent(seconds, interval):
        h = assess("k1", NOW - dt.timedelta(seconds=seconds), {}, {}, 0, {"heartbeat_interval_s": interval}, NOW)
        return any(c.kind == "silent" for c in h.conditions)
    assert not silent(89, 30) and silent(91, 30)
    assert not silent(29, 10) and silent(31, 10)
    assert silent(91, "thirty")  # nonsense interval: the 30 s default


def test_never_reported_is_grey_without_alerts():
    health = assess("k1", None, None, None, None, None, NOW)
    assert health.colour == "grey" and health.conditions == []


json_leaf = (st.none() | st.booleans() | st.integers(-10 ** 12, 10 ** 12) | st.floats(allow_nan=False)
             | st.text(max_size=8))
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(max_size=8), inner, max_size=3), max_leaves=10)


@settings(max_examples=200, deadline=None)
@given(devices=st.dictionaries(st.text(max_size=12), json_value, max_size=4),
       stock=st.dictionaries(st.sampled_from(["receipt_paper_pct", "blank_certificates", "x"]), json_value),
       extra=st.dictionaries(st.sampled_from(["doors_open", "heartbeat_interval_s", "out_of_service", "y"]),
                             json_value),
       outbox=st.none() | st.integers(0, 10 ** 9), age=st.floats(0, 10 ** 6))
def test_any_stored_heartbeat_gives_a_colour_and_never_raises(devices, stock, extra, outbox, age):
    health = assess("k1", NOW - dt.timedelta(seconds=age), devices, stock, outbox, extra, NOW)
    assert health.colour in COLOUR_ORDER
    assert all(len(c.detail) < 400 for c in health.conditions)


def test_the_snapshot_rereads_only_kiosks_that_beat_and_matches_a_full_read(client, hall, db):
    from gateway.dashboard.alerts import FleetSnapshot, fleet_health

    snapshot = FleetSnapshot()
    def colours(health):
        return {h.kiosk_id: h.colour for h in health}
    first = colours(snapshot.health(db, NOW))
    db.rollback()
    client.post("/v1/heartbeats", headers=hall, json={"devices": {"receipt_printer": "media_out"}})
    again = snapshot.health(db)
    db.rollback()
    assert colours(again) == colours(fleet_health(db)) and first["demo-hall-01"] == "grey"
    assert colours(again)["demo-hall-01"] == "red"
    db.rollback()


def test_the_snapshot_keeps_what_a_heartbeat_reported_but_not_its_silence(client, hall, db):
    """The snapshot keeps each kiosk's assessed report between reads; silence, which only time changes, is worked
    out again at every read, so a kiosk that stops reporting turns red without a new row."""
    from gateway.dashboard.alerts import FleetSnapshot, fleet_health

    client.post("/v1/heartbeats", headers=hall, json={"devices": {"receipt_printer": "media_low"},
                                                      "heartbeat_interval_s": 10})
    snapshot = FleetSnapshot()
    beat = db.get(Kiosk, "demo-hall-01").last_heartbeat_at
    db.rollback()

    def hall_health(health):
        return next(h for h in health if h.kiosk_id == "demo-hall-01")
    for later_s, colour in ((5, "amber"), (31, "red"), (5, "amber")):  # 3 intervals of 10 s, then back in time
        now = beat + dt.timedelta(seconds=later_s)
        kept, fresh = hall_health(snapshot.health(db, now)), hall_health(fleet_health(db, now))
        db.rollback()
        assert kept.colour == fresh.colour == colour
        assert [(c.kind, c.subject, c.detail) for c in kept.conditions] == \
               [(c.kind, c.subject, c.detail) for c in fresh.conditions]
    assert [c.kind for c in hall_health(snapshot.health(db, beat + dt.timedelta(seconds=31))).conditions] == [
        "silent", "paper_low"]

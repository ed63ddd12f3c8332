"""Audit records: kept sealed locally and queued for the gateway in the same transaction."""
from __future__ import annotations

from tests.offline_cache.conftest import file_bytes


def test_record_is_kept_and_queued(offline, db_path):
    entry = offline.audit.record("compartment_loaded", "staff-0042", {"compartment": "A1", "case_id": "BDC-9"})
    assert [(e.action, e.actor, e.details) for e in offline.audit.entries()] == [
        ("compartment_loaded", "staff-0042", {"compartment": "A1", "case_id": "BDC-9"})]
    queued = offline.outbox.due()
    assert [(q.kind, q.payload) for q in queued] == [
        ("audit", {"action": "compartment_loaded", "actor": "staff-0042", "details": {"compartment": "A1",
                                                                                      "case_id": "BDC-9"}})]
    assert queued[0].occurred_at.startswith("2027-01-15T08:00:00")  # the fixture clock, in UTC
    offline.store.checkpoint()
    assert b"BDC-9" not in file_bytes(db_path)
    assert entry.seq == 1


def test_entries_since(offline, clock):
    offline.audit.record("a", "kiosk")
    clock.now += 100
    offline.audit.record("b", "kiosk")
    assert [e.action for e in offline.audit.entries(since=clock.now - 50)] == ["b"]

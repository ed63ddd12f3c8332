"""Locker compartments and pickup-code revocations, and composing a pickup with its outbox event."""
from __future__ import annotations

import pytest

from tests.offline_cache.conftest import file_bytes

CONTENTS = {"case_id": "BDC-2026-0042", "digits_sha256": "ab" * 32, "exp": 1_900_000_000}


def test_compartments_start_empty_and_load(offline):
    offline.locker.ensure(["A1", "A2"])
    offline.locker.ensure(["A1", "A2", "B1"])
    assert [(c.label, c.state) for c in offline.locker.all()] == [("A1", "empty"), ("A2", "empty"), ("B1", "empty")]
    offline.locker.load("A2", "code-7", CONTENTS)
    c = offline.locker.by_code("code-7")
    assert (c.label, c.state, c.contents) == ("A2", "loaded", CONTENTS)


def test_loading_a_full_compartment_refused(offline):
    offline.locker.load("A1", "code-1", CONTENTS)
    with pytest.raises(ValueError, match="not empty"):
        offline.locker.load("A1", "code-2", CONTENTS)
    assert offline.locker.get("A1").code_id == "code-1"


def test_contents_sealed_at_rest(offline, db_path):
    offline.locker.load("A1", "code-1", CONTENTS)
    offline.store.checkpoint()
    assert b"BDC-2026-0042" not in file_bytes(db_path)


def test_pickup_and_its_event_commit_together(offline):
    offline.locker.load("A1", "code-1", CONTENTS)
    with offline.store.write():
        offline.locker.empty("A1")
        offline.outbox.enqueue("pickup_done", {"code_id": "code-1", "compartment": "A1"})
    assert offline.locker.get("A1").state == "empty" and offline.locker.get("A1").contents is None
    assert offline.locker.by_code("code-1") is None
    assert [e.kind for e in offline.outbox.due()] == ["pickup_done"]


def test_out_of_order_and_back(offline):
    offline.locker.load("A1", "code-1", CONTENTS)
    offline.locker.set_out_of_order("A1", True)
    offline.locker.empty("A1")  # a jammed door is not emptied by a pickup attempt
    assert offline.locker.get("A1").state == "out_of_order"
    offline.locker.set_out_of_order("A1", False)
    assert offline.locker.get("A1").state == "loaded"


def test_revocations(offline):
    assert not offline.locker.is_revoked("code-1")
    offline.locker.revoke("code-1", "reissued", expires_at=2_000_000_000)
    offline.locker.revoke("code-1", "again")
    assert offline.locker.is_revoked("code-1")

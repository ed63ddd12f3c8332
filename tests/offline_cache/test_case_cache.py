"""Cached case status: keyed by HMAC, sealed with a per-person key, opened only after a fresh verification."""
from __future__ import annotations

import pytest

from offline_cache.errors import NotVerified
from tests.offline_cache.conftest import ID_NUMBER, NAME, file_bytes

CASES = [{"case_id": "BDC-2026-0001", "kind": "transfer", "title": "二手房转移登记 " + NAME, "status": "under_review",
          "received_on": "2026-11-02", "deadline": "2026-11-16", "working_days_left": 5, "extension_reason": None,
          "next_action": None, "timeline": [{"status": "received", "at": "2026-11-02T09:00:00+08:00", "done": True}]}]


def test_put_then_get_after_fresh_verification(offline, clock):
    offline.cases.put(ID_NUMBER, CASES, fetched_at=clock.now - 3600)
    cached = offline.cases.get(ID_NUMBER, verified_at=clock.now - 10)
    assert list(cached.cases) == CASES
    assert cached.age_s(clock.now) == pytest.approx(3600)


@pytest.mark.parametrize("verified_ago", [None, 301, 86400, -5])
def test_refused_without_a_fresh_verification(offline, clock, verified_ago):
    offline.cases.put(ID_NUMBER, CASES)
    verified_at = None if verified_ago is None else clock.now - verified_ago
    with pytest.raises(NotVerified, match=r"cached case status needs a fresh identity verification"):
        offline.cases.get(ID_NUMBER, verified_at=verified_at)


def test_other_person_sees_nothing(offline, clock):
    offline.cases.put(ID_NUMBER, CASES)
    assert offline.cases.get("310115194211202341", verified_at=clock.now) is None


def test_nothing_personal_readable_in_the_file(offline, db_path):
    offline.cases.put(ID_NUMBER, CASES)
    offline.store.checkpoint()
    raw = file_bytes(db_path)
    for secret in (ID_NUMBER, NAME, "BDC-2026-0001", "二手房"):
        assert secret.encode() not in raw
    subject = offline.store.query("SELECT subject FROM case_cache")[0][0]
    assert subject == offline.store.sealer.subject(ID_NUMBER) and ID_NUMBER not in subject


def test_entry_copied_to_another_subject_does_not_open(offline, clock):
    offline.cases.put(ID_NUMBER, CASES)
    other = "310115194211202341"
    offline.cases.put(other, [])
    with offline.store.write() as conn:
        sealed = conn.execute("SELECT sealed FROM case_cache WHERE subject = ?",
                              (offline.store.sealer.subject(ID_NUMBER),)).fetchone()[0]
        conn.execute("UPDATE case_cache SET sealed = ? WHERE subject = ?",
                     (sealed, offline.store.sealer.subject(other)))
    assert offline.cases.get(other, verified_at=clock.now) is None  # fails authentication and is dropped
    assert len(offline.cases) == 1


def test_put_replaces_and_forget_removes(offline, clock):
    offline.cases.put(ID_NUMBER, CASES)
    offline.cases.put(ID_NUMBER, [])
    assert offline.cases.get(ID_NUMBER, verified_at=clock.now).cases == ()
    offline.cases.forget(ID_NUMBER)
    assert offline.cases.get(ID_NUMBER, verified_at=clock.now) is None


def test_kiosk_case_objects_round_trip(offline, clock):
    from kiosk.cases import Case

    cases = tuple(Case.from_json(c) for c in CASES)
    offline.cases.put(ID_NUMBER, cases)
    cached = offline.cases.get(ID_NUMBER, verified_at=clock.now)
    assert tuple(Case.from_json(c) for c in cached.cases) == cases


def test_something_that_is_not_a_case_is_refused(offline):
    with pytest.raises(TypeError, match=r"^cannot cache a object$"):
        offline.cases.put(ID_NUMBER, [object()])
    assert len(offline.cases) == 0

"""The kiosk's audit hash chain: an untouched log verifies; each kind of tampering is found and named."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from offline_cache.audit import GENESIS_HASH, record_hash, verify_chain
from offline_cache.offline_store import OfflineStore
from offline_cache.retention import DAY_S
from offline_cache.store import Store
from tests.offline_cache.conftest import Clock


def _fill(offline, clock, n=5):
    for i in range(n):
        offline.audit.record(f"action_{i}", "staff-0042", {"i": i})
        clock.now += 10


def _raw(offline, sql, params=()):
    """Tampering as someone with write access to the SQLite file would do it, behind the log's back."""
    with offline.store.write() as conn:
        conn.execute(sql, params)


def _kinds(report):
    return [(p.kind, p.seq) for p in report.problems]


def test_records_are_chained_and_verify(offline, clock):
    _fill(offline, clock)
    rows = offline.store.query("SELECT seq, at, action, actor, details, prev_hash, hash FROM audit_log ORDER BY seq")
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0][5] == GENESIS_HASH
    for before, after in zip(rows, rows[1:]):
        assert after[5] == before[6]  # each record carries its predecessor's hash
    for seq, at, action, actor, sealed, prev, hash_ in rows:
        assert record_hash(seq, at, action, actor, sealed, prev) == hash_
    report = verify_chain(offline.store)
    assert report.ok and report.records == 5 and (report.first_seq, report.last_seq) == (1, 5)


def test_empty_log_verifies(offline):
    assert verify_chain(offline.store).ok


def test_changed_record_is_named(offline, clock):
    _fill(offline, clock)
    _raw(offline, "UPDATE audit_log SET actor = 'staff-9999' WHERE seq = 3")
    assert _kinds(verify_chain(offline.store)) == [("changed", 3)]


def test_changed_record_with_recomputed_hash_is_named(offline, clock):
    _fill(offline, clock)
    seq, at, _action, actor, sealed, prev = offline.store.query(
        "SELECT seq, at, action, actor, details, prev_hash FROM audit_log WHERE seq = 2")[0]
    forged = record_hash(seq, at, "harmless", actor, sealed, prev)
    _raw(offline, "UPDATE audit_log SET action = 'harmless', hash = ? WHERE seq = 2", (forged,))
    assert _kinds(verify_chain(offline.store)) == [("changed", 2)]


def test_whole_chain_rewritten_is_found_by_the_sealed_head(offline, clock):
    """Someone without the storage key recomputes every hash after a change: only the sealed head can tell."""
    _fill(offline, clock, 3)
    _raw(offline, "UPDATE audit_log SET actor = 'staff-9999' WHERE seq = 2")
    prev = offline.store.query("SELECT hash FROM audit_log WHERE seq = 1")[0][0]
    for seq, at, action, actor, sealed in offline.store.query(
            "SELECT seq, at, action, actor, details FROM audit_log WHERE seq >= 2 ORDER BY seq"):
        h = record_hash(seq, at, action, actor, sealed, prev)
        _raw(offline, "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, h, seq))
        prev = h
    report = verify_chain(offline.store)
    assert not report.ok and [p.kind for p in report.problems] == ["changed"]


def test_changed_details_fail_their_seal(offline, clock):
    _fill(offline, clock)
    other = offline.store.query("SELECT details FROM audit_log WHERE seq = 1")[0][0]
    seq, at, action, actor, prev = offline.store.query(
        "SELECT seq, at, action, actor, prev_hash FROM audit_log WHERE seq = 4")[0]
    _raw(offline, "UPDATE audit_log SET details = ?, hash = ? WHERE seq = 4",
         (other, record_hash(seq, at, action, actor, other, prev)))
    assert ("changed", 4) in _kinds(verify_chain(offline.store))


def test_removed_record_in_the_middle(offline, clock):
    _fill(offline, clock)
    _raw(offline, "DELETE FROM audit_log WHERE seq = 3")
    report = verify_chain(offline.store)
    assert _kinds(report) == [("removed", 3)]
    assert "3" in report.problems[0].message


def test_removed_first_record(offline, clock):
    _fill(offline, clock)
    _raw(offline, "DELETE FROM audit_log WHERE seq = 1")
    assert _kinds(verify_chain(offline.store)) == [("removed", 1)]


def test_removed_last_records(offline, clock):
    _fill(offline, clock)
    _raw(offline, "DELETE FROM audit_log WHERE seq >= 4")
    assert _kinds(verify_chain(offline.store)) == [("truncated", 4)]


def test_reordered_records(offline, clock):
    _fill(offline, clock)
    _raw(offline, "UPDATE audit_log SET seq = 100 WHERE seq = 2")
    _raw(offline, "UPDATE audit_log SET seq = 2 WHERE seq = 4")
    _raw(offline, "UPDATE audit_log SET seq = 4 WHERE seq = 100")
    assert _kinds(verify_chain(offline.store)) == [("reordered", 2), ("reordered", 4)]


def test_head_from_another_key_is_refused(offline, clock):
    _fill(offline, clock)
    _raw(offline, "UPDATE meta SET value = ? WHERE name = 'audit_head'", (json.dumps({"seq": 5}).encode().hex(),))
    assert [p.kind for p in verify_chain(offline.store).problems] == ["head_invalid"]


def test_retention_purge_keeps_the_chain_verifiable(offline, clock):
    _fill(offline, clock, 3)
    clock.now += 31 * DAY_S
    offline.audit.record("new", "kiosk")
    assert offline.purge().audit_log == 3
    report = verify_chain(offline.store)
    assert report.ok and (report.first_seq, report.purged_through) == (4, 3)
    offline.audit.record("newer", "kiosk")
    assert verify_chain(offline.store).ok
    _raw(offline, "DELETE FROM audit_log WHERE seq = 4")  # removing the oldest kept record is still found
    assert _kinds(verify_chain(offline.store)) == [("removed", 4)]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 7), data=st.data())
def test_any_single_tampering_is_found(n, data):
    """Property: whatever one record is removed, changed or swapped with another, the chain says so."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "kiosk.db", os.urandom(32), clock=Clock())
        try:
            offline = OfflineStore(store)
            for i in range(n):
                offline.audit.record(f"action_{i}", "kiosk", {"i": i})
            assert verify_chain(store).ok
            kind = data.draw(st.sampled_from(["delete", "actor", "at", "swap"]))
            i = data.draw(st.integers(1, n))
            if kind == "delete":
                _raw(offline, "DELETE FROM audit_log WHERE seq = ?", (i,))
            elif kind == "actor":
                _raw(offline, "UPDATE audit_log SET actor = actor || 'x' WHERE seq = ?", (i,))
            elif kind == "at":
                _raw(offline, "UPDATE audit_log SET at = at + 1 WHERE seq = ?", (i,))
            else:
                j = data.draw(st.integers(1, n).filter(lambda j: j != i))
                _raw(offline, "UPDATE audit_log SET seq = -1 WHERE seq = ?", (i,))
                _raw(offline, "UPDATE audit_log SET seq = ? WHERE seq = ?", (i, j))
                _raw(offline, "UPDATE audit_log SET seq = ? WHERE seq = -1", (j,))
            report = verify_chain(store)
            assert not report.ok
            expected = {"delete": {"removed", "truncated"}, "actor": {"changed"}, "at": {"changed"},
                        "swap": {"reordered"}}[kind]
            assert {p.kind for p in report.problems} <= expected
        finally:
            store.close()


def test_a_wiped_log_with_its_head_removed_is_found(offline, clock):
    _fill(offline, clock)
    _raw(offline, "DELETE FROM audit_log")
    _raw(offline, "DELETE FROM meta WHERE name LIKE 'audit_%'")
    assert _kinds(verify_chain(offline.store)) == [("truncated", None)]


def test_a_wiped_log_is_found_even_without_the_first_record_marker(offline, clock):
    _fill(offline, clock)
    _raw(offline, "DELETE FROM audit_log")
    _raw(offline, "DELETE FROM meta WHERE name LIKE 'audit_%'")
    _raw(offline, "DELETE FROM meta WHERE name = 'audit_started'")
    assert _kinds(verify_chain(offline.store)) == [("truncated", None)]  # SQLite's sequence counter remembers


def test_a_restored_older_head_verifies_locally_but_the_head_says_where_it_is(offline, clock):
    """Records 5 and 6 deleted and the sealed head of record 4 put back: no local check can tell (the gateway
    compares the head each heartbeat reports: tests/gateway/routers/test_fleet_audit_head.py)."""
    _fill(offline, clock, 4)
    saved = offline.store.query("SELECT value FROM meta WHERE name = 'audit_head'")[0][0]
    assert offline.audit.head()["seq"] == 4
    _fill(offline, clock, 2)
    assert offline.audit.head()["seq"] == 6
    _raw(offline, "DELETE FROM audit_log WHERE seq > 4")
    _raw(offline, "UPDATE meta SET value = ? WHERE name = 'audit_head'", (saved,))
    assert verify_chain(offline.store).ok
    assert offline.audit.head()["seq"] == 4  # what the next heartbeat reports: the gateway refuses it


def test_the_head_of_an_empty_log_is_none(offline):
    assert offline.audit.head() is None

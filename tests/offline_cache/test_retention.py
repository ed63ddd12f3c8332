"""Purge after the retention: what is old goes, what is still to be delivered stays."""
from __future__ import annotations

import os

from offline_cache.retention import DAY_S
from offline_cache.store import CORRUPT_SUFFIX
from tests.offline_cache.conftest import ID_NUMBER


def test_old_data_purged_pending_events_kept(offline, clock):
    ob = offline.outbox
    old_delivered = ob.enqueue("a", {"i": 0})
    old_dead = ob.enqueue("b", {"i": 0})
    old_pending = ob.enqueue("c", {"i": 0})
    ob.mark_delivered([old_delivered.seq])
    ob.dead_letter(old_dead.seq, "422")
    offline.cases.put(ID_NUMBER, [{"case_id": "X"}])
    offline.audit.record("old", "kiosk")
    with offline.store.write() as conn:  # revocations kept until their code expires (the table has no writer now)
        conn.executemany("INSERT INTO code_revocations (code_id, reason, revoked_at, expires_at) VALUES (?, ?, ?, ?)",
                         [("code-old", "reissued", clock.now, clock.now + 5 * DAY_S),
                          ("code-long", "reissued", clock.now, clock.now + 90 * DAY_S),
                          ("code-forever", "reissued", clock.now, None)])

    clock.now += 31 * DAY_S
    fresh = ob.enqueue("a", {"i": 1})
    ob.mark_delivered([fresh.seq])
    offline.audit.record("new", "kiosk")
    report = offline.purge()

    assert (report.case_cache, report.outbox, report.audit_log, report.revocations) == (1, 2, 1, 1)
    assert len(offline.cases) == 0
    left = {r[0] for r in offline.store.query("SELECT seq FROM outbox")}
    # Never delivered is never purged, however old: the audit events queued above are pending too.
    assert old_pending.seq in left and fresh.seq in left
    assert old_delivered.seq not in left and old_dead.seq not in left
    assert [e.action for e in offline.audit.entries()] == ["new"]
    revoked = {r[0] for r in offline.store.query("SELECT code_id FROM code_revocations")}
    assert revoked == {"code-long", "code-forever"}


def test_nothing_to_purge(offline):
    assert offline.purge().total == 0


def test_moved_aside_databases_follow_the_retention(offline, clock, db_path):
    old = db_path.with_name(f"{db_path.name}{CORRUPT_SUFFIX}20260101T000000")
    new = db_path.with_name(f"{db_path.name}{CORRUPT_SUFFIX}20270115T000000")
    for p in (old, new):
        p.write_bytes(b"sealed rows")
    os.utime(old, (clock.now - 40 * DAY_S, clock.now - 40 * DAY_S))
    os.utime(new, (clock.now - 1 * DAY_S, clock.now - 1 * DAY_S))
    assert offline.purge().files == 1
    assert not old.exists() and new.exists()

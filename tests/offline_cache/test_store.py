"""The store file: WAL with full sync, migrations, key check, and what happens to an unreadable file."""
from __future__ import annotations

import os
import sqlite3

import pytest

from offline_cache.errors import KeyMismatch, SchemaTooNew, StoreUnavailable
from offline_cache.migrations import LATEST
from offline_cache.store import CORRUPT_SUFFIX, Store


def test_fresh_store_is_wal_full_sync_latest_schema(store, db_path):
    assert store.query("PRAGMA journal_mode")[0][0] == "wal"
    assert store.query("PRAGMA synchronous")[0][0] == 2  # FULL
    assert store.query("PRAGMA user_version")[0][0] == LATEST
    tables = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"outbox", "case_cache", "compartments", "code_revocations", "audit_log", "alerts", "meta"} <= tables
    assert store.alerts() == []


def test_reopen_keeps_data_and_migrates_nothing(db_path, key, clock):
    s = Store.open(db_path, key, clock=clock)
    s.raise_alert("x", "y")
    s.close()
    s = Store.open(db_path, key, clock=clock)
    assert [a.code for a in s.alerts()] == ["x"]
    s.close()


def test_wrong_key_refused_clearly_and_file_untouched(db_path, key, clock):
    Store.open(db_path, key, clock=clock).close()
    before = db_path.read_bytes()
    with pytest.raises(KeyMismatch, match="does not open this offline store"):
        Store.open(db_path, os.urandom(32), clock=clock)
    assert db_path.read_bytes() == before
    assert not list(db_path.parent.glob(f"*{CORRUPT_SUFFIX}*"))


def test_newer_schema_refused_not_moved_aside(db_path, key, clock):
    Store.open(db_path, key, clock=clock).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew, match="newer than this software"):
        Store.open(db_path, key, clock=clock)
    assert db_path.exists() and not list(db_path.parent.glob(f"*{CORRUPT_SUFFIX}*"))


def test_write_transaction_rolls_back_whole_on_error(store):
    with pytest.raises(RuntimeError, match=r"^boom$"):  # ours, not an error from the store
        with store.write() as conn:
            conn.execute("INSERT INTO meta (name, value) VALUES ('a', '1')")
            with store.write() as inner:  # nested: joins the outer transaction
                inner.execute("INSERT INTO meta (name, value) VALUES ('b', '2')")
            raise RuntimeError("boom")
    assert store.query("SELECT name FROM meta WHERE name IN ('a', 'b')") == []


def _filled(db_path, key, clock, n=200):
    s = Store.open(db_path, key, clock=clock)
    with s.write() as conn:
        conn.executemany("INSERT INTO alerts (code, detail, raised_at) VALUES (?, ?, 0)",
                         [(f"c{i}", "x" * 500) for i in range(n)])
    s.checkpoint()
    s.close()


def _garbage(path):
    path.write_bytes(b"this is not an SQLite database, it is garbage " * 100)


def _truncated(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3 + 17])


def _header_smashed(path):
    data = bytearray(path.read_bytes())
    data[:100] = os.urandom(100)
    path.write_bytes(bytes(data))


def _page_smashed(path):
    data = bytearray(path.read_bytes())
    page = 4096
    start = page * 3
    data[start:start + page] = os.urandom(page)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_garbage, _truncated, _header_smashed, _page_smashed])
def test_unreadable_file_moved_aside_fresh_store_alert_raised(db_path, key, clock, damage):
    _filled(db_path, key, clock)
    damage(db_path)
    damaged = db_path.read_bytes()
    store = Store.open(db_path, key, clock=clock)
    try:
        alerts = store.alerts()
        assert [a.code for a in alerts] == ["offline_store_reset"]
        aside = list(db_path.parent.glob(f"kiosk.db{CORRUPT_SUFFIX}*"))
        assert len([p for p in aside if not p.name.endswith(("-wal", "-shm"))]) == 1
        assert aside[0].name in alerts[0].detail
        assert [p for p in aside if p.read_bytes() == damaged], "the damaged file is kept for inspection"
        assert store.query("SELECT COUNT(*) FROM alerts")[0][0] == 1  # a fresh, empty store
        with store.write() as conn:
            conn.execute("INSERT INTO meta (name, value) VALUES ('works', 'yes')")
    finally:
        store.close()
    # The next start is normal: the alert stays until staff clear it, nothing else is moved.
    store = Store.open(db_path, key, clock=clock)
    assert [a.code for a in store.alerts()] == ["offline_store_reset"]
    store.clear_alert(store.alerts()[0].id)
    assert store.alerts() == []
    store.close()
    assert len(list(db_path.parent.glob(f"kiosk.db{CORRUPT_SUFFIX}*"))) == len(aside)


def test_two_corruptions_in_one_second_do_not_collide(db_path, key, clock):
    for _ in range(2):
        _garbage(db_path)
        Store.open(db_path, key, clock=clock).close()
    assert len([p for p in db_path.parent.glob(f"kiosk.db{CORRUPT_SUFFIX}*") if "-wal" not in p.name
                and "-shm" not in p.name]) == 2


def test_folder_that_cannot_exist_is_a_clear_error(tmp_path, key, clock):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreUnavailable, match="cannot be created"):
        Store.open(blocker / "sub" / "kiosk.db", key, clock=clock)


def test_full_disk_refuses_the_write_whole_and_the_store_recovers(offline):
    # SQLite's page limit gives the same SQLITE_FULL a full disk gives.
    pages = offline.store.query("PRAGMA page_count")[0][0]
    offline.store.query(f"PRAGMA max_page_count = {pages + 2}")
    kept = []
    with pytest.raises(StoreUnavailable, match="full") as info:
        for i in range(200):
            kept.append(offline.outbox.enqueue("a", {"i": i, "pad": "x" * 3000}))
    assert info.value.message_key == "offline_store_unavailable"
    assert offline.outbox.depth() == len(kept)  # every event that returned is there; the refused one is not
    offline.store.query("PRAGMA max_page_count = 1073741823")
    offline.outbox.enqueue("a", {"after": True})
    assert offline.outbox.depth() == len(kept) + 1

"""`kiosk audit verify`, run as the installed command on a real offline store: intact, then tampered three ways."""
import subprocess
import sys
from pathlib import Path

import pytest

from offline_cache.keyfile import create_key
from offline_cache.offline_store import OfflineStore
from offline_cache.store import Store

KIOSK = str(Path(sys.executable).parent / "kiosk")


def run(*args):
    return subprocess.run([KIOSK, "audit", "verify", *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def kiosk_store(tmp_path):
    data = tmp_path / "data"
    key_file = data / "storage.key"
    store = Store.open(data / "kiosk.db", create_key(key_file))
    offline = OfflineStore(store)
    for i in range(4):
        offline.audit.record(f"staff_sign_in_{i}", "staff-0042", {"i": i})
    yield data, key_file, store
    store.close()


def tamper(store, sql):
    with store.write() as conn:
        conn.execute(sql)


def test_intact_log_with_db_and_key(kiosk_store):
    data, key_file, _store = kiosk_store
    result = run("--db", str(data / "kiosk.db"), "--key-file", str(key_file))
    assert result.returncode == 0, result.stderr
    assert "intact: 4 records 1-4" in result.stdout


def test_intact_log_with_config(kiosk_store, tmp_path):
    data, _key_file, _store = kiosk_store
    profile = tmp_path / "site.toml"
    profile.write_text(f'[site]\nid = "t-01"\nname = "t"\nkind = "hall"\nservices = ["case_status"]\n'
                       f'demo = true\n[storage]\ndata_dir = "{data}"\n', encoding="utf-8")
    result = run("--config", str(profile))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("sql, expected", [
    ("DELETE FROM audit_log WHERE seq = 2", "removed: record(s) 2 missing before record 3"),
    ("UPDATE audit_log SET actor = 'nobody' WHERE seq = 3", "changed: record 3 was changed"),
    ("UPDATE audit_log SET seq = seq + 10 WHERE seq IN (1, 2); UPDATE audit_log SET seq = 13 - seq WHERE seq > 10",
     "reordered: record 1 was written as record 2"),
])
def test_tampering_is_named_and_exits_non_zero(kiosk_store, sql, expected):
    data, key_file, store = kiosk_store
    for statement in sql.split(";"):
        tamper(store, statement)
    result = run("--db", str(data / "kiosk.db"), "--key-file", str(key_file))
    assert result.returncode == 1
    assert expected in result.stdout
    assert "audit log BROKEN" in result.stderr and "Traceback" not in result.stderr


def test_bad_arguments_are_one_line(tmp_path, kiosk_store):
    _data, key_file, _store = kiosk_store
    missing = run("--db", str(tmp_path / "nope.db"), "--key-file", str(key_file))
    assert missing.returncode == 1 and "no offline store" in missing.stderr
    assert not (tmp_path / "nope.db").exists()  # nothing created
    no_key = run("--db", str(tmp_path / "nope.db"))
    assert no_key.returncode == 1 and "--key-file" in no_key.stderr


def test_a_dropped_audit_table_is_one_clear_line(kiosk_store):
    data, key_file, store = kiosk_store
    tamper(store, "DROP TABLE audit_log")
    result = run("--db", str(data / "kiosk.db"), "--key-file", str(key_file))
    assert result.returncode == 1
    assert "unreadable: the audit log cannot be read" in result.stdout
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_a_wiped_log_is_broken_not_zero_records(kiosk_store):
    data, key_file, store = kiosk_store
    tamper(store, "DELETE FROM audit_log")
    tamper(store, "DELETE FROM meta WHERE name LIKE 'audit_%'")
    result = run("--db", str(data / "kiosk.db"), "--key-file", str(key_file))
    assert result.returncode == 1
    assert "it was wiped" in result.stdout and "audit log BROKEN" in result.stderr

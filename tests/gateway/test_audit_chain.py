"""The gateway's audit hash chain: entries written by the API and through the ORM chain up; every kind of tampering
is found, named, and makes `kiosk-gateway audit-verify` exit 1."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from gateway.audit_chain import GENESIS_HASH, append, entry_hash, verify_chain
from gateway.db import make_engine, make_sessionmaker
from gateway.fleet import queue_command
from gateway.models import AuditEntry
from tests.gateway.conftest import OBAMA

GATEWAY = str(Path(sys.executable).parent / "kiosk-gateway")


@pytest.fixture
def audited(client, hall, obama, db):
    """A few entries the way the gateway writes them: API calls (core inserts) and a queued command (ORM add)."""
    client.get("/v1/cases", headers=obama)
    client.post("/v1/portraits/lookup", headers=hall, json={"id_number": OBAMA})
    queue_command(db, "demo-hall-01", "print_test_page")
    for i in range(3):
        event = {"kind": "audit", "occurred_at": "2026-01-01T00:00:00Z",
                 "payload": {"action": f"staff_sign_in_{i}", "actor": "staff-1", "details": {}}}
        client.post("/v1/kiosk-events", headers={**hall, "Idempotency-Key": f"a{i}"}, json=event)
    db.commit()
    return db


def _kinds(db):
    db.commit()  # see the latest state
    return [(p.kind, p.seq) for p in verify_chain(db).problems]


def _count(db):
    return db.execute(select(AuditEntry.seq).order_by(AuditEntry.seq)).scalars().all()


def test_entries_are_chained(audited):
    db = audited
    rows = db.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
    assert len(rows) >= 6 and [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == GENESIS_HASH
    assert any(r.action == "command_queued" for r in rows)  # the ORM path is chained too
    for before, after in zip(rows, rows[1:]):
        assert after.prev_hash == before.hash
    for r in rows:
        assert entry_hash(r.seq, r.at, r.actor, r.action, r.subject, r.detail, r.prev_hash) == r.hash
    assert verify_chain(db).ok


def test_changed_entry(audited):
    audited.execute(text("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2"))
    assert _kinds(audited) == [("changed", 2)]


def test_changed_entry_with_recomputed_hash(audited):
    row = audited.execute(select(AuditEntry).where(AuditEntry.seq == 3)).scalar_one()
    forged = entry_hash(3, row.at, row.actor, "harmless", row.subject, row.detail, row.prev_hash)
    audited.execute(text("UPDATE audit_log SET action = 'harmless', hash = :h WHERE seq = 3"), {"h": forged})
    assert _kinds(audited) == [("changed", 3)]


def test_removed_entry(audited):
    audited.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    assert _kinds(audited) == [("removed", 2)]


def test_removed_last_entry(audited):
    last = _count(audited)[-1]
    audited.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": last})
    assert _kinds(audited) == [("truncated", last)]


def test_reordered_entries(audited):
    audited.execute(text("UPDATE audit_log SET seq = 1000 WHERE seq = 2"))
    audited.execute(text("UPDATE audit_log SET seq = 2 WHERE seq = 3"))
    audited.execute(text("UPDATE audit_log SET seq = 3 WHERE seq = 1000"))
    assert _kinds(audited) == [("reordered", 2), ("reordered", 3)]


def test_entry_inserted_behind_the_logs_back(audited):
    audited.execute(text("INSERT INTO audit_log (at, actor, action) VALUES ('2026-01-01 00:00:00', 'x', 'y')"))
    assert _kinds(audited) == [("unchained", None)]


def test_concurrent_appends_keep_one_chain(engine, app):
    """Threads with their own sessions append at once: every entry gets its own place and the chain verifies."""
    sm = make_sessionmaker(app.state.engine)
    errors = []

    def writer(n):
        try:
            for i in range(10):
                with sm() as s:
                    append(s, f"kiosk-{n}", "concurrent", None, {"i": i})
                    s.commit()
        except Exception as exc:  # reported below, so a failure in a thread fails the test
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    with sm() as s:
        report = verify_chain(s)
        assert report.ok and report.entries == 40 and report.last_seq == 40


def test_audit_verify_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    engine = make_engine(url)
    from gateway.db import migrate
    migrate(engine)
    with make_sessionmaker(engine)() as s:
        for i in range(4):
            append(s, "kiosk", f"action_{i}")
        s.commit()

    def run():
        return subprocess.run([GATEWAY, "--database", url, "audit-verify"], capture_output=True, text=True, timeout=60)

    ok = run()
    assert ok.returncode == 0 and "intact: 4 entries" in ok.stdout, ok.stderr
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    broken = run()
    assert broken.returncode == 1
    assert "removed: entry(ies) 3 missing before entry 4" in broken.stdout
    assert "BROKEN" in broken.stderr and "Traceback" not in broken.stderr
    engine.dispose()


@pytest.fixture(scope="module")
def bare_engine(tmp_path_factory):
    from gateway.db import migrate

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('chain') / 'gateway.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(2, 7), data=st.data())
def test_any_single_tampering_is_found(bare_engine, n, data):
    """Property: whatever one entry is removed, changed or swapped with another, the chain says so, and only so."""
    with make_sessionmaker(bare_engine)() as s:
        s.execute(text("DELETE FROM audit_log"))
        s.execute(text("UPDATE audit_chain_head SET seq = 0, hash = :h"), {"h": GENESIS_HASH})
        for i in range(n):
            append(s, "kiosk", f"action_{i}", None, {"i": i})
        s.commit()
        assert verify_chain(s).ok
        kind = data.draw(st.sampled_from(["delete", "actor", "detail", "swap"]))
        i = data.draw(st.integers(1, n))
        if kind == "delete":
            s.execute(text("DELETE FROM audit_log WHERE seq = :i"), {"i": i})
        elif kind == "actor":
            s.execute(text("UPDATE audit_log SET actor = actor || 'x' WHERE seq = :i"), {"i": i})
        elif kind == "detail":
            s.execute(text("UPDATE audit_log SET detail = '{\"i\": 99}' WHERE seq = :i"), {"i": i})
        else:
            j = data.draw(st.integers(1, n).filter(lambda j: j != i))
            s.execute(text("UPDATE audit_log SET seq = -1 WHERE seq = :i"), {"i": i})
            s.execute(text("UPDATE audit_log SET seq = :i WHERE seq = :j"), {"i": i, "j": j})
            s.execute(text("UPDATE audit_log SET seq = :j WHERE seq = -1"), {"j": j})
        s.commit()
        report = verify_chain(s)
        assert not report.ok
        expected = {"delete": {"removed", "truncated"}, "actor": {"changed"}, "detail": {"changed"},
                    "swap": {"reordered"}}[kind]
        assert {p.kind for p in report.problems} <= expected


def test_migration_chains_the_entries_written_before_it(tmp_path):
    from alembic import command

    from gateway.db import alembic_config, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0200")
        for i in range(3):
            connection.execute(text("INSERT INTO audit_log (at, actor, action, subject, detail) VALUES "
                                    "(:at, 'kiosk', :action, NULL, NULL)"),
                               {"at": f"2026-01-0{i + 1} 08:00:00.000000", "action": f"old_{i}"})
    migrate(engine)
    with make_sessionmaker(engine)() as s:
        report = verify_chain(s)
        assert report.ok and report.entries == 3
        append(s, "kiosk", "new")
        s.commit()
        assert verify_chain(s).ok and verify_chain(s).last_seq == 4
    engine.dispose()

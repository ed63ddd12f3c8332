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

from gateway.audit_chain import GENESIS_HASH, append, entry_hash, head_seal, verify_chain
from gateway.db import make_engine, make_sessionmaker
from gateway.fleet import queue_command
from gateway.models import AuditEntry
from tests.gateway.conftest import OBAMA

GATEWAY = str(Path(sys.executable).parent / "kiosk-gateway")


@pytest.fixture
def audited(client, hall, obama, db):
    """A few entries the way the gateway writes them: API calls (core inserts) and a queued command (ORM add)."""
    client.get("/v1/cases", headers=obama)
    client.post("/v1/identity-verifications", headers=hall,  # a refused identity decision is audited too
                json={"id_number": OBAMA, "method": "face", "live_encodings": [[0.01] * 128, [0.02] * 128],
                      "liveness": {"passed": True, "turn": True}})
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


def _cut_tail_and_rewrite_head(db, keep: int) -> None:
    """What an attacker with database access but without the audit key does to hide the newest entries."""
    last = db.execute(select(AuditEntry.hash).where(AuditEntry.seq == keep)).scalar_one()
    db.execute(text("DELETE FROM audit_log WHERE seq > :k"), {"k": keep})
    db.execute(text("UPDATE audit_chain_head SET seq = :k, hash = :h"), {"k": keep, "h": last})


def test_truncation_hidden_by_rewriting_the_head_is_found(audited):
    keep = _count(audited)[-1] - 2
    _cut_tail_and_rewrite_head(audited, keep)
    assert _kinds(audited) == [("head_broken", None)]


def test_truncation_stays_found_after_new_entries(audited):
    """The next append notices the bad seal and every later seal carries it: new entries cannot wash it out."""
    keep = _count(audited)[-1] - 2
    _cut_tail_and_rewrite_head(audited, keep)
    audited.commit()
    for i in range(3):
        append(audited, "kiosk", f"after_{i}")
    audited.commit()
    report = verify_chain(audited)
    assert [(p.kind, p.seq) for p in report.problems] == [("head_broken", keep)]
    assert f"when entry {keep} was the newest" in report.problems[0].message


def test_forged_seal_from_a_guessed_key_or_a_removed_seal_is_found(audited):
    head = audited.execute(text("SELECT seq, hash FROM audit_chain_head")).one()
    audited.execute(text("UPDATE audit_chain_head SET seal = :s"),
                    {"s": head_seal(head.seq, head.hash, key=b"demo-audit-seal-key-guess")})
    assert _kinds(audited) == [("head_broken", None)]
    audited.execute(text("UPDATE audit_chain_head SET seal = NULL"))
    assert _kinds(audited) == [("head_unsealed", None)]


def test_the_seal_is_checked_with_the_key_given(audited):
    assert verify_chain(audited).ok
    assert [p.kind for p in verify_chain(audited, seal_key=b"another gateway's key").problems] == ["head_broken"]


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


def test_audit_verify_command_checks_the_seal_with_the_key_file(tmp_path):
    """A chain sealed with the demo key is not genuine to a gateway whose key file holds another secret."""
    import os

    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    engine = make_engine(url)
    from gateway.db import migrate
    migrate(engine)
    with make_sessionmaker(engine)() as s:
        append(s, "kiosk", "action")
        s.commit()
    engine.dispose()
    key_file = tmp_path / "audit.key"
    key_file.write_text("the production audit secret\n")
    key_file.chmod(0o600)
    result = subprocess.run([GATEWAY, "--database", url, "audit-verify"], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "KIOSK_GATEWAY_AUDIT_KEY_FILE": str(key_file)})
    assert result.returncode == 1 and "head_broken: the chain head (entry 1) is not sealed with the audit key" \
        in result.stdout, result.stdout + result.stderr


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
        s.execute(text("UPDATE audit_chain_head SET seq = 0, hash = :h, seal = :s"),
                  {"h": GENESIS_HASH, "s": head_seal(0, GENESIS_HASH)})
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


def test_an_anchor_outside_the_database_catches_a_restored_older_database(tmp_path):
    """The seal cannot tell an older copy of the whole database (head and seal included) from the real one; the
    anchor file that audit-verify keeps can."""
    import shutil

    db_file, backup, anchors = tmp_path / "gateway.db", tmp_path / "backup.db", tmp_path / "audit.anchors"
    url = f"sqlite:///{db_file}"

    def add(n):
        engine = make_engine(url)
        from gateway.db import migrate
        migrate(engine)
        with make_sessionmaker(engine)() as s:
            for i in range(n):
                append(s, "kiosk", f"action_{i}")
            s.commit()
        engine.dispose()

    def run(*extra):
        return subprocess.run([GATEWAY, "--database", url, "audit-verify", *extra], capture_output=True, text=True,
                              timeout=60)

    add(3)
    shutil.copyfile(db_file, backup)
    add(2)
    first = run("--anchor-file", str(anchors))
    assert first.returncode == 0 and "1-5" in first.stdout, first.stdout + first.stderr
    assert anchors.read_text().split()[0] == "5"
    shutil.copyfile(backup, db_file)  # someone puts back the older database, seal and all
    assert run().returncode == 0  # intact and sealed as far as the database alone can tell
    rolled_back = run("--anchor-file", str(anchors))
    assert rolled_back.returncode == 1
    assert "truncated: the chain ends at entry 3 but entry 5 was anchored" in rolled_back.stdout
    assert len(anchors.read_text().splitlines()) == 1, "a broken chain is never anchored"
    (tmp_path / "junk").write_text("not an anchor\n")
    junk = run("--anchor-file", str(tmp_path / "junk"))
    assert junk.returncode == 1 and "is not an audit anchor file" in junk.stderr and "Traceback" not in junk.stderr


def test_admin_commands_refuse_to_write_without_the_gateways_audit_key(tmp_path):
    """Run without the key file, an admin command would seal its entry with the demo key and mark the chain broken:
    it refuses instead, and works with the key file."""
    import os

    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    key_file = tmp_path / "audit.key"
    key_file.write_text("the production audit secret\n")
    key_file.chmod(0o600)
    with_key = {**os.environ, "KIOSK_GATEWAY_AUDIT_KEY_FILE": str(key_file)}
    without_key = {k: v for k, v in os.environ.items() if k != "KIOSK_GATEWAY_AUDIT_KEY_FILE"}

    def admin(env, *args):
        return subprocess.run([GATEWAY, "--database", url, *args], capture_output=True, text=True, timeout=60,
                              env=env)

    assert admin(with_key, "add-kiosk", "hall-07", "--site-kind", "hall").returncode == 0
    refused = admin(without_key, "queue-command", "hall-07", "print_test_page")
    assert refused.returncode == 1 and "sealed with another key" in refused.stderr
    assert admin(with_key, "queue-command", "hall-07", "print_test_page").returncode == 0
    verified = admin(with_key, "audit-verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


@settings(max_examples=200, deadline=None)
@given(seal=st.one_of(st.none(), st.text(max_size=200)), seq=st.integers(0, 10**9))
def test_any_seal_text_is_either_genuine_or_refused(seal, seq):
    """The seal parser: whatever is in the column, the answer is a state only for a seal made with the key."""
    from gateway.audit_chain import seal_state

    assert seal_state(seq, GENESIS_HASH, seal) is None
    assert seal_state(seq, GENESIS_HASH, head_seal(seq, GENESIS_HASH, "broken@7")) == "broken@7"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_an_anchor_file_is_read_or_refused_in_one_line(tmp_path, text):
    from gateway.audit_chain import read_anchor

    path = tmp_path / "anchors"
    path.write_text(text, encoding="utf-8")
    try:
        anchor = read_anchor(path)
    except (ValueError, UnicodeDecodeError) as exc:
        assert "\n" not in str(exc)
    else:
        assert anchor is None or (isinstance(anchor[0], int) and len(anchor[1]) == 64)

"""Disk full mid-use: the kiosk's data dir is a 2 MB tmpfs that is filled while the kiosk (the real assembly,
kiosk.app.build_kiosk, with the real gateway on loopback) serves. It keeps serving what needs no local write, says so
(on screen for a payment that cannot be journaled, in the heartbeat), refuses what it cannot record without leaving
half a record, and loses nothing already written: after the disk is freed the payment journal, the outbox and the
audit chain are intact and consistent, the audit records of the outage are written in order, and the outbox drains
to the gateway exactly once."""
from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.seed import DEMO_PERSONS
from gateway.testing import LiveGateway
from kiosk import events as ev
from kiosk.app import build_kiosk
from kiosk.flows.payment import Fees
from kiosk.flows.steps import ChooseCase
from kiosk.payment_journal import PAID, PENDING
from kiosk.session import State
from offline_cache.errors import StoreUnavailable
from catalog import i18n
from tests.kiosk_config import kiosk_config
from tests.waiting import wait_for

pytestmark = pytest.mark.slow

KIOSK = str(Path(sys.executable).parent / "kiosk")


def person(key: str):
    return next(p for p in DEMO_PERSONS if p.key == key)


class Card:
    """What the session needs of a card (the reader's IdCard has more; none of it is needed here)."""

    card_type = "resident"
    expired = False

    def __init__(self, key: str):
        p = person(key)
        self.id_number, self.name = p.id_number, p.name


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("filling a disk needs root to mount a 2 MB tmpfs as the kiosk's data dir")
    mount_point = tmp_path / "data"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mount_point)],
                          capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode})")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, timeout=30)


def fill(disk: Path) -> Path:
    """Write a file until the filesystem says it has no space left."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        chunk = b"\0" * 65536
        for _ in range(10_000):  # bounded: 2 MB is a few dozen chunks
            try:
                os.write(fd, chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break
        while True:  # the last few bytes
            try:
                os.write(fd, b"\0" * 512)
            except OSError:
                break
    finally:
        os.close(fd)
    return filler


@pytest.fixture
def gateway(tmp_path):
    with LiveGateway(tmp_path / "gateway") as gw:
        yield gw


def journal_rows(db: Path) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return conn.execute("SELECT idempotency_key, case_id, order_id, state, amount_fen, receipt_printed_at "
                            "FROM payment_journal ORDER BY created_at").fetchall()
    finally:
        conn.close()


def test_disk_full_mid_use_keeps_serving_says_so_and_loses_nothing(small_disk, gateway, tmp_path):
    config = kiosk_config(
        tmp_path / "kiosk", gateway=gateway,
        extra={"storage": {"data_dir": str(small_disk), "offline_probe_s": 0.5, "online_probe_s": 1.0},
               "devices": {"receipt_printer": {"enabled": True, "url": f"file:{tmp_path / 'receipts.bin'}"}}})
    kiosk = build_kiosk(config)
    kiosk.offline.delivery.idle_s = 1.0  # after a failed pass it pauses this long (30 s by default): test time
    kiosk.start()
    try:
        session, runtime = kiosk.session, kiosk.runtime
        store = kiosk.offline.store
        journal = runtime.flows["payment"].services.payment_journal
        # -- already written before the disk fills: an open payment, a finished one, events for the gateway ------
        open_entry = journal.begin("DISK-CASE-1", {"total_fen": 100})
        journal.record_order(open_entry.idempotency_key, "PO-DISK-1", PENDING, 100)
        paid_entry = journal.begin("DISK-CASE-2", {"total_fen": 200})
        journal.record_order(paid_entry.idempotency_key, "PO-DISK-2", PENDING, 200)
        journal.set_state(paid_entry.idempotency_key, PAID)
        journal.mark_receipt_printed(paid_entry.idempotency_key)
        queued = [store.outbox.enqueue("disk_test", {"n": n}).idempotency_key for n in range(3)]
        runtime.post(ev.CardRead(Card("obama")))
        wait_for(lambda: session.personal.cases_loaded, what="obama's cases")
        runtime.post(ev.CancelRequested())
        wait_for(lambda: session.state == State.ATTRACT, what="back to attract")
        before = journal_rows(small_disk / "kiosk.db")
        audit_before = [(e.seq, e.action) for e in store.audit.entries()]
        assert ("verification" in [a for _s, a in audit_before]) and len(before) == 2

        # -- the disk fills --------------------------------------------------------------------------------------
        store.store.checkpoint()  # the WAL is empty: the next write needs new space
        filler = fill(small_disk)
        with pytest.raises(StoreUnavailable, match=r"offline store write failed \(database or disk is full\)"):
            store.outbox.enqueue("disk_test", {"n": 99})

        # Serving what needs no local write: a person is verified and sees their cases from the gateway.
        rose = Card("rose_leslie")
        runtime.post(ev.CardRead(rose))
        wait_for(lambda: session.personal.cases_loaded, what="rose's cases while the disk is full")
        assert session.state == State.MENU and session.view().cases
        trail = runtime.audit_trail
        wait_for(lambda: trail.problem == "audit_log_unwritable", what="the audit trail noticing")
        assert trail.waiting >= 2  # the verification records wait in memory, in order

        # A payment cannot be journaled: refused before any order exists, and the screen says why in plain words.
        runtime.post(ev.ServiceChosen("payment"))
        choose = wait_for(lambda: isinstance(session.personal.flow, ChooseCase)
                          and session.personal.flow.cases, what="the payment flow's case list")
        runtime.post(ev.FlowAnswer("choose", choose[0].case_id))
        wait_for(lambda: isinstance(session.personal.flow, Fees), what="the fees")
        runtime.post(ev.FlowAnswer("confirm"))
        wait_for(lambda: session.state == State.DONE and session.view().outcome == "offline_store_unavailable",
                 what="the done screen saying why")
        shown = i18n.message(session.view().outcome, "zh_CN")
        assert "存储空间不足" in shown and shown != i18n.message("generic_error", "zh_CN")
        with gateway.engine.connect() as conn:
            from sqlalchemy import text
            orders = conn.execute(text("SELECT COUNT(*) FROM payment_orders")).scalar_one()
        assert orders == 0, "no payment order may exist that the kiosk could not journal"

        # The heartbeat says so: no free space, and the last error names the failed write.
        assert kiosk.fleet is not None
        beat = kiosk.fleet.payload()
        assert beat["disk_free_pct"] is not None and beat["disk_free_pct"] < 5
        assert "offline_store_unavailable" in beat["last_error"] or "full" in beat["last_error"], beat["last_error"]

        # -- the disk is freed: everything written before is intact, the outage's audit records follow ----------
        runtime.post(ev.CancelRequested())
        filler.unlink()
        wait_for(lambda: trail.problem is None and trail.waiting == 0, timeout_s=30,
                 what="the waiting audit records written once space is back")
        after = journal_rows(small_disk / "kiosk.db")
        assert after == before, "the payment journal is exactly as it was"
        assert [e.idempotency_key for e in journal.unresolved()] == [open_entry.idempotency_key]
        entries = store.audit.entries()
        assert [(e.seq, e.action) for e in entries][:len(audit_before)] == audit_before
        outage = [e for e in entries[len(audit_before):] if e.action == "verification"]
        assert outage and outage[0].details["person"] == store.store.sealer.subject(rose.id_number)[:20]
        result = subprocess.run([KIOSK, "audit", "verify", "--db", str(small_disk / "kiosk.db"), "--key-file",
                                 str(small_disk / "storage.key")], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr

        # New work is accepted again, and the outbox drains to the gateway exactly once per event.
        journal.begin("DISK-CASE-3")
        wait_for(lambda: store.outbox.depth() == 0, timeout_s=30, what="the outbox drained")
        with gateway.engine.connect() as conn:
            from sqlalchemy import text
            keys = [r[0] for r in conn.execute(text("SELECT idempotency_key FROM kiosk_events "
                                                    "WHERE kiosk_id = 'demo-hall-01'"))]
        assert len(keys) == len(set(keys)) and set(queued) <= set(keys)
    finally:
        kiosk.stop()


@pytest.mark.ui
def test_disk_full_on_screen_then_the_kiosk_recovers_by_itself(small_disk, tmp_path):
    """The real kiosk process under Xvfb with its data dir on the small disk: the payment that cannot be journaled
    is refused on the payment screen in plain words; once the disk is freed, the same payment goes through without a
    restart, and the audit log of the whole episode verifies."""
    from peripherals.printer.simulator import ReceiptPrinterSimulator
    from kiosk_testkit.demo import DemoStack
    from tests.screens.conftest import assert_fits, shot, texts
    from tests.screens.test_pay import choose_payable_case, sign_in, step_shown

    printer = ReceiptPrinterSimulator(link=tmp_path / "dev" / "receipt-printer").start()
    demo = DemoStack(tmp_path / "stack", config_extra={
        "storage": {"data_dir": str(small_disk)},
        "devices": {"receipt_printer": {"enabled": True, "url": f"serial:{printer.path}", "poll_interval_s": 1.0}}})
    try:
        demo.start()
        client = demo.client
        client.wait_for_screen("attract", 30)
        sign_in(demo, "biden")
        case_id = choose_payable_case(client)
        client.tap(intent="flow", arg=f"choose:{case_id}")
        client.wait_for_screen("pay", 30, predicate=step_shown("pay.confirm_hint"))
        # The kiosk's WAL is emptied (from this process: SQLite allows it) so the next write needs new space.
        conn = sqlite3.connect(small_disk / "kiosk.db", timeout=10)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        filler = fill(small_disk)
        client.tap(intent="flow", arg="confirm")
        full = i18n.text("offline_store_unavailable", "zh_CN")
        state = client.wait_for_screen("done", 30, predicate=lambda s: full in texts(s))
        assert_fits(state)
        shot(client, "zh_CN", "done_disk_full")
        with gateway_orders(demo) as count:
            assert count(case_id) == 0, "no order the kiosk could not journal"

        filler.unlink()
        client.wait_for_screen("done", 30, predicate=lambda s: s["overlay"])  # the 好差评 panel over it
        client.tap(intent="rate_skip")
        client.wait_for_screen("done", 30, predicate=lambda s: not s["overlay"])
        client.tap(intent="back")
        client.wait_for_screen("menu", 30)
        assert choose_payable_case(client) == case_id
        client.tap(intent="flow", arg=f"choose:{case_id}")
        client.wait_for_screen("pay", 30, predicate=step_shown("pay.confirm_hint"))
        client.tap(intent="flow", arg="confirm")
        client.wait_for_screen("pay", 30, predicate=step_shown("pay.scan"))
        with gateway_orders(demo) as count:
            assert count(case_id) == 1
        client.post("CancelRequested")
        client.wait_for_screen("attract", 30)
        result = subprocess.run([KIOSK, "audit", "verify", "--config", str(demo.config_path)], capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        demo.stop()
        printer.stop()


class gateway_orders:
    """Count a case's payment orders in the demo gateway's database."""

    def __init__(self, demo):
        from sqlalchemy import create_engine

        self.engine = create_engine(f"sqlite:///{demo.gateway.database}")

    def __enter__(self):
        from sqlalchemy import text

        def count(case_id: str) -> int:
            with self.engine.connect() as conn:
                return conn.execute(text("SELECT COUNT(*) FROM payment_orders WHERE case_id = :c"),
                                    {"c": case_id}).scalar_one()
        return count

    def __exit__(self, *exc):
        self.engine.dispose()
        return False

"""SIGKILL crash test: a process enqueuing and delivering is killed at random points, many times; afterwards the real
gateway on loopback holds every acknowledged event exactly once, in order per kind."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from kiosk.outbox_delivery import OutboxDelivery
from kiosk.platform_client import PlatformClient
from offline_cache.keyfile import create_key, load_key
from offline_cache.offline_store import OfflineStore
from offline_cache.store import Store
from tests.offline_cache.gateway_process import REPO_ROOT, GatewayProcess

pytestmark = pytest.mark.slow

RUNS = 30


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    gw = GatewayProcess(tmp_path_factory.mktemp("gateway"))
    gw.start()
    yield gw
    gw.stop()


def wait_for_line(path, needle: str, proc, limit_s: float = 30.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if path.exists() and needle in path.read_text():
            return
        if proc.poll() is not None:
            raise AssertionError(f"child exited early with {proc.returncode}")
        time.sleep(0.01)
    raise AssertionError("child never became ready")


def test_sigkill_at_random_points_loses_nothing_and_repeats_nothing(gateway, tmp_path):
    db, key_file, acks = tmp_path / "kiosk.db", tmp_path / "storage.key", tmp_path / "acks"
    create_key(key_file)
    rng = random.Random(20261123)
    for run in range(RUNS):
        proc = subprocess.Popen([sys.executable, "-m", "tests.offline_cache.crash_child", str(db), str(key_file),
                                 str(acks), str(run), gateway.url, gateway.api_key], cwd=REPO_ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            if run % 3 == 0:
                # Any moment from the start: while importing, opening or migrating the store, or working.
                time.sleep(rng.uniform(0.0, 0.8))
            else:
                wait_for_line(acks, f"ready {run}\n", proc)
                if run % 3 == 1:  # some runs die only once they have done work (a busy machine is slow to start)
                    wait_for_line(acks, f" {run} 0\n", proc)
                time.sleep(rng.uniform(0.0, 0.25))
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            _, err = proc.communicate(timeout=10)
        assert proc.returncode == -signal.SIGKILL, err.decode(errors="replace")[-2000:]  # killed, never crashed

    acked = {}
    for line in acks.read_text().splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[0] == "ack":
            acked[parts[1]] = (parts[2], int(parts[3]), int(parts[4]))
    assert len(acked) > RUNS * 5, "the children should have acknowledged plenty of events"

    # Restart once more, as the kiosk would, and let delivery finish.
    store = Store.open(db, load_key(key_file))
    try:
        assert store.alerts() == [], "a SIGKILL must never leave an unreadable store"
        assert store.query("PRAGMA integrity_check")[0][0] == "ok"
        offline = OfflineStore(store)
        delivery = OutboxDelivery(offline.outbox, PlatformClient(gateway.url, gateway.api_key, timeout_s=5.0))
        deadline = time.monotonic() + 60
        duplicates, left = 0, offline.outbox.depth()
        while offline.outbox.depth() and time.monotonic() < deadline:
            duplicates += delivery.deliver_pending().duplicates
        print(f"acknowledged {len(acked)}, pending after the last kill {left}, of which the gateway already had "
              f"{duplicates} (sent, then killed before recording it)")
        assert offline.outbox.depth() == 0
        assert offline.outbox.dead_letters() == []
        in_store = {row[0] for row in store.query("SELECT idempotency_key FROM outbox")}
    finally:
        store.close()

    held = gateway.events()
    keys = Counter(key for key, _, _ in held)
    payloads = Counter((p["run"], p["n"]) for _, _, p in held)
    assert [k for k, c in keys.items() if c > 1] == [], "an idempotency key is held twice"
    assert [p for p, c in payloads.items() if c > 1] == [], "the same event is held twice under different keys"
    missing = [k for k in acked if k not in keys]
    assert not missing, f"{len(missing)} acknowledged events never reached the gateway"
    for key, kind, payload in held:
        assert key in in_store  # nothing reached the gateway that the store did not hold
        if key in acked:
            assert acked[key] == (kind, payload["run"], payload["n"])
    for kind in ("pickup_done", "document_printed", "serial_used"):
        order = [(p["run"], p["n"]) for _, k, p in held if k == kind]
        assert order == sorted(order), f"{kind} events arrived out of order"

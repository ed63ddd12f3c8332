"""Outbox figures: durable enqueue latency against a bare SQLite commit (the floor), and delivery throughput to the
real gateway on loopback against posting the same events straight to it. Run: .venv/bin/python bench/bench_outbox.py
"""
from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402

from kiosk.outbox_delivery import OutboxDelivery  # noqa: E402
from kiosk.platform_client import PlatformClient  # noqa: E402
from offline_cache.offline_store import OfflineStore  # noqa: E402
from offline_cache.store import Store  # noqa: E402
from tests.offline_cache.gateway_process import GatewayProcess  # noqa: E402

logger = logging.getLogger(__name__)

PAYLOAD = {"compartment": "A12", "code_id": "c0ffee0123456789", "case_id": "BDC-2026-004211", "outcome": "taken",
           "door_closed_after_s": 7.4}


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


class BareCommit:
    """The floor: one INSERT + COMMIT per event, same journal (WAL) and durability (synchronous=FULL)."""

    def __init__(self, folder: Path, size: int):
        self.conn = sqlite3.connect(folder / "bare.db", isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, k TEXT, v BLOB)")
        self.blob = os.urandom(size)

    def __call__(self) -> float:
        t0 = time.perf_counter()
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute("INSERT INTO t (k, v) VALUES (?, ?)", (uuid.uuid4().hex, self.blob))
        self.conn.execute("COMMIT")
        return time.perf_counter() - t0


def enqueue_once(offline: OfflineStore, i: int) -> float:
    t0 = time.perf_counter()
    offline.outbox.enqueue(("pickup_done", "document_printed", "serial_used")[i % 3], dict(PAYLOAD, n=i))
    return time.perf_counter() - t0


def interleaved(offline: OfflineStore, bare: BareCommit, n: int) -> tuple[list[float], list[float]]:
    """Alternate the two so a noisy neighbour on the disk or the CPUs hits both alike."""
    floor, enqueue = [], []
    for i in range(n):
        floor.append(bare())
        enqueue.append(enqueue_once(offline, i))
    return floor, enqueue


def raw_post_rate(gateway: GatewayProcess, n: int) -> float:
    """Baseline for delivery: the same events POSTed straight to the gateway, one by one, no outbox."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {gateway.api_key}"
    t0 = time.perf_counter()
    for i in range(n):
        r = session.post(gateway.url + "/v1/kiosk-events", headers={"Idempotency-Key": uuid.uuid4().hex},
                         json={"kind": "bench_raw", "occurred_at": datetime.now(timezone.utc).isoformat(),
                               "payload": dict(PAYLOAD, n=i)}, timeout=10)
        r.raise_for_status()
    return n / (time.perf_counter() - t0)


def health_rate(gateway: GatewayProcess, n: int) -> float:
    session = requests.Session()
    t0 = time.perf_counter()
    for _ in range(n):
        session.get(gateway.url + "/v1/health", timeout=10).raise_for_status()
    return n / (time.perf_counter() - t0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enqueues", type=int, default=500)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--dir", type=Path, default=None, help="folder for the databases (default: a temp folder)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        offline = OfflineStore(Store.open(folder / "kiosk.db", os.urandom(32)))
        sealed_size = len(offline.store.sealer.seal(b"x" * 200, b"c"))  # about what one sealed payload takes
        bare = BareCommit(folder, sealed_size)
        interleaved(offline, bare, 20)  # warm-up, not counted
        floor, enqueue = interleaved(offline, bare, args.enqueues)
        print(f"durable enqueue, n={args.enqueues}, WAL + synchronous=FULL, folder {folder}")
        for name, p in (("median", 50), ("p99", 99)):
            f, e = percentile(floor, p), percentile(enqueue, p)
            print(f"  {name:6s} bare commit {f * 1e3:8.3f} ms   outbox enqueue {e * 1e3:8.3f} ms   "
                  f"ratio {e / f:5.2f}x")
        f, e = statistics.mean(floor), statistics.mean(enqueue)
        print(f"  mean   bare commit {f * 1e3:8.3f} ms   outbox enqueue {e * 1e3:8.3f} ms   ratio {e / f:5.2f}x")

        gateway = GatewayProcess(folder / "gateway")
        gateway.start()
        try:
            health_rate(gateway, 50)  # warm-up, not counted
            raw_post_rate(gateway, 50)
            offline.outbox.mark_delivered(e.seq for e in offline.outbox.due(per_kind=10**6))  # start from empty
            health = health_rate(gateway, 300)
            client = PlatformClient(gateway.url, gateway.api_key, timeout_s=10.0, retries=0)
            delivery = OutboxDelivery(offline.outbox, client, batch=100)
            # Alternate rounds of the baseline and the outbox, so drift on a shared machine hits both alike.
            rounds, per_round = 10, max(1, args.events // 10)
            raw_s = outbox_s = 0.0
            for r in range(rounds):
                raw_s += per_round / raw_post_rate(gateway, per_round)
                for i in range(per_round):
                    offline.outbox.enqueue(("pickup_done", "document_printed", "serial_used")[i % 3],
                                           dict(PAYLOAD, n=i, round=r))
                t0 = time.perf_counter()
                while offline.outbox.depth():
                    delivery.deliver_pending()
                outbox_s += time.perf_counter() - t0
            pending = rounds * per_round
            raw, rate = pending / raw_s, pending / outbox_s
        finally:
            gateway.stop()
            offline.close()
        print(f"delivery to the real gateway on loopback (SQLite behind it), {pending} events, one request each")
        print(f"  GET /v1/health               {health:8.1f} req/s   (floor of any request)")
        print(f"  raw POST /v1/kiosk-events    {raw:8.1f} ev/s")
        print(f"  outbox delivery              {rate:8.1f} ev/s   ratio to raw POST {rate / raw:5.2f}x, "
              f"to health {rate / health:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Outbox figures: durable enqueue latency against a bare SQLite commit (the floor), delivery throughput to the
real gateway on loopback against posting the same events straight to it, and the catch-up of a day's backlog in
batches against the floor's request rate. Run: .venv/bin/python bench/bench_outbox.py [--backlog 10000]
[--database postgresql+psycopg://...]
"""
from __future__ import annotations

import argparse
import json
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


def gateway_events(gateway: GatewayProcess) -> list[tuple[str, str, dict]]:
    """(idempotency key, kind, payload) of every event the gateway holds, in arrival order, on either database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(gateway.database)
    try:
        with engine.connect() as db:
            rows = db.execute(text("SELECT idempotency_key, kind, payload FROM kiosk_events ORDER BY id")).all()
    finally:
        engine.dispose()
    return [(key, kind, json.loads(payload) if isinstance(payload, str) else payload) for key, kind, payload in rows]


def catch_up_after_a_day_offline(gateway: GatewayProcess, offline: OfflineStore, client: PlatformClient,
                                 backlog: int, request_size: int = 200) -> dict:
    """A kiosk back online with `backlog` events waiting, in three kinds: the batched delivery's events/s next to
    the floor's requests/s (GET /v1/health, one client, before and after), then a check on the gateway's copy."""
    kinds = ("pickup_done", "document_printed", "serial_used")
    sent = [offline.outbox.enqueue(kinds[i % 3], dict(PAYLOAD, n=i, backlog=True)) for i in range(backlog)]
    requests_made = []
    real = client.post_events

    def counting(events):
        requests_made.append(len(events))
        return real(events)

    client.post_events = counting
    delivery = OutboxDelivery(offline.outbox, client, batch=request_size, request_size=request_size)
    health_before = health_rate(gateway, 500)
    t0 = time.perf_counter()
    while offline.outbox.depth():
        delivery.deliver_pending()
    seconds = time.perf_counter() - t0
    health_after = health_rate(gateway, 500)
    client.post_events = real
    keys = {e.idempotency_key for e in sent}
    copies = [(key, kind, payload["n"]) for key, kind, payload in gateway_events(gateway) if key in keys]
    once = len(copies) == backlog and len({key for key, _, _ in copies}) == backlog
    ordered = all([n for _, k, n in copies if k == kind] == sorted(n for _, k, n in copies if k == kind)
                  for kind in kinds)
    checked = "yes" if once and ordered else f"NO (once: {once}, in order: {ordered})"
    return {"events": backlog, "seconds": seconds, "rate": backlog / seconds, "requests": len(requests_made),
            "request_size": request_size, "health": (health_before + health_after) / 2, "checked": checked,
            "backend": gateway.database.split(":", 1)[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enqueues", type=int, default=500)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--backlog", type=int, default=10000, help="events waiting after a day offline (catch-up)")
    parser.add_argument("--database", help="the gateway's SQLAlchemy URL (default: SQLite in the temp folder); "
                                           "a PostgreSQL database must be empty or hold this bench's own earlier run")
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

        gateway = GatewayProcess(folder / "gateway", database=args.database)
        gateway.start()
        try:
            health_rate(gateway, 50)  # warm-up, not counted
            raw_post_rate(gateway, 50)
            offline.outbox.mark_delivered(e.seq for e in offline.outbox.due(per_kind=10**6))  # start from empty
            health = health_rate(gateway, 300)
            client = PlatformClient(gateway.url, gateway.api_key, timeout_s=10.0, retries=0)
            delivery = OutboxDelivery(offline.outbox, client, batch=100, batched=False)
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
            catch_up = catch_up_after_a_day_offline(gateway, offline, client, args.backlog)
        finally:
            gateway.stop()
            offline.close()
        print(f"delivery to the real gateway on loopback ({gateway.database.split(':', 1)[0]} behind it), {pending} "
              f"events, one request each")
        print(f"  GET /v1/health               {health:8.1f} req/s   (floor of any request)")
        print(f"  raw POST /v1/kiosk-events    {raw:8.1f} ev/s")
        print(f"  outbox delivery              {rate:8.1f} ev/s   ratio to raw POST {rate / raw:5.2f}x, "
              f"to health {rate / health:5.2f}x")
        c = catch_up
        print(f"catch-up after a day offline: {c['events']} events in batches of {c['request_size']} "
              f"({c['requests']} requests, {c['seconds']:.1f} s), gateway {c['backend']}")
        print(f"  GET /v1/health               {c['health']:8.1f} req/s   (floor, measured before and after)")
        print(f"  batched outbox delivery      {c['rate']:8.1f} ev/s   ratio to the floor's req/s "
              f"{c['rate'] / c['health']:5.2f}x (aim >= 0.9x: {'met' if c['rate'] >= 0.9 * c['health'] else 'NOT met'})")
        print(f"  exactly once, in order per kind: {c['checked']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

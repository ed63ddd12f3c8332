"""Cost of one kiosk audit record (kiosk.audit_trail: sealed, hash-chained, queued for the gateway in one transaction)
against the baseline of one outbox event enqueued alone, one transaction each, same encrypted store on the same disk.

    .venv/bin/python bench/bench_audit_trail.py [--records 500] [--dir PATH]

Prints records per second for both, the ratio (audit / baseline), the time the runtime's core thread spends per
audited event, and the time `verify_chain` takes for the whole log.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from kiosk.audit_trail import AuditTrail
from offline_cache.audit import verify_chain
from offline_cache.offline_store import OfflineStore
from offline_cache.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--dir", type=Path, help="where the store goes (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        store = Store.open(Path(tmp) / "kiosk.db", os.urandom(32))
        offline = OfflineStore(store)
        trail = AuditTrail(offline.audit, "bench-kiosk")
        for i in range(20):  # warm-up
            offline.outbox.enqueue("bench", {"i": i})
            trail.record("bench_warmup", {"i": i})
        start = time.perf_counter()
        for i in range(args.records):
            offline.outbox.enqueue("bench", {"compartment": "A01", "code_id": f"pk-{i}"})
        baseline = args.records / (time.perf_counter() - start)
        start = time.perf_counter()
        for i in range(args.records):
            trail.record("door_opened", {"compartment": "A01", "code_id": f"pk-{i}"})
        audited = args.records / (time.perf_counter() - start)
        assert trail.waiting == 0
        start = time.perf_counter()
        report = verify_chain(store)
        took = time.perf_counter() - start
        assert report.ok, report.problems
        store.close()
    print(f"outbox enqueue (baseline): {baseline:8.0f} events/s")
    print(f"audit record:              {audited:8.0f} records/s  ratio {audited / baseline:.2f} of the baseline; "
          f"{1000 / audited:.2f} ms of the core thread per audited event")
    print(f"verify: {report.records} records in {took:.2f} s ({report.records / took:.0f} records/s)")


if __name__ == "__main__":
    main()

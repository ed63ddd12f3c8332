"""Child process of the SIGKILL crash test: opens the store, delivers in the background and enqueues until killed.

Each event is acknowledged on the acks file only after enqueue() returned, the way a flow reports an action done
only after its event is durable. `python -m tests.offline_cache.crash_child DB KEYFILE ACKS RUN URL API_KEY`
"""
from __future__ import annotations

import os
import random
import sys
import time

from kiosk.outbox_delivery import OutboxDelivery
from kiosk.platform_client import PlatformClient
from offline_cache.keyfile import load_key
from offline_cache.offline_store import OfflineStore
from offline_cache.store import Store

KINDS = ("pickup_done", "document_printed", "serial_used")


def main(db: str, key_file: str, acks: str, run: str, url: str, api_key: str) -> None:
    store = Store.open(db, load_key(key_file))
    offline = OfflineStore(store, backoff_base_s=0.05, backoff_max_s=0.2)
    delivery = OutboxDelivery(offline.outbox, PlatformClient(url, api_key, timeout_s=2.0, retries=0), idle_s=0.2,
                              batch=20)
    delivery.start()
    fd = os.open(acks, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(fd, f"ready {run}\n".encode())
    rng = random.Random(int(run))
    n = 0
    while True:
        kind = KINDS[rng.randrange(len(KINDS))]
        if n % 5 == 4:
            # A state change and its event in one transaction.
            with store.write():
                offline.cases.put(f"R{run}", [])
                event = offline.outbox.enqueue(kind, {"run": int(run), "n": n, "with": "cases"})
        else:
            event = offline.outbox.enqueue(kind, {"run": int(run), "n": n})
        # One write(2) per line on an O_APPEND file: a kill can lose the line, never tear it.
        os.write(fd, f"ack {event.idempotency_key} {kind} {run} {n}\n".encode())
        n += 1
        time.sleep(rng.uniform(0, 0.003))


if __name__ == "__main__":
    main(*sys.argv[1:7])

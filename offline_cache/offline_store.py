"""Opens the whole offline store from the storage settings: key file check, database check, and its parts."""
from __future__ import annotations

import logging
import random
import time
from pathlib import Path
from typing import Callable

from offline_cache.audit import AuditLog
from offline_cache.case_cache import CaseCache
from offline_cache.keyfile import create_key, load_key
from offline_cache.outbox import Outbox
from offline_cache.retention import PurgeReport, purge
from offline_cache.store import Alert, Store

logger = logging.getLogger(__name__)

DEFAULT_KEY_NAME = "storage.key"


class OfflineStore:
    """The kiosk's local state: `outbox`, `cases`, `audit`, plus alerts and purge (the locker keeps its own ledger:
    kiosk.pickup.ledger)."""

    def __init__(self, store: Store, *, retention_days: float = 30, reverify_window_s: float = 300,
                 backoff_base_s: float = 1.0, backoff_max_s: float = 300.0, rng: random.Random | None = None):
        self.store = store
        self.retention_days = retention_days
        self.outbox = Outbox(store, backoff_base_s=backoff_base_s, backoff_max_s=backoff_max_s, rng=rng)
        self.cases = CaseCache(store, reverify_window_s=reverify_window_s)
        self.audit = AuditLog(store, self.outbox)

    @classmethod
    def from_config(cls, storage, *, clock: Callable[[], float] = time.time) -> "OfflineStore":
        """Open from a config.schema.StorageConfig. Raises an OfflineCacheError with a one-line message on a bad key
        file; a corrupt database is moved aside and replaced (see `alerts()`), never a crash."""
        data_dir = Path(storage.data_dir)
        if storage.key_file is None:
            key_path = data_dir / DEFAULT_KEY_NAME
            key = load_key(key_path) if key_path.exists() else create_key(key_path)
        else:
            key = load_key(Path(storage.key_file))
        store = Store.open(data_dir / storage.database, key, clock=clock)
        return cls(store, retention_days=storage.retention_days, reverify_window_s=storage.reverify_window_s,
                   backoff_base_s=storage.outbox_backoff_base_s, backoff_max_s=storage.outbox_backoff_max_s)

    def alerts(self) -> list[Alert]:
        return self.store.alerts()

    def purge(self, now: float | None = None) -> PurgeReport:
        return purge(self.store, self.retention_days, now)

    def close(self) -> None:
        self.store.close()

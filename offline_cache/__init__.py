"""Durable local state of the kiosk in SQLite: case cache, outbox, locker state, audit log, encryption."""
from offline_cache.errors import (InvalidEvent, KeyFileError, KeyMismatch, NotVerified, OfflineCacheError,
                                  SchemaTooNew, StoreUnavailable)
from offline_cache.offline_store import OfflineStore
from offline_cache.outbox import Outbox, OutboxEvent
from offline_cache.store import Alert, Store

__all__ = ["Alert", "InvalidEvent", "KeyFileError", "KeyMismatch", "NotVerified", "OfflineCacheError", "OfflineStore",
           "Outbox", "OutboxEvent", "SchemaTooNew", "Store", "StoreUnavailable"]

"""Errors of the offline store, each with a message key the kiosk can show or report."""
from __future__ import annotations


class OfflineCacheError(Exception):
    """Base of every offline-store error; `message_key` is what the UI or the fleet shows."""

    message_key = "offline_store_error"


class KeyFileError(OfflineCacheError):
    """The storage key file is missing, unreadable, badly formed or readable by others."""

    message_key = "storage_key_invalid"


class KeyMismatch(OfflineCacheError):
    """The key file does not open this store (another kiosk's key, or a replaced key)."""

    message_key = "storage_key_mismatch"


class StoreUnavailable(OfflineCacheError):
    """The store cannot be opened or created at all (no space, no permission)."""

    message_key = "offline_store_unavailable"


class SchemaTooNew(OfflineCacheError):
    """The database was written by newer kiosk software than this one."""

    message_key = "offline_store_too_new"


class NotVerified(OfflineCacheError):
    """Cached personal data was asked for without a fresh identity verification."""

    message_key = "verification_required"


class InvalidEvent(OfflineCacheError, ValueError):
    """An outbox event that can never be sent (bad kind, payload not JSON); nothing was written."""

    message_key = "invalid_event"

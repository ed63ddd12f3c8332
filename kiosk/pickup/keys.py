"""The gateway's pickup-code public keys (GET /v1/pickup-keys), cached on disk so codes verify with no network."""
from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

logger = logging.getLogger(__name__)

Fetch = Callable[[], list]  # PlatformClient.pickup_keys: [{"key_id", "ed25519_public_key_b64"}]


def _decode_key(text: str) -> Ed25519PublicKey:
    raw = base64.b64decode(text, validate=True) if "-" not in text and "_" not in text \
        else base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


class PickupKeyRing:
    """Key id -> public key. Public keys are not secret, so the cache is a plain JSON file (written atomically).

    An unknown key id triggers one refresh from the gateway (at most every `min_refresh_s`), so a key rotated on the
    gateway is picked up without a restart; when the gateway is unreachable the cached keys keep working.
    """

    def __init__(self, fetch: Fetch | None, cache_path: str | os.PathLike | None = None, *,
                 max_age_s: float = 3600.0, min_refresh_s: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self._fetch = fetch
        self.cache_path = Path(cache_path) if cache_path else None
        self.max_age_s = max_age_s
        self.min_refresh_s = min_refresh_s
        self.clock = clock
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._fetched_at: float | None = None
        self._tried_at: float | None = None
        self._lock = threading.Lock()
        self._load_cache()

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._keys))

    def refresh(self) -> bool:
        """Fetch the keys now; False (and the cached keys kept) when the gateway cannot be reached."""
        if self._fetch is None:
            return False
        with self._lock:
            self._tried_at = self.clock()
        try:
            entries = self._fetch()
        except Exception as exc:  # offline is normal for a locker; the cause is the platform client's to report
            logger.info("pickup keys not refreshed: %s", getattr(exc, "message_key", exc.__class__.__name__))
            return False
        keys, raw = self._parse(entries)
        if not keys:
            logger.warning("gateway returned no usable pickup keys; keeping %d cached", len(self._keys))
            return False
        with self._lock:
            self._keys = keys
            self._fetched_at = self.clock()
        self._save_cache(raw)
        logger.info("pickup keys refreshed: %s", ", ".join(sorted(keys)))
        return True

    def key(self, key_id: str) -> Ed25519PublicKey | None:
        stale = self._fetched_at is None or self.clock() - self._fetched_at > self.max_age_s
        if key_id not in self._keys or stale:
            if self._tried_at is None or self.clock() - self._tried_at >= self.min_refresh_s:
                self.refresh()
        return self._keys.get(key_id)

    # -- internals --------------------------------------------------------------------------------------------
    @staticmethod
    def _parse(entries) -> tuple[dict[str, Ed25519PublicKey], list[dict]]:
        keys: dict[str, Ed25519PublicKey] = {}
        raw: list[dict] = []
        if isinstance(entries, dict):  # the bare response body {"public_keys": [...]} is accepted too
            entries = entries.get("public_keys", [])
        for entry in entries if isinstance(entries, list) else []:
            try:
                key_id, text = entry["key_id"], entry["ed25519_public_key_b64"]
                if not isinstance(key_id, str) or not key_id or not isinstance(text, str):
                    raise ValueError("key id or key missing")
                keys[key_id] = _decode_key(text)
                raw.append({"key_id": key_id, "ed25519_public_key_b64": text})
            except (KeyError, TypeError, ValueError, binascii.Error):
                logger.warning("ignoring a malformed pickup key entry")
        return keys, raw

    def _load_cache(self) -> None:
        if self.cache_path is None or not self.cache_path.exists():
            return
        try:
            entries = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            logger.warning("pickup key cache %s unreadable; ignoring it", self.cache_path)
            return
        self._keys, _ = self._parse(entries)

    def _save_cache(self, raw: list[dict]) -> None:
        if self.cache_path is None:
            return
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.cache_path.with_name(self.cache_path.name + ".tmp")
            tmp.write_text(json.dumps(raw, indent=1), encoding="utf-8")
            os.replace(tmp, self.cache_path)
        except OSError as exc:
            logger.warning("pickup key cache not written (%s)", exc.__class__.__name__)

"""Encryption of personal data at rest: AES-256-GCM with keys derived from the storage key, bound to their row."""
from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from offline_cache.errors import OfflineCacheError

NONCE_BYTES = 12
TAG_BYTES = 16
VERSION = b"\x01"


class SealBroken(OfflineCacheError):
    """A sealed value failed authentication: tampered with, moved to another row, or another key."""

    message_key = "offline_store_tampered"


def _derive(key: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(key)


def _normalise(id_number: str) -> bytes:
    return id_number.strip().upper().encode()


class Seal:
    """AES-GCM with a random nonce; `context` (associated data) ties each value to the row it belongs to."""

    def __init__(self, key: bytes):
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return VERSION + nonce + self._aead.encrypt(nonce, plaintext, context)

    def open(self, sealed: bytes, context: bytes) -> bytes:
        if len(sealed) < 1 + NONCE_BYTES + TAG_BYTES or sealed[:1] != VERSION:
            raise SealBroken("sealed value is malformed")
        try:
            return self._aead.decrypt(sealed[1:1 + NONCE_BYTES], sealed[1 + NONCE_BYTES:], context)
        except InvalidTag:
            raise SealBroken("sealed value failed authentication") from None


class Sealer(Seal):
    """The store's sealer, with the keyed pseudonyms and per-person keys derived from the same storage key."""

    def __init__(self, key: bytes):
        if len(key) != 32:
            raise ValueError("the storage key must be 32 bytes")
        super().__init__(_derive(key, b"kiosk-offline-store/aead/v1"))
        self._subject_key = _derive(key, b"kiosk-offline-store/subject/v1")
        self._person_key = _derive(key, b"kiosk-offline-store/person/v1")
        # Stored in the database so a wrong key file is caught at start-up, not at the first decryption.
        self.key_check = hmac.new(_derive(key, b"kiosk-offline-store/check/v1"), b"key-check",
                                  hashlib.sha256).hexdigest()

    def subject(self, id_number: str) -> str:
        """A stable keyed pseudonym (HMAC-SHA256) of an ID number: a row key that tells nothing without the key."""
        return hmac.new(self._subject_key, _normalise(id_number), hashlib.sha256).hexdigest()

    def for_person(self, id_number: str) -> Seal:
        """A seal whose key also depends on the ID number: its values open only when that number is presented."""
        return Seal(_derive(self._person_key, b"kiosk-offline-store/person-aead/v1", salt=_normalise(id_number)))

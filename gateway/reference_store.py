"""Reference encodings: each registry portrait encoded once, kept only encrypted, and sealed for a locker.

Keys: one AES-256-GCM key for the store and one HMAC key for row keys, both derived (HKDF) from the gateway's
audit seal key, its one secret file in production, under labels of their own. The store is a cache of what the
population registry holds: a row that no longer opens (the secret was rotated) is simply computed again.
A locker's copy is sealed under a key derived from that locker's own API key, which the gateway holds only while
the locker's request is being served (it stores a hash of it), so a copy is readable only by that locker.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os

from typing import Annotated

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from gateway import face_match
from gateway.identity_models import ReferenceEncoding
from gateway.models import utcnow

logger = logging.getLogger(__name__)

NONCE_BYTES = 12
LOCKER_LABEL = b"locker-reference-encodings/v1"
LOCKER_SUBJECT_LABEL = b"locker-reference-subjects/v1"


def derive_key(secret: str | bytes, label: bytes) -> bytes:
    raw = secret.encode() if isinstance(secret, str) else bytes(secret)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(raw)


def _pack(encoding: np.ndarray) -> bytes:
    return np.asarray(encoding, dtype="<f4").tobytes()


def _unpack(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4").astype(np.float64)


def seal(key: bytes, encoding: np.ndarray, context: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, _pack(encoding), context)


def open_sealed(key: bytes, sealed: bytes, context: bytes) -> np.ndarray:
    """The encoding; InvalidTag when the key or the context is not the one it was sealed with."""
    return _unpack(AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context))


class ReferenceStore:
    def __init__(self, secret: str | bytes, population):
        self._store_key = derive_key(secret, b"reference-encodings/v1")
        self._subject_key = derive_key(secret, b"identity-subject-keys/v1")
        self.population = population

    def subject_key(self, id_number: str) -> str:
        """A keyed hash of the ID number: rows are joined on it, and it says nothing without the secret."""
        return hmac.new(self._subject_key, id_number.encode(), hashlib.sha256).hexdigest()

    def evidence_digest(self, encodings: list[np.ndarray]) -> str:
        mac = hmac.new(self._subject_key, b"evidence", hashlib.sha256)
        for encoding in encodings:
            mac.update(_pack(encoding))
        return mac.hexdigest()

    def reference(self, db: Session, id_number: str) -> np.ndarray | None:
        """The registry portrait's encoding (computed on first use, then read back decrypted), or None when the
        registry has no usable portrait. Adds the new row to db's transaction; the caller commits."""
        key = self.subject_key(id_number)
        row = db.get(ReferenceEncoding, key)
        if row is not None:
            try:
                return open_sealed(self._store_key, row.sealed, key.encode())
            except InvalidTag:
                logger.warning("a reference encoding no longer opens (secret rotated?); computing it again")
        portrait = self.population.portrait_jpeg(id_number)
        if not portrait:
            return None
        try:
            encoding = face_match.encode_image(portrait)
        except face_match.ReferenceUnusable as exc:
            logger.warning("registry portrait unusable: %s", exc)
            return None
        finally:
            del portrait
        sealed = seal(self._store_key, encoding, key.encode())
        if row is None:
            db.add(ReferenceEncoding(subject_key=key, sealed=sealed, computed_at=utcnow()))
        else:
            row.sealed, row.computed_at = sealed, utcnow()
        return encoding


def locker_key(api_key: str) -> bytes:
    """The key a locker's copies of reference encodings are sealed under: derived from its own API key."""
    return derive_key(api_key, LOCKER_LABEL)


def seal_for_locker(api_key: str, encoding: np.ndarray, code_id: str) -> str:
    """Base64 of the encoding sealed for this locker and bound to this pickup code (it opens for nothing else)."""
    return base64.b64encode(seal(locker_key(api_key), encoding, code_id.encode())).decode()


def locker_subject(api_key: str, id_number: str) -> str:
    """Who a locker's reference belongs to, as the locker can check against a card read (and nobody else can)."""
    return hmac.new(derive_key(api_key, LOCKER_SUBJECT_LABEL), id_number.encode(), hashlib.sha256).hexdigest()


async def get_references(request: Request) -> ReferenceStore:
    """The process's reference store, made on first use from the settings' secret and the population registry."""
    state = request.app.state
    store = getattr(state, "references", None)
    if store is None:
        store = state.references = ReferenceStore(state.settings.audit_seal_key, state.adapters.population)
    return store


References = Annotated[ReferenceStore, Depends(get_references)]

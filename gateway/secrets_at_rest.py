"""Server secrets the database must keep (pickup-code signing keys, the dashboard cookie key, stored idempotent
answers): encrypted with AES-GCM under a key derived (HKDF) from the gateway's audit key file, never in clear."""
from __future__ import annotations

import base64
import logging
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

logger = logging.getLogger(__name__)

PREFIX = b"enc1:"
TEXT_PREFIX = "enc1:"
_INFO = b"kiosk-gateway secrets at rest v1"
_derived: dict[bytes, AESGCM] = {}


class SecretUnreadable(ValueError):
    """A stored secret that this process's key cannot open (sealed under another audit key, or changed)."""


def _cipher() -> AESGCM:
    from gateway.audit_chain import current_seal_key

    root = current_seal_key()
    cipher = _derived.get(root)
    if cipher is None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(root)
        cipher = _derived[root] = AESGCM(key)
    return cipher


def seal(plain: bytes, purpose: str) -> bytes:
    """`purpose` (e.g. "pickup-signing-key:k1a2b") is bound in: a sealed value cannot be moved to another use."""
    nonce = os.urandom(12)
    return PREFIX + nonce + _cipher().encrypt(nonce, plain, purpose.encode())


def is_sealed(blob: bytes | str) -> bool:
    return blob.startswith(TEXT_PREFIX) if isinstance(blob, str) else bytes(blob).startswith(PREFIX)


def unseal(blob: bytes, purpose: str) -> bytes:
    blob = bytes(blob)
    if not blob.startswith(PREFIX):
        raise SecretUnreadable(f"the stored {purpose.split(':')[0]} is not sealed")
    body = blob[len(PREFIX):]
    try:
        return _cipher().decrypt(body[:12], body[12:], purpose.encode())
    except InvalidTag:
        raise SecretUnreadable(f"the stored {purpose.split(':')[0]} cannot be opened with this gateway's audit key"
                               ) from None


def seal_text(plain: bytes, purpose: str) -> str:
    """seal() as text, for a string column."""
    return TEXT_PREFIX + base64.b64encode(seal(plain, purpose)[len(PREFIX):]).decode("ascii")


def unseal_text(text: str, purpose: str) -> bytes:
    if not text.startswith(TEXT_PREFIX):
        raise SecretUnreadable(f"the stored {purpose.split(':')[0]} is not sealed")
    return unseal(PREFIX + base64.b64decode(text[len(TEXT_PREFIX):]), purpose)

"""scrypt hashing of staff secrets (passwords, PINs, staff QR codes, card numbers), shared by kiosk and gateway.

A neutral package like pdfparts: the kiosk and the gateway share no other code, and both store staff credentials
in the same self-describing form "scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>" (hashlib.scrypt from the standard
library), so one implementation decides the cost, the limits and what counts as a malformed hash.
"""
from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import logging
import secrets

logger = logging.getLogger(__name__)

# 2**14 x 8 x 1 is the interactive-login setting of the scrypt paper (16 MiB, tens of ms).
N, R, P = 2 ** 14, 8, 1
DKLEN = 32
SALT_BYTES = 16
MAX_SECRET_BYTES = 1024
_MAXMEM = 256 * 1024 * 1024  # enough for the largest stored cost verify_secret accepts (n <= 2**20, r <= 32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_secret(secret: str) -> str:
    """The stored form of a secret; ValueError for an empty one or one over MAX_SECRET_BYTES."""
    raw = secret.encode("utf-8")
    if not raw or len(raw) > MAX_SECRET_BYTES:
        raise ValueError(f"a secret is 1-{MAX_SECRET_BYTES} bytes")
    salt = secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(raw, salt=salt, n=N, r=R, p=P, dklen=DKLEN, maxmem=_MAXMEM)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def verify_secret(secret: str, stored: str | None) -> bool:
    """Constant-time comparison; a missing or malformed stored hash, or an absurd secret, is simply a mismatch."""
    raw = (secret or "").encode("utf-8")
    if not stored or not raw or len(raw) > MAX_SECRET_BYTES:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        n, r, p = int(n), int(r), int(p)
        if scheme != "scrypt" or not (2 <= n <= 2 ** 20 and 1 <= r <= 32 and 1 <= p <= 16):
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = hashlib.scrypt(raw, salt=base64.b64decode(salt, validate=True), n=n, r=r, p=p,
                                dklen=len(expected), maxmem=_MAXMEM)
    except (ValueError, TypeError, binascii.Error):
        return False
    return hmac.compare_digest(actual, expected)


@functools.cache
def dummy_hash() -> str:
    """A hash of nothing anyone knows: verifying against it when the user does not exist keeps a sign-in's timing
    from revealing which names exist (made on first use, so importing this costs nothing)."""
    return hash_secret(secrets.token_hex(8))

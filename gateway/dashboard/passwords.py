"""Staff password hashing with scrypt from the standard library (hashlib.scrypt), in a self-describing string."""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets

logger = logging.getLogger(__name__)

# 2**14 x 8 x 1 is the interactive-login setting of the scrypt paper (16 MiB, tens of ms).
N, R, P = 2 ** 14, 8, 1
DKLEN = 32
MAX_PASSWORD_BYTES = 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    raw = password.encode("utf-8")
    if not raw or len(raw) > MAX_PASSWORD_BYTES:
        raise ValueError("a password is 1-1024 bytes")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(raw, salt=salt, n=N, r=R, p=P, dklen=DKLEN, maxmem=64 * 1024 * 1024)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time comparison; a malformed stored hash or an absurd password is simply a mismatch."""
    raw = password.encode("utf-8")
    if not raw or len(raw) > MAX_PASSWORD_BYTES:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        n, r, p = int(n), int(r), int(p)
        if not (2 <= n <= 2 ** 20 and 1 <= r <= 32 and 1 <= p <= 16):
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(raw, salt=base64.b64decode(salt), n=n, r=r, p=p, dklen=len(expected),
                                maxmem=256 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# Verifying against this when the user does not exist keeps a login's timing from revealing which names exist.
DUMMY_HASH = hash_password(secrets.token_hex(8))

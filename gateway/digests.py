"""SHA-256 hex digests of API keys and tokens: what the gateway stores instead of the secret itself."""
from __future__ import annotations

import hashlib


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

"""Verification codes printed on proofs: random, and unambiguous when read aloud or typed from paper."""
from __future__ import annotations

import logging
import secrets

logger = logging.getLogger(__name__)

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, no 1/I
LENGTH = 12  # 60 bits: not guessable through the rate-limited public page


def new_verification_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))

"""Retry delays for outbox delivery: capped exponential back-off with full jitter.

A retry library (tenacity, backoff) wraps a call and sleeps inside its own loop. The outbox needs something else: the
attempt count lives in the database row and survives restarts, and the delivery thread must stay free to wake up for
new events or a return to online. What is left is this one formula ("full jitter": a uniform draw between zero and
the capped exponential), small enough to test exhaustively.
"""
from __future__ import annotations

import logging
import random

logger = logging.getLogger(__name__)


def retry_delay(attempts: int, *, base_s: float = 1.0, cap_s: float = 300.0,
                rng: random.Random | None = None) -> float:
    """Seconds to wait after `attempts` failed tries (1 = the first): uniform in [base/2, min(cap, base*2^(n-1))].

    The floor of half the base keeps a burst of failures from retrying in a tight loop even on an unlucky draw.
    """
    if attempts < 1:
        return 0.0
    if base_s <= 0 or cap_s < base_s:
        raise ValueError("need 0 < base_s <= cap_s")
    ceiling = min(cap_s, base_s * 2.0 ** min(attempts - 1, 62))
    low = min(base_s / 2.0, ceiling)
    return (rng or random).uniform(low, ceiling)
